"""`mathreward score` on every core: several batches over a real worker pool give the rows, order and results of one
process; the default reward routes by data_source and says which reward each source got; a format hint when most
rows are no_answer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mathreward.scoring.score_files import BATCH_ROWS, score_file
from mathreward.scoring.summary import format_summary

ENDINGS = [
    ("Answer: {g}", "{g}"),
    ("Answer: {w}", "{g}"),
    ("So $\\boxed{{{g}}}$.", "{g}"),
    ("<think>\nhmm\n</think>\nAnswer: {g}", "{g}"),
    ("Answer: 0{g}", "{g}"),
    ("no idea", "{g}"),
    ("Answer: \\frac{{{g}}}{{2}}", "\\frac{{{g}}}{{2}}"),
]
SOURCES = ["math_dapo", "lighteval/MATH", "openai/gsm8k", "DAPO-17k"]


def _rows(n: int) -> list[dict]:
    rows = []
    for i in range(n):
        response, gold = ENDINGS[i % len(ENDINGS)]
        g, w = i % 997, i % 997 + 1
        rows.append(
            {
                "id": i,
                "response": "Some reasoning.\n\n" + response.format(g=g, w=w),
                "reward_model": {"ground_truth": gold.format(g=g)},
                "data_source": SOURCES[(i // 3) % len(SOURCES)],
            }
        )
    return rows


def test_worker_pool_matches_one_process_over_several_batches(tmp_path: Path) -> None:
    rows = _rows(2 * BATCH_ROWS + 123)
    source = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(rows), source, row_group_size=5000)
    one = score_file(source, tmp_path / "one.parquet", workers=1, progress=False)
    two = score_file(source, tmp_path / "two.parquet", workers=2, progress=False)
    first = pq.read_table(tmp_path / "one.parquet")
    second = pq.read_table(tmp_path / "two.parquet")
    assert first.equals(second)  # same rows, same order, same results, same schema
    assert first.column("id").to_pylist() == list(range(len(rows)))
    assert first.schema.names == ["id", "response", "reward_model", "data_source", "score", "correct", "pred", "status"]
    assert {k: one[k] for k in ("rows", "status_counts", "reward_per_source")} == {
        k: two[k] for k in ("rows", "status_counts", "reward_per_source")
    }
    by_id = {row["id"]: row for row in first.to_pylist()}
    assert (by_id[0]["status"], by_id[0]["score"]) == ("correct", 1.0)  # math_dapo -> dapo: +1
    assert (by_id[1]["status"], by_id[1]["score"]) == ("wrong", -1.0)
    assert (by_id[3]["data_source"], by_id[3]["status"], by_id[3]["score"]) == ("lighteval/MATH", "no_answer", 0.0)
    assert (by_id[16]["data_source"], by_id[16]["status"], by_id[16]["score"]) == ("lighteval/MATH", "correct", 1.0)
    assert (by_id[9]["data_source"], by_id[9]["status"], by_id[9]["score"]) == ("DAPO-17k", "no_answer", -1.0)
    assert (by_id[5]["data_source"], by_id[5]["status"], by_id[5]["score"]) == ("lighteval/MATH", "no_answer", 0.0)


def test_default_reward_routes_by_source_and_names_it(tmp_path: Path) -> None:
    rows = [
        {"response": "So $\\boxed{12}$.", "gold": "12", "data_source": "lighteval/MATH"},
        {"response": "Thus\n\nAnswer: 12", "gold": "12", "data_source": "math_dapo"},
        {"response": "The total is $12$.", "gold": "12", "data_source": "openai/gsm8k"},
        {"response": "So $\\boxed{12}$.", "gold": "12", "data_source": "math_dapo"},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    summary = score_file(source, tmp_path / "out.jsonl", workers=1, progress=False)
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(row["score"], row["status"]) for row in out] == [
        (1.0, "correct"),
        (1.0, "correct"),
        (1.0, "correct"),
        (-1.0, "no_answer"),
    ]
    assert summary["reward_per_source"] == {
        "lighteval/MATH": {"boxed": 1},
        "math_dapo": {"dapo": 2},
        "openai/gsm8k": {"binary": 1},
    }
    assert "reward per data_source: lighteval/MATH -> boxed (1 rows); math_dapo -> dapo (2 rows)" in (
        format_summary(summary)
    )


def test_rows_per_source_count_missing_numeric_and_text_sources(tmp_path: Path) -> None:
    """The summary's rows per (data_source, reward): a missing source and an empty one are one key, the number 3 and
    the text "3" another, sources that route alike stay apart."""
    rows = [
        ("math_dapo", "Answer: 3"),
        (None, "Answer: 3"),
        ("math_dapo", "x"),
        (3, "Answer: 3"),
        ("3", "Answer: 3"),
        ("aime_2024", "Answer: 4"),
        ("lighteval/MATH", "\\boxed{3}"),
        ("", "Answer: 3"),
    ]
    source = tmp_path / "in.jsonl"
    source.write_text(
        "".join(json.dumps({"response": text, "gold": "3", "data_source": name}) + "\n" for name, text in rows),
        encoding="utf-8",
    )
    summary = score_file(source, tmp_path / "out.jsonl", workers=1, progress=False)
    assert summary["reward_per_source"] == {
        "": {"binary": 2},
        "3": {"binary": 2},
        "aime_2024": {"dapo": 1},
        "lighteval/MATH": {"boxed": 1},
        "math_dapo": {"dapo": 2},
    }
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [row["score"] for row in out] == [1.0, 1.0, -1.0, 1.0, 1.0, -1.0, 1.0, 1.0]


def test_mostly_no_answer_in_another_format_gets_a_hint(tmp_path: Path) -> None:
    rows = [{"response": f"So the answer is $\\boxed{{{i}}}$.", "gold": str(i)} for i in range(10)]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mathreward", "score", str(source), "-o", str(tmp_path / "o.jsonl"), "--reward", "dapo"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "accuracy 0.0000" in result.stdout
    assert (
        "hint: 100% of rows are no_answer but most of them end in \\boxed{}, which reward 'dapo' does not read here: "
        "use --reward boxed" in result.stdout
    )
    routed = score_file(source, tmp_path / "r.jsonl", workers=1, progress=False)  # no data_source: auto extractor
    assert routed["accuracy"] == 1.0 and routed["hint"] is None


def test_a_dying_worker_stops_the_run_without_output(tmp_path: Path) -> None:
    from mathreward.scoring.spec import ScoreError

    source = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(_rows(3 * BATCH_ROWS)), source)
    options = {"marker": str(tmp_path / "died")}
    with pytest.raises(ScoreError, match="a scoring worker process died"):
        score_file(
            source,
            tmp_path / "out.parquet",
            reward="ray_fault:DyingOnceReward",
            reward_options=options,
            workers=2,
            progress=False,
        )
    assert (tmp_path / "died").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["died", "in.parquet"]  # no output, no temp file
