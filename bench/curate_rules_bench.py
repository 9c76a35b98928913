"""What curation's rules do to real evaluation sets: rows kept as integers, rewritten (per rule), rejected (per reason),
plus an audit of every rewritten problem written independently of the rule set.

Run: python bench/curate_rules_bench.py [--data DIR] [--json OUT]. For MATH-500, OlympiadBench and the 5,000 MATH
test problems it prints the counts, the keep rate, and two audit counts that must be 0: rewritten problems that
still ask for a rounded / approximate value, and rewritten problems that keep a format instruction the new integer
form contradicts ("as a common fraction", "as a decimal", "in simplest radical form", ...). Each bad row is listed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

DATASETS = {
    "math500": "math500_test.jsonl",
    "olympiadbench": "olympiadbench_oe_to_maths_en_comp.jsonl",
    "math_test_5000": "math_test_5000_with_solutions.parquet",
}

# The audit: phrasings a reader would take as "give a rounded value" or "give it in a non-integer form".
ROUNDED = re.compile(
    r"to the nearest|nearest (?:tenth|hundredth|thousandth|whole|integer|cent|dollar|degree)|rounded?\b|"
    r"decimal places?|significant (?:digits|figures)|approximat|estimat|correct to",
    re.IGNORECASE,
)
CONTRADICTING = re.compile(
    r"common fraction|as a fraction|as a decimal|decimal form|radical form|mixed number|in terms of \$?\\?pi|"
    r"improper fraction|in simplest form|lowest terms|reduced fraction|simplified fraction|fractional form",
    re.IGNORECASE,
)
REWRITE_SENTENCE = "The original answer is in the form"


def audit(kept: list[dict]) -> dict:
    """Rewritten rows whose problem text (before the appended sentence) asks for a rounded value or keeps an
    instruction the integer form contradicts."""
    rounded, contradicting = [], []
    for row in kept:
        if row["transform"] == "keep":
            continue
        body = row["problem"].split(REWRITE_SENTENCE)[0]
        if ROUNDED.search(body):
            rounded.append(row)
        if CONTRADICTING.search(body):
            contradicting.append(row)
    return {"rounded": rounded, "contradicting": contradicting}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("MATHREWARD_DATA"), help="folder of public datasets")
    parser.add_argument("--json", help="also write the counts here")
    parser.add_argument("--show", type=int, default=5, help="bad rows listed per audit (default 5)")
    args = parser.parse_args()
    data = Path(args.data or "")
    if not args.data or not data.is_dir():
        print("curate_rules_bench: no folder of public datasets: set MATHREWARD_DATA or pass --data", file=sys.stderr)
        return 2
    from mathreward.curation.curate import curate

    summary = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, filename in DATASETS.items():
            path = data / filename
            if not path.exists():
                print(f"{name}: {path} missing, skipped")
                continue
            report, result = curate([str(path)], Path(tmp) / f"{name}.parquet", progress=False, near_dup=False)
            kept = result.kept
            transforms = Counter(r["transform"] for r in kept)
            rewritten = sum(n for t, n in transforms.items() if t != "keep")
            rejects = Counter(r["reject"] for r in result.rejected)
            checks = audit(kept)
            summary[name] = {
                "rows_in": report["rows_in"],
                "kept": len(kept),
                "keep_rate": round(len(kept) / report["rows_in"], 4),
                "kept_integer": transforms.get("keep", 0),
                "rewritten": rewritten,
                "rewritten_by_rule": dict(Counter({t: n for t, n in transforms.items() if t != "keep"}).most_common()),
                "rejected": len(result.rejected),
                "rejected_by_reason": dict(rejects.most_common()),
                "audit_rounded": len(checks["rounded"]),
                "audit_contradicting": len(checks["contradicting"]),
            }
            s = summary[name]
            print(
                f"{name}: {s['rows_in']} in, kept {s['kept']} ({100 * s['keep_rate']:.1f}%): "
                f"{s['kept_integer']} integers, {s['rewritten']} rewritten; {s['rejected']} rejected"
            )
            print("  rewritten by rule: " + ", ".join(f"{k} {v}" for k, v in s["rewritten_by_rule"].items()))
            print("  rejected by reason: " + ", ".join(f"{k} {v}" for k, v in s["rejected_by_reason"].items()))
            print(
                f"  audit: {s['audit_rounded']} rewritten rows ask for a rounded value, "
                f"{s['audit_contradicting']} keep a contradicting instruction"
            )
            for label, rows in checks.items():
                for row in rows[: args.show]:
                    print(f"    [{label}] row {row['row']} answer {row['answer']!r}: {row['problem'][-240:]!r}")
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
