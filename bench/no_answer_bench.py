"""Benchmark: `verify_batch(style="auto")` on rollouts that end without an answer, with the fast lane and without.

Two sets of rows without an answer marker or box, each with its gold:

- **generated**: the score bench's reasoning (``verify_bench._reasoning``, 1.2-1.6 KB) cut at the length limit or
  giving up (``score_bench._cut_off``), against the score bench's integer golds;
- **cut solutions** (when DATA holds them): worked solutions of the MATH train/test parquets and the jsonl eval sets
  cut at a random point (a third of them then give up), against their own gold answers.

For each set, in one process, rows per CPU second (best of 3 disjoint parts, each row verified once): the bare loop
of the score bench (a regex on the last 300 characters and an int compare: the peer that shows how loaded the
machine is), ``extract(style="auto")`` alone, ``verify_batch(style="auto", workers=1)`` with the lane and on the full
path only (``fast_lane.disabled()``); the share of rows the lane answers; and that the lane's verdict is the full
path's on every row it answers. Then, per style (dapo, auto, strict, boxed), the same with-lane and full-path rates
on the score bench's mix (90% with an answer, 10% without).

    python bench/no_answer_bench.py [DATA] [--rows 6000] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from score_bench import _cut_off, _ending, _repeated_rate  # noqa: E402 - the score bench's rollout shapes and clock
from verify_bench import _reasoning  # noqa: E402

MATH_PARQUETS = ["math_train_7500_with_solutions.parquet", "math_test_5000_with_solutions.parquet"]
JSONL_SETS = [("math500_test.jsonl", "answer"), ("minerva_math.jsonl", ""), ("aime_2024.jsonl", "answer")]
GIVING_UP = ["\n\nI am not sure.", "\n\nI could not finish.", " Let me reconsider the last step"]
STYLES = ("dapo", "auto", "strict", "boxed")


def generated(rows: int, seed: int) -> list[tuple[str, str]]:
    """Generated reasoning cut without an answer (no "answer", no box), with integer golds."""
    rng = random.Random(seed)
    pool = [_reasoning(rng, rng.randint(1200, 1600)) for _ in range(1500)]
    out: list[tuple[str, str]] = []
    while len(out) < rows:
        response = _cut_off(rng, rng.choice(pool))
        if "nswer" not in response:
            out.append((response, str(rng.randint(0, 10 ** rng.randint(1, 6)))))
    return out


def cut_solutions(data: Path, rows: int, seed: int) -> list[tuple[str, str]]:
    """Eval-set solutions cut at a random point (a third then give up), with their golds; [] without DATA."""
    solutions: list[tuple[str, str]] = []
    for name in MATH_PARQUETS:
        if (data / name).exists():
            import pyarrow.parquet as pq

            for record in pq.read_table(data / name, columns=["reward_model"]).column("reward_model").to_pylist():
                truth = record["ground_truth"]
                solutions.append((truth["solution"], truth["target"]))
    for name, answer_field in JSONL_SETS:
        if (data / name).exists():
            for line in (data / name).open(encoding="utf-8"):
                record = json.loads(line)
                solutions.append((record["solution"], str(record.get(answer_field, "") or "")))
    if not solutions:
        return []
    rng = random.Random(seed)
    out = []
    for _ in range(rows):
        solution, gold = rng.choice(solutions)
        response = solution[: rng.randint(1, len(solution))]
        out.append((response + rng.choice(GIVING_UP) if rng.random() < 1 / 3 else response, gold))
    return out


def mix(rows: int, seed: int) -> list[tuple[str, str]]:
    """The score bench's mix: generated reasoning, then an answer (90%) or cut without one (10%)."""
    rng = random.Random(seed)
    pool = [_reasoning(rng, rng.randint(1200, 1600)) for _ in range(1500)]
    out = []
    for _ in range(rows):
        gold = rng.randint(0, 10 ** rng.randint(1, 6))
        body = rng.choice(pool)
        response = _cut_off(rng, body) if rng.random() < 0.10 else f"{body}\n\n{_ending(rng, gold)}"
        out.append((response, str(gold)))
    return out


