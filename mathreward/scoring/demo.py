"""Demo stage `rewards`: score the bundled sample rollouts and report how answer format affects the reward.

Runs the same code as `mathreward score` (reward ``dapo``: +1 / -1 on the last ``Answer:`` line) and
`mathreward verify-report` (strict vs auto extraction), then, in the full demo, compares with verl's ``dapo-verl``
numbers and the ``binary`` (auto-style) reward, and measures throughput on a few thousand rows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
SAMPLE = DATA_DIR / "sample_rollouts.jsonl"


def run_demo(out_dir: Path, quick: bool = False) -> dict[str, Any]:
    """Score ``data/sample_rollouts.jsonl`` into ``out_dir`` (scored.parquet, verify_report.json/.png); a summary."""
    from mathreward.scoring.report import build_report, format_report, plot_report
    from mathreward.scoring.score_files import score_file

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    workers = 1 if quick else 2
    scored = out_dir / "scored.parquet"
    summary = score_file(SAMPLE, scored, reward="dapo", workers=workers, progress=not quick)
    report = build_report(scored, style_a="strict", style_b="auto", workers=workers)
    (out_dir / "verify_report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    plot_report(report, out_dir / "verify_report.png")
    print(format_report(report))
    verl = score_file(SAMPLE, out_dir / "scored_dapo-verl.parquet", reward="dapo-verl", progress=False)
    result: dict[str, Any] = {
        "rows": summary["rows"],
        "accuracy": summary["accuracy"],
        "mean_score": summary["mean_score"],
        "status_counts": summary["status_counts"],
        "seconds_incl_worker_startup": summary["seconds"],
        "strict_vs_auto_disagreements": report["disagreements"]["count"],
        "correct_only_under_auto": report["disagreements"]["correct_only_auto"],
        "accuracy_by_reward": {"dapo": summary["accuracy"], "dapo-verl": verl["accuracy"]},
        "files": [str(scored), str(out_dir / "verify_report.json"), str(out_dir / "verify_report.png")],
    }
    if quick:
        return result
    binary = score_file(SAMPLE, out_dir / "scored_binary.parquet", reward="binary", workers=workers, progress=False)
    result["accuracy_by_reward"]["binary"] = binary["accuracy"]
    result["throughput"] = _throughput(out_dir, workers)
    return result


def synthetic_rollouts(rows: int, seed: int = 0) -> list[dict[str, Any]]:
    """``rows`` distinct DAPO-style rollouts (about 1.5 KB of arithmetic reasoning, then a final answer in one of
    several formats, right about two times in three) for throughput measurements."""
    import random

    rng = random.Random(seed)
    endings = (
        "Answer: {a}",
        "**Answer:** {a}",
        "Answer: ${a}$",
        "The final answer is $\\boxed{{{a}}}$.",
        "Answer: \\frac{{{n}}}{{{d}}}",
        "So the result is {a}.",
    )
    records = []
    for index in range(rows):
        gold = rng.randint(1, 10**6)
        steps = []
        total = 0
        while sum(len(step) for step in steps) < 1500:
            term = rng.randint(1, 9999)
            total += term
            steps.append(f"Adding {term} to the running total gives {total}.")
        right = rng.random() < 0.67
        answer = gold if right else gold + rng.randint(1, 99)
        ending = endings[index % len(endings)]
        text = ending.format(a=answer, n=2 * answer, d=2)
        records.append(
            {
                "prompt": [{"role": "user", "content": f"Problem {index}: compute the value."}],
                "response": "\n".join(steps) + "\n\n" + text,
                "reward_model": {"ground_truth": str(gold), "style": "rule"},
                "data_source": "synthetic",
            }
        )
    return records


def _throughput(out_dir: Path, workers: int, rows: int = 4000) -> dict[str, Any]:
    """Rollouts/s of the `score` path (reward dapo) on ``rows`` distinct synthetic rollouts."""
    from mathreward.scoring.score_files import score_file

    big = out_dir / "throughput_input.jsonl"
    big.write_text("".join(json.dumps(r) + "\n" for r in synthetic_rollouts(rows)), encoding="utf-8")
    summary = score_file(big, out_dir / "throughput_scored.parquet", reward="dapo", workers=workers, progress=True)
    big.unlink()
    return {
        "rows": rows,
        "workers": workers,
        "seconds": summary["seconds"],
        "rollouts_per_s": summary["rollouts_per_s"],
        "accuracy": summary["accuracy"],
    }
