"""The smaller input faults of issue 28, each with the behaviour a user expects.

- Python API: ``timeout`` 0, -1 or NaN is a ValueError (as on the command line); bytes and numbers are read as text
  (as the command line reads them), other shapes are a ValueError naming the row.
- ``score``: an all-null response column gets a hint line; a non-UTF-8 jsonl line is named by its row; a CSV field
  over 128 KiB is read; an empty jsonl gives an output with the result columns.
- ``curate``: a row without a problem, or with a list of them, is rejected with its reason and the run goes on; an
  unknown ``--language`` is refused before any work.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from faults import run

from mathreward.verifiers import is_equivalent, verify, verify_batch


@pytest.mark.parametrize("timeout", [0, -1, math.nan, math.inf])
def test_api_timeout_must_be_positive(timeout: float) -> None:
    for call in (
        lambda: verify("Answer: 1", "1", timeout=timeout),
        lambda: verify_batch(["Answer: 1"], ["1"], timeout=timeout),
        lambda: is_equivalent("1", "1", timeout=timeout),
    ):
        with pytest.raises(ValueError, match=r"^timeout must be a positive number of seconds, got "):
            call()


def test_api_reads_bytes_and_numbers_as_text_and_refuses_other_shapes() -> None:
    verdicts = verify_batch([b"Answer: 12", 12, 1.5, None], ["12", "12", "1.5", "1"], workers=0)  # type: ignore[list-item]
    assert [(v.status, v.pred) for v in verdicts] == [
        ("correct", "12"),
        ("correct", "12"),
        ("correct", "1.5"),
        ("no_answer", None),
    ]
    assert verify(b"Answer: 3", "3").status == "correct"  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^response 1 is a list, not text"):
        verify_batch(["Answer: 1", ["Answer: 1"]], ["1", "1"])  # type: ignore[list-item]


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_all_null_responses_get_a_hint(tmp_path: Path) -> None:
    rows = [{"response": None, "completion": f"Answer: {i}", "gold": str(i)} for i in range(4)]
    done = run(["score", str(_jsonl(tmp_path / "in.jsonl", rows)), "-o", "out.parquet", "--no-progress"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == (
        "hint: 100% of rows are no_answer and most of their responses are null or empty: is --response-field the "
        "column that holds the model's responses?"
    )


@pytest.mark.parametrize("workers", ["1", "2"])
def test_non_utf8_jsonl_names_the_row(tmp_path: Path, workers: str) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'{"response": "Answer: 1", "gold": "1"}\n\n{"response": "Answer: \xff", "gold": "1"}\n')
    done = run(["score", str(source), "-o", "out.parquet", "--workers", workers, "--no-progress"], tmp_path)
    assert done.returncode == 2  # a user error (the bad input): one line, exit 2
    assert (
        done.stderr.strip()
        == f"mathreward score: error: {source}: row 3: is not UTF-8 text (invalid start byte at byte 22)"
    )
    assert not (tmp_path / "out.parquet").exists()


def test_csv_field_over_128_kib_is_read(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerows([["response", "gold"], ["Answer: 1", "1"], ["x" * 200_000 + "\n\nAnswer: 2", "2"]])
    done = run(["score", str(source), "-o", "out.parquet", "--no-progress"], tmp_path)
    assert done.returncode == 0, done.stderr
    rows = pq.read_table(tmp_path / "out.parquet", columns=["status"]).to_pylist()
    assert rows == [{"status": "correct"}, {"status": "correct"}]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_empty_jsonl_gives_the_result_columns(tmp_path: Path, workers: str) -> None:
    (tmp_path / "in.jsonl").write_text("")
    done = run(["score", "in.jsonl", "-o", "out.parquet", "--workers", workers, "--no-progress"], tmp_path)
    assert done.returncode == 0, done.stderr
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.num_rows == 0 and table.column_names == ["score", "correct", "pred", "status"]


def test_curate_rejects_a_row_without_a_problem_and_goes_on(tmp_path: Path) -> None:
    rows = [
        {"problem": "What is 1+1?", "answer": "2"},
        {"answer": "3"},
        {"problem": ["What is 1+2?", "What is 2+2?"], "answer": "4"},
        {"problem": "What is 2+5?", "answer": "7"},
    ]
    _jsonl(tmp_path / "raw.jsonl", rows)
    done = run(["curate", "raw.jsonl", "-o", "out.parquet", "--quiet", "--report", "report"], tmp_path)
    assert done.returncode == 0, done.stderr
    kept = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert [row["reward_model"]["ground_truth"] for row in kept] == ["2", "7"]
    rejected = [json.loads(line) for line in (tmp_path / "report" / "rejected.jsonl").read_text().splitlines()]
    assert [(row["row"], row["reason"]) for row in rejected] == [(2, "empty_problem"), (3, "multiple_problems")]


def test_curate_refuses_an_unknown_language_up_front(tmp_path: Path) -> None:
    _jsonl(tmp_path / "raw.jsonl", [{"problem": "What is 1+1?", "answer": "2"}])
    done = run(["curate", "raw.jsonl", "-o", "out.parquet", "--language", "xx"], tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == "mathreward curate: error: unknown --language 'xx'; choose from en, zh"
    assert not (tmp_path / "out.parquet").exists()
