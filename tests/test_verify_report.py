"""`mathreward verify-report` on a file scored by `mathreward score`: statuses, paths, tails, disagreements."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mathreward.scoring.report import build_report, plot_report, tail_key, tail_of
from mathreward.scoring.score_files import score_file

# (response, gold): scored with the dapo reward (Answer: lines only)
ROWS = [
    ("Answer: 5", "5"),  # correct; both styles: answer_line
    ("Answer: 6", "5"),  # wrong
    ("Thus \\boxed{7}", "7"),  # no_answer under dapo; strict and auto agree (boxed)
    ("Adding up, the sum is 100.", "100"),  # strict none, auto last_number -> correct only under auto
    ("Adding up, the sum is 200.", "100"),  # strict none, auto last_number -> wrong under both
    ("So it is $3$.", "3"),  # strict none, auto math_span -> correct only under auto
    ("I give up.", "1"),  # none under both
    ("I give up.", "2"),
]


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    source = folder / "rollouts.jsonl"
    source.write_text(
        "".join(json.dumps({"response": r, "reward_model": {"ground_truth": g}}) + "\n" for r, g in ROWS),
        encoding="utf-8",
    )
    summary = score_file(source, folder / "scored.parquet", reward="dapo", workers=1, progress=False)
    assert summary["status_counts"] == {"no_answer": 6, "correct": 1, "wrong": 1}
    return folder / "scored.parquet"


def test_report_counts_statuses_paths_tails_and_disagreements(scored: Path) -> None:
    report = build_report(scored, style_a="strict", style_b="auto", workers=1)
    png = plot_report(report, scored.parent / "report.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert report["rows"] == 8
    assert {k: v["count"] for k, v in report["status"].items()} == {"no_answer": 6, "correct": 1, "wrong": 1}
    assert report["status"]["no_answer"]["share"] == 0.75
    assert {k: v["count"] for k, v in report["paths"]["strict"].items()} == {"none": 5, "answer_line": 2, "boxed": 1}
    assert {k: v["count"] for k, v in report["paths"]["auto"].items()} == {
        "answer_line": 2,
        "last_number": 2,
        "none": 2,
        "boxed": 1,
        "math_span": 1,
    }
    tails = {item["tail"]: item["count"] for item in report["no_answer_tails"]}
    assert tails == {"I give up.": 2, "Adding up, the sum is <n>.": 2, "Thus \\boxed{<n>}": 1, "So it is $<n>$.": 1}
    assert report["no_answer_tails"][0]["count"] == 2
    disagreements = report["disagreements"]
    assert (disagreements["count"], disagreements["verified"]) == (3, 3)
    assert (disagreements["correct_only_auto"], disagreements["correct_only_strict"]) == (2, 0)
    assert [example["row"] for example in disagreements["sample"]] == [4, 5, 6]
    first = disagreements["sample"][0]
    assert (first["pred_strict"], first["status_strict"], first["pred_auto"], first["status_auto"]) == (
        None,
        "no_answer",
        "100",
        "correct",
    )
    assert first["path_auto"] == "last_number"


def test_report_with_dapo_against_boxed_styles(scored: Path) -> None:
    report = build_report(scored, style_a="dapo", style_b="boxed", workers=1)
    # rows 1-2 have only Answer lines, row 3 only a box: three rows differ
    assert report["disagreements"]["count"] == 3
    assert report["disagreements"]["correct_only_boxed"] == 1
    assert report["disagreements"]["correct_only_dapo"] == 1


def test_tail_collapses_whitespace() -> None:
    assert tail_of("a\n\n  b\tc", chars=60) == "a b c"
    assert len(tail_of("x" * 500)) == 60


def test_verify_report_cli_prints_the_table_and_writes_json(scored: Path, tmp_path: Path) -> None:
    script = shutil.which("mathreward")
    command = [script] if script else [sys.executable, "-m", "mathreward"]
    result = subprocess.run(
        [*command, "verify-report", str(scored), "-o", "report.json", "--workers", "1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "strict vs auto: 3 rows (37.5%) extract different answers" in result.stdout
    assert "no_answer" in result.stdout and "math_span" in result.stdout
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["rows"] == 8 and report["disagreements"]["count"] == 3


def test_verify_report_on_an_unscored_file_fails_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "raw.jsonl").write_text(json.dumps({"response": "Answer: 1", "gold": "1"}) + "\n", encoding="utf-8")
    script = shutil.which("mathreward")
    command = [script] if script else [sys.executable, "-m", "mathreward"]
    result = subprocess.run(
        [*command, "verify-report", "raw.jsonl"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "mathreward verify-report: error: raw.jsonl: row 1: field 'status' is missing (run `mathreward score` first)"
    )


def test_tail_key_groups_endings_that_differ_only_in_numbers() -> None:
    filler = "Let me reason. " * 20
    assert tail_key(filler + "The answer is $\\boxed{7}$.") == tail_key(filler + "The answer is $\\boxed{12345}$.")
    assert tail_key(filler + "The answer is $\\boxed{7}$.").endswith("The answer is $\\boxed{<n>}$.")
