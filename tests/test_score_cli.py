"""`mathreward score` and `mathreward verify` as real subprocesses: jsonl/parquet, nested fields, bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mathreward import cli

# (response, gold, expected dapo score, expected status)
ROLLOUTS = [
    ("6 * 7 = 42.\n\nAnswer: 42", "42", 1.0, "correct"),
    ("So the count is 34.\n\n**Answer:** 34", "34", 1.0, "correct"),
    ("We get 34.\n\nAnswer: \\(34\\)", "34", 1.0, "correct"),
    ("Answer: 3, 4", "34", -1.0, "wrong"),
    ("So the total is $\\boxed{34}$.", "34", -1.0, "no_answer"),
    ("I am not sure.", "12", -1.0, "no_answer"),
    ("Answer: $\\frac{1}{2}$", "\\frac12", 1.0, "correct"),
    ("Answer: 9^{9^{9^{9^{9}}}}", "1024", -1.0, None),  # refused: wrong or error, never correct, never a hang
]


def _cli() -> list[str]:
    script = shutil.which("mathreward")
    return [script] if script else [sys.executable, "-m", "mathreward"]


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*_cli(), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def _rows() -> list[dict]:
    return [
        {
            "id": index,
            "prompt": [{"role": "user", "content": f"Problem {index}"}],
            "response": response,
            "reward_model": {"ground_truth": gold, "style": "rule"},
            "data_source": "math_dapo",
            "response_length": 100 + 10 * index,
        }
        for index, (response, gold, _score, _status) in enumerate(ROLLOUTS)
    ]


def _check_results(rows: list[dict]) -> None:
    assert [row["id"] for row in rows] == list(range(len(ROLLOUTS)))  # every row, in order
    for row, (_response, _gold, score, status) in zip(rows, ROLLOUTS, strict=True):
        assert row["score"] == score, row
        assert row["correct"] is (score > 0)
        if status is not None:
            assert row["status"] == status, row
        else:
            assert row["status"] in ("wrong", "error")
    assert rows[0]["pred"] == "42"
    assert rows[4]["pred"] is None


def test_score_jsonl_to_parquet_with_nested_gold(tmp_path: Path) -> None:
    source = tmp_path / "rollouts.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in _rows()), encoding="utf-8")
    result = _run("score", str(source), "-o", "scored.parquet", "--workers", "1", "--no-progress", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "accuracy 0.5000 over 8 judged rows" in result.stdout
    assert "rollouts/s" in result.stdout
    rows = pq.read_table(tmp_path / "scored.parquet").to_pylist()
    _check_results(rows)
    assert rows[0]["reward_model"] == {"ground_truth": "42", "style": "rule"}
    assert rows[0]["prompt"] == [{"role": "user", "content": "Problem 0"}]


def test_score_parquet_to_jsonl_with_binary_reward_auto_style_and_overlong(tmp_path: Path) -> None:
    pq.write_table(pa.Table.from_pylist(_rows()), tmp_path / "rollouts.parquet")
    result = _run(
        "score",
        "rollouts.parquet",
        "-o",
        "scored.jsonl",
        "--reward",
        "binary",
        "--style",
        "auto",
        "--max-len",
        "160",
        "--buffer-len",
        "40",
        "--workers",
        "1",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in (tmp_path / "scored.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in rows] == list(range(len(ROLLOUTS)))
    # binary in auto style: the boxed-only rollout (row 4) is correct now; lengths 100..170, penalty from 120 on
    expected_raw = [1.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]
    lengths = [100 + 10 * i for i in range(len(ROLLOUTS))]
    expected = [raw + min(-(length - 120) / 40, 0.0) for raw, length in zip(expected_raw, lengths, strict=True)]
    assert [row["score"] for row in rows] == pytest.approx(expected)
    assert [row["correct"] for row in rows] == [raw == 1.0 for raw in expected_raw]
    assert rows[4]["status"] == "correct"


def test_missing_field_fails_with_one_line_and_no_output(tmp_path: Path) -> None:
    rows = _rows()
    del rows[2]["response"]
    (tmp_path / "bad.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    result = _run("score", "bad.jsonl", "-o", "out.parquet", "--workers", "1", cwd=tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip() == "mathreward score: error: bad.jsonl: row 3: field 'response' is missing"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl"]


def _run_in_process(*args: str) -> int:
    """The command line's main(), in this process (same code path as the console script)."""
    return cli.main(list(args))


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        (
            "broken.jsonl",
            '{"response": "Answer: 1", "gold": "1"}\n{"response": \n',
            "broken.jsonl: row 2: invalid JSON",
        ),
        ("broken.parquet", "not a parquet file", "broken.parquet: cannot be read as parquet"),
        ("absent.jsonl", None, "absent.jsonl: no such file"),
        ("nogold.jsonl", '{"response": "Answer: 1"}\n', "no gold field"),
        ("lengths.jsonl", '{"response": "Answer: 1", "gold": "1", "response_length": "long"}\n', "row 1: field"),
    ],
)
def test_unreadable_input_fails_with_one_line_and_no_output(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: str | None,
    fragment: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    if content is not None:
        (tmp_path / name).write_text(content, encoding="utf-8")
    code = _run_in_process("score", name, "-o", "out.jsonl", "--max-len", "100", "--buffer-len", "10")
    assert code != 0
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mathreward score: error: ") and fragment in lines[0], lines
    assert not (tmp_path / "out.jsonl").exists()
    assert not list(tmp_path.glob("out.jsonl.tmp-*"))


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        (("--reward", "no-such-reward"), "unknown reward 'no-such-reward'"),
        (("--reward", "dapo-verl", "--style", "auto"), "has no extraction style"),
        (("--max-len", "100"), "--max-len needs --buffer-len"),
        (("--reward-option", "oops"), "KEY=VALUE"),
        (
            ("--reward", "format", "--reward-option", "bonuss=1"),
            "reward 'format' takes no option 'bonuss' (from --reward-option)",
        ),
    ],
)
def test_bad_options_fail_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], options: tuple, fragment: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.jsonl").write_text('{"response": "Answer: 1", "gold": "1"}\n', encoding="utf-8")
    assert _run_in_process("score", "in.jsonl", "-o", "out.parquet", *options) != 0
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], lines
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_verify_prints_the_verdict_as_json(tmp_path: Path) -> None:
    result = _run("verify", "--gold", "34", "--response", "**Answer:** 34", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    verdict = json.loads(result.stdout)
    assert verdict["correct"] is True and verdict["status"] == "correct" and verdict["pred"] == "34"
    assert "path=answer_line" in verdict["detail"]
    wrong = json.loads(
        _run("verify", "--gold", "34", "--response", "Answer: 3, 4", "--style", "dapo", cwd=tmp_path).stdout
    )
    assert (wrong["correct"], wrong["status"]) == (False, "wrong")


def test_output_parts_writes_a_folder_that_reads_as_one_dataset(tmp_path: Path) -> None:
    import pyarrow.dataset as ds

    pq.write_table(pa.Table.from_pylist(_rows() * 50), tmp_path / "rollouts.parquet", row_group_size=40)
    result = _run(
        "score", "rollouts.parquet", "-o", "parts", "--output-parts", "--workers", "2", "--no-progress", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (tmp_path / "parts").iterdir())
    assert names[0] == "part-00000.parquet" and all(name.endswith(".parquet") for name in names)
    rows = ds.dataset(tmp_path / "parts", format="parquet").to_table().to_pylist()
    assert [row["id"] for row in rows] == [row["id"] for row in _rows()] * 50
    _check_results(rows[: len(ROLLOUTS)])
    taken = _run("score", "rollouts.parquet", "-o", "parts", "--output-parts", cwd=tmp_path)
    assert taken.returncode == 2 and "already exists and is not empty" in taken.stderr
