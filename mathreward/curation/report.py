"""Curation report: JSON counts, PNG plots (matplotlib Agg) and a one-screen terminal summary."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from mathreward.curation.pipeline import CurationResult

INEXACT_REASONS = frozenset({"rounded_value", "approximate_value"})


def build_report(result: CurationResult, inputs: list[str], output: str | None, seconds: float | None = None) -> dict:
    """Everything a reader needs to judge a run, as JSON-serialisable data."""
    reasons = Counter(r["reject"] for r in result.rejected)
    transformed_records = result.kept + [r for r in result.rejected if r.get("transform")]
    transforms = Counter(r["transform"] for r in result.kept)
    classified = [r for r in result.kept + result.rejected if "kind" in r]
    non_integer = [r for r in classified if r["kind"] != "integer"]
    non_integer_done = [r for r in non_integer if r.get("transform") not in (None, "keep")]
    inexact = [r for r in non_integer if r.get("reject") in INEXACT_REASONS]  # no exact value to rewrite
    numeric = [
        r
        for r in non_integer
        if r["kind"] in ("fraction", "decimal", "radical", "pi_multiple", "base_numeral")
        and r.get("reject") not in INEXACT_REASONS
    ]
    numeric_done = [r for r in numeric if r.get("transform") not in (None, "keep")]
    steps = {s.name: s.as_dict() for s in result.stats}
    report = {
        "inputs": inputs,
        "output": output,
        "rows_in": result.rows_in,
        "rows_out": len(result.kept),
        "steps": steps,
        "reject_reasons": dict(reasons.most_common()),
        "answer_kinds": dict(Counter(r["kind"] for r in classified).most_common()),
        "transforms_written": dict(transforms.most_common()),
        "transforms_all": dict(Counter(r["transform"] for r in transformed_records).most_common()),
        "coverage": {
            "non_integer_answers": len(non_integer),
            "transformed": len(non_integer_done),
            "share": round(len(non_integer_done) / len(non_integer), 4) if non_integer else None,
            "numeric_non_integer": len(numeric),
            "numeric_transformed": len(numeric_done),
            "numeric_share": round(len(numeric_done) / len(numeric), 4) if numeric else None,
            "rounded_or_approximate": len(inexact),
        },
        "format_instructions_restated": sum(1 for r in result.kept if r.get("format_restated")),
        "languages": dict(Counter(r.get("language", "?") for r in result.kept).most_common()),
    }
    if "dedup" in steps:
        report["dedup"] = {k: v for k, v in steps["dedup"].items() if k not in ("in", "out")}
    if "decontaminate" in steps:
        report["decontamination"] = steps["decontaminate"].get("benchmarks", {})
    if "pass_rate" in steps:
        report["pass_rates"] = {k: v for k, v in steps["pass_rate"].items() if k not in ("in", "out", "seconds")}
    if seconds is not None:
        report["seconds"] = round(seconds, 2)
        report["rows_per_second"] = round(result.rows_in / seconds, 1) if seconds > 0 else None
    return report


def write_report(report: dict, result: CurationResult, report_dir: str | Path) -> list[Path]:
    """Write report.json, rejected.jsonl and PNG plots into ``report_dir``; returns the files written."""
    out = Path(report_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = [out / "report.json", out / "rejected.jsonl"]
    files[0].write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    with files[1].open("w", encoding="utf-8") as handle:
        for r in result.rejected:
            row = {
                "index": r["idx"],
                "input": r["input"],
                "row": r["row"],
                "step": r.get("rejected_at"),
                "reason": r["reject"],
                "detail": r.get("reject_detail"),
                "answer": r.get("answer", r.get("answer_raw")),
                "problem": (r.get("original_problem") or r.get("problem_raw") or "")[:300],
            }
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    files.append(_plot(report, out / "curation_report.png"))
    if "pass_rates" in report:
        from mathreward.curation.pass_rates import plot_pass_rates

        files.append(plot_pass_rates(report["pass_rates"], out / "pass_rates.png"))
    return files


def _plot(report: dict, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(17, 5.5))
    names = ["load"] + list(report["steps"])
    counts = [report["rows_in"]] + [s["out"] for s in report["steps"].values()]
    axes[0].bar(names, counts, color="#4c72b0")
    axes[0].set_title("rows after each step")
    axes[0].tick_params(axis="x", rotation=40)
    for i, count in enumerate(counts):
        axes[0].text(i, count, str(count), ha="center", va="bottom", fontsize=8)
    kinds = report["answer_kinds"]
    axes[1].barh(list(kinds)[::-1], list(kinds.values())[::-1], color="#55a868")
    axes[1].set_title("gold answer kinds")
    reasons = dict(list(report["reject_reasons"].items())[:15])
    axes[2].barh(list(reasons)[::-1], list(reasons.values())[::-1], color="#c44e52")
    axes[2].set_title("reject reasons (top 15)")
    coverage = report["coverage"]
    if coverage["share"] is not None:
        fig.suptitle(
            f"{report['rows_in']} in -> {report['rows_out']} out; non-integer answers transformed: "
            f"{coverage['transformed']}/{coverage['non_integer_answers']} ({100 * coverage['share']:.1f}%)"
        )
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


CONSOLE_REASONS = 12  # reasons listed per line on the console; the rest are counted in "+N more"


def counts_text(counts: dict[str, int], limit: int = CONSOLE_REASONS) -> str:
    """``"a 5, b 3, +2 more (3 rows)"``: the largest counts first, every one of them or a count of the rest."""
    items = sorted(counts.items(), key=lambda item: -item[1])
    text = ", ".join(f"{key} {count}" for key, count in items[:limit])
    rest = items[limit:]
    if rest:
        text += f", +{len(rest)} more ({sum(count for _, count in rest)} rows; see report.json)"
    return text


def summary_lines(report: dict) -> list[str]:
    """A one-screen terminal summary."""
    lines = [
        f"curate: {report['rows_in']} rows in -> {report['rows_out']} rows out"
        + (f" in {report['seconds']} s ({report['rows_per_second']} rows/s)" if "seconds" in report else "")
    ]
    for name, step in report["steps"].items():
        lines.append(f"  {name:<14} {step['in']:>7} -> {step['out']:<7} {counts_text(step['rejects'])}".rstrip())
    lines.append("  answer kinds: " + counts_text(report["answer_kinds"]))
    lines.append("  transforms written: " + ", ".join(f"{k} {v}" for k, v in report["transforms_written"].items()))
    cov = report["coverage"]
    if cov["share"] is not None:
        lines.append(
            f"  coverage: {cov['transformed']}/{cov['non_integer_answers']} non-integer answers transformed "
            f"({100 * cov['share']:.1f}%); numeric forms {cov['numeric_transformed']}/{cov['numeric_non_integer']}; "
            f"{cov['rounded_or_approximate']} rounded or approximate values not rewritten; "
            f"{report['format_instructions_restated']} format instructions removed or restated"
        )
    if "dedup" in report:
        d = report["dedup"]
        lines.append(
            f"  dedup: {d.get('exact_unique')} exact-unique keys, {d.get('exact_duplicates_dropped')} exact dups, "
            f"{d.get('conflict_groups')} conflict groups ({d.get('conflict_rows_dropped')} rows), "
            f"{d.get('near_duplicates_dropped')} near dups dropped, {d.get('near_variants_kept')} variants kept"
        )
    if "pass_rates" in report:
        rates = report["pass_rates"]
        low, high = rates["keep_range"]
        buckets = ", ".join(
            f"{name} {b['kept'] + b['dropped']}" + (" dropped" if b["dropped"] and not b["kept"] else "")
            for name, b in rates["buckets"].items()
            if b["kept"] + b["dropped"]
        )
        lines.append(
            f"  pass rates ({rates['matched']} problems matched, {rates['unmatched']} unscored; kept {low} < rate < "
            f"{high}): {buckets}"
        )
    if "decontamination" in report:
        lines.append("  contamination: " + ", ".join(f"{k} {v['hits']}" for k, v in report["decontamination"].items()))
    return lines
