"""The rewards demo stage: scores the bundled sample rollouts through the `score` code path and reports."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from mathreward.scoring.demo import SAMPLE, run_demo


def test_quick_demo_scores_every_sample_row_and_writes_its_files(tmp_path: Path) -> None:
    result = run_demo(tmp_path / "rewards", quick=True)
    rows = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    assert result["rows"] == len(rows) == 53
    counts = result["status_counts"]
    assert sum(counts.values()) == 53
    # 24 rollouts end in a right `Answer:` line; 13 have no `Answer:` line (boxed, free-form, truncated)
    assert (counts["correct"], counts["no_answer"]) == (24, 13)
    assert counts.get("wrong", 0) + counts.get("error", 0) == 16
    assert result["accuracy"] == 24 / 53
    # the auto style rescues the 7 right free-form or boxed endings; verl's string match judges only 14 right
    assert (result["strict_vs_auto_disagreements"], result["correct_only_under_auto"]) == (7, 7)
    assert result["accuracy_by_reward"]["dapo-verl"] == 14 / 53
    scored = pq.read_table(tmp_path / "rewards" / "scored.parquet")
    assert scored.num_rows == 53
    assert scored.column("response").to_pylist() == [row["response"] for row in rows]
    assert set(scored.column("score").to_pylist()) == {1.0, -1.0}
    report = json.loads((tmp_path / "rewards" / "verify_report.json").read_text(encoding="utf-8"))
    assert report["rows"] == 53
    assert (tmp_path / "rewards" / "verify_report.png").stat().st_size > 1000
