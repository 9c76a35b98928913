"""Curation throughput: rows/s through the rule path for the MATH train pool and the DAPO block, 1 vs 2 processes.

Run: python bench/curate_bench.py [--data DIR] [--repeat N]. Prints, per dataset, rows/s with 1 and 2 worker
processes and their ratio (the peer is the 1-process run in the same invocation), plus the step counts. Target:
the 17,917-row DAPO block through the rule path in under 60 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

DATASETS = {
    "math_train_7500": "math_train_7500_with_solutions.parquet",
    "dapo_17k_block": "dapo_math_17k_first_block.parquet",
}


def time_run(path: Path, num_proc: int, out_dir: Path) -> tuple[float, dict]:
    """Seconds for one full curation (load, steps, dedup with MinHash, parquet write) and its report."""
    from mathreward.curation.curate import curate

    started = time.perf_counter()
    report, _ = curate([str(path)], out_dir / f"{path.stem}-{num_proc}.parquet", num_proc=num_proc, progress=False)
    return time.perf_counter() - started, report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("MATHREWARD_DATA"), help="folder of public datasets")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    data = Path(args.data or "")
    if not args.data or not data.is_dir():
        print("curate_bench: no folder of public datasets: set MATHREWARD_DATA or pass --data", file=sys.stderr)
        return 2
    from mathreward.curation.curate import curate

    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warm.jsonl"
        warm.write_text('{"problem": "What is 1/2 + 1/4?", "answer": "\\\\frac{3}{4}"}\n')
        curate([str(warm)], None, progress=False)  # imports and first-use costs out of the timings
        for name, filename in DATASETS.items():
            path = data / filename
            if not path.exists():
                print(f"{name}: {path} missing, skipped")
                continue
            results = {}
            for num_proc in (1, 2):
                best, report = min(
                    (time_run(path, num_proc, Path(tmp)) for _ in range(args.repeat)), key=lambda t: t[0]
                )
                results[num_proc] = (best, report)
            rows = results[1][1]["rows_in"]
            out_rows = results[1][1]["rows_out"]
            one, two = results[1][0], results[2][0]
            print(f"{name}: {rows} rows in, {out_rows} out")
            print(f"  1 process : {one:6.2f} s  {rows / one:8.1f} rows/s")
            print(f"  2 processes: {two:6.2f} s  {rows / two:8.1f} rows/s  (speed-up x{one / two:.2f} vs 1 process)")
            coverage = results[1][1]["coverage"]
            if coverage["share"] is not None:
                print(
                    f"  coverage: {coverage['transformed']}/{coverage['non_integer_answers']} non-integer "
                    f"answers transformed ({100 * coverage['share']:.1f}%)"
                )
            dedup = results[1][1].get("dedup", {})
            print(
                f"  dedup: {dedup.get('exact_unique')} exact-unique, {dedup.get('exact_duplicates_dropped')} exact "
                f"dups, {dedup.get('conflict_groups')} conflict groups, {dedup.get('near_duplicates_dropped')} "
                f"near dups dropped, {dedup.get('near_variants_kept')} near variants kept"
            )
            if name == "dapo_17k_block":
                print(f"  target (< 60 s through the rule path): {'met' if min(one, two) < 60 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
