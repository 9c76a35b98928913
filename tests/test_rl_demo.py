"""The RL demo's quick mode end to end: warm-up, DAPO and GRPO steps, summary numbers and PNGs."""

from __future__ import annotations

import json

from mathreward.rl.demo import run_demo


def test_quick_demo_runs_both_presets_and_writes_plots(tmp_path) -> None:
    summary = run_demo(tmp_path, quick=True)
    for preset in ("dapo", "grpo"):
        result = summary[preset]
        assert result["steps"] >= 1
        for phase in ("before", "after"):
            assert 0.0 <= result[phase]["sampled_accuracy"] <= 1.0
            assert 0.0 <= result[phase]["greedy_accuracy"] <= 1.0
        assert (tmp_path / preset / "curves.png").stat().st_size > 10_000
        assert (tmp_path / preset / "final" / "config.json").exists()
        records = [json.loads(line) for line in (tmp_path / preset / "metrics.jsonl").read_text().splitlines()]
        assert [r["step"] for r in records if "reward" in r] == list(range(1, result["steps"] + 1))
    assert (tmp_path / "accuracy.png").exists() and (tmp_path / "warmup" / "config.json").exists()
    assert json.loads((tmp_path / "summary.json").read_text())["dapo"]["steps"] == summary["dapo"]["steps"]
