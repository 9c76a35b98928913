"""Demo stage: curate the bundled raw sample (every answer form, rejections, duplicates, a contaminated row)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"


def run_demo(out_dir: Path, quick: bool = False) -> dict:
    """Curate data/raw_sample.jsonl, decontaminated against data/raw_sample_eval.jsonl: the same run on every machine.

    Writes curated.parquet, report.json, rejected.jsonl and curation_report.png into ``out_dir``; returns the
    headline numbers."""
    from mathreward.curation.curate import curate
    from mathreward.curation.report import summary_lines

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    output = out_dir / "curated.parquet"
    report, result = curate(
        [str(DATA / "raw_sample.jsonl")],
        output,
        decontaminate=[str(DATA / "raw_sample_eval.jsonl")],
        placeholders=(-1,),
        report_dir=out_dir,
        progress=False,
    )
    for line in summary_lines(report):
        print(line)
    examples = [
        {"answer": r["answer"], "ground_truth": r["gt"], "form": r.get("form"), "transform": r["transform"]}
        for r in result.kept
        if r["transform"] != "keep"
    ][:5]
    summary = {
        "sample_rows_in": report["rows_in"],
        "sample_rows_out": report["rows_out"],
        "coverage": report["coverage"],
        "transforms": report["transforms_written"],
        "reject_reasons": report["reject_reasons"],
        "dedup": {k: v for k, v in report["dedup"].items() if k not in ("conflicts", "near_examples", "rejects")},
        "contamination": report.get("decontamination"),
        "verified_answer_lines": _check_round_trip(output),
        "examples": examples,
        "files": sorted(p.name for p in out_dir.iterdir()),
    }
    return summary


def _check_round_trip(path: Path) -> str:
    """Reload the parquet with `datasets` and check every ground truth with the verifiers ("Answer: <gt>")."""
    import datasets

    loaded = datasets.load_dataset("parquet", data_files=str(path), split="train")
    from mathreward.verifiers import verify

    golds = [row["reward_model"]["ground_truth"] for row in loaded.to_list()]
    accepted = sum(verify(f"Answer: {gt}", gt).correct for gt in golds)
    return f"{accepted}/{len(golds)}"