def best_rate(fn, rows: list[tuple[str, str]], parts: int = 3) -> float:
    """Rows per CPU second of ``fn(responses, golds)``, best over ``parts`` disjoint parts (each row once)."""
    best = 0.0
    size = max(1, len(rows) // parts)
    for start in range(0, size * parts, size):
        part = rows[start : start + size]
        responses, golds = [r for r, _g in part], [g for _r, g in part]
        started = time.process_time()
        fn(responses, golds)
        best = max(best, len(part) / max(time.process_time() - started, 1e-9))
    return best


def bare(responses: list[str], golds: list[str]) -> None:
    pattern = re.compile(r"Answer:\s*(-?\d+)\s*$")
    for response, gold in zip(responses, golds, strict=True):
        match = pattern.search(response[-300:])
        _hit = bool(match and int(match.group(1)) == int(gold))


def measure(label: str, rows: list[tuple[str, str]]) -> None:
    from mathreward.verifiers import extract, fast_lane, verify_batch

    def lane(responses: list[str], golds: list[str]) -> None:
        verify_batch(responses, golds, style="auto", workers=1)

    def full(responses: list[str], golds: list[str]) -> None:
        with fast_lane.disabled():
            verify_batch(responses, golds, style="auto", workers=1)

    warm = generated(50, seed=-1)  # worker start-up and first-call costs, outside the timings
    lane([r for r, _g in warm], [g for _r, g in warm])
    full([r for r, _g in warm], [g for _r, g in warm])
    # disjoint rows for each (the verifiers cache comparisons and golds: a second pass over the same rows would time
    # the caches): the full path on the first quarter, the lane on the rest
    quarter = len(rows) // 4
    rates = {
        "bare loop (the peer)": _repeated_rate(bare, [r for r, _g in rows], [g for _r, g in rows]),
        "extract(style='auto') alone": best_rate(lambda rs, _gs: [extract(r, "auto") for r in rs], rows),
        "verify_batch(auto), full path only": best_rate(full, rows[:quarter], 1),
        "verify_batch(auto), fast lane": best_rate(lane, rows[quarter:]),
    }
    responses, golds = [r for r, _g in rows], [g for _r, g in rows]
    answered = [fast_lane.fast_verdict(r, g, "auto") for r, g in rows]
    kept = [i for i, verdict in enumerate(answered) if verdict is not None]
    with fast_lane.disabled():
        full_path = verify_batch([responses[i] for i in kept], [golds[i] for i in kept], style="auto", workers=1)
    differ = sum(answered[i] != verdict for i, verdict in zip(kept, full_path, strict=True))
    print(f"\n{label}: {len(rows)} rows, the lane answers {len(kept) / len(rows):.1%}, {differ} verdicts differ")
    for name, rate in rates.items():
        print(f"  {name:36} {rate:>12,.0f} rows/s")
    lane_rate = rates["verify_batch(auto), fast lane"]
    print(
        f"  lane / full path: {lane_rate / rates['verify_batch(auto), full path only']:.1f}x; "
        f"bare loop / lane: {rates['bare loop (the peer)'] / lane_rate:.0f}x"
    )


def per_style(rows: list[tuple[str, str]]) -> None:
    from mathreward.verifiers import fast_lane, verify_batch

    print(f"\nper style on the score bench's mix ({len(rows)} rows, 10% without an answer), rows/s:")
    print(f"  {'style':6}  {'fast lane':>10}  {'full path':>10}  {'ratio':>6}  answered by the lane")
    for style in STYLES:

        def lane(responses: list[str], golds: list[str], style: str = style) -> None:
            verify_batch(responses, golds, style=style, workers=1)

        def full(responses: list[str], golds: list[str], style: str = style) -> None:
            with fast_lane.disabled():
                verify_batch(responses, golds, style=style, workers=1)

        third = len(rows) // 3  # disjoint rows again: the full path on the first third, the lane on the rest
        full_path, with_lane = best_rate(full, rows[:third], 1), best_rate(lane, rows[third:], 2)
        share = sum(v is not None for v in fast_lane.fast_verdicts([r for r, _ in rows], [g for _, g in rows], style))
        print(
            f"  {style:6}  {with_lane:>10,.0f}  {full_path:>10,.0f}  {with_lane / full_path:>5.1f}x  {share / len(rows):.1%}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, nargs="?", help="folder of the public eval sets (cut solutions)")
    parser.add_argument("--rows", type=int, default=6000, help="rows per set (default 6000)")
    parser.add_argument("--seed", type=int, default=0, help="default 0")
    args = parser.parse_args()
    from mathreward.verifiers.extraction import COMPILED_READER

    print(f"compiled reader: {'built' if COMPILED_READER else 'not built (pure Python)'}")
    measure("generated reasoning cut without an answer", generated(args.rows, args.seed))
    solutions = cut_solutions(args.data, args.rows, args.seed) if args.data else []
    if solutions:
        measure("eval-set solutions cut at a random point", solutions)
    per_style(mix(args.rows, args.seed))


if __name__ == "__main__":
    main()
