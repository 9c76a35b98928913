"""Benchmark: degenerate responses against the per-call deadline, and what the deadline backstop costs.

1. Generates (fixed seed) degenerate responses from the MATH test reference solutions (``--data``, default
   ``$MATHREWARD_DATA``: the folder of public datasets, see docs/getting-started.md): the edits
   RL policies make when they go wrong: stutters, phrase loops, inserted braces and dollars, non-breaking spaces and
   other Unicode, repeated fragments, LaTeX cut mid-command, prices before the math, huge digit runs. Each is
   verified against its target with ``verify(timeout=T)``; prints the slowest call against the deadline, the p99, the
   statuses and how many calls went over ``T`` and over ``T + 5 s``. ``--thread`` makes the calls from a helper
   thread (the rows then go whole to the killable worker processes).
2. The backstop's cost: ``verify_batch`` on boxed LaTeX items (the verifier bench's case b) and on ``Answer: <int>``
   items, with the per-item CPU-time watch, with the watch replaced by a no-op (the code before the backstop), and
   from a helper thread (rows go to the workers); items/s for each, measured in this process.

    python bench/degenerate_bench.py [--data DIR] [--count 1400] [--timeout 5] [--seed 0] [--thread]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from verify_bench import make_boxed, make_dapo  # noqa: E402 - the same generated items as the verifier bench

MATH_TEST = "math_test_5000_with_solutions.parquet"  # in the folder of public datasets
PHRASES = [
    "the bases of both sides in ",
    "so the answer is ",
    "Wait, ",
    "let me check again ",
    "\\frac{",
    "$$ ",
    "\\\\ ",
]
UNICODE = ["\u00a0", "\u2009", "\u202f", "\u2212", "\u00b7", "\u200b", "\ufeff", "é", "π", "√", "∞", "答案"]


def _cut(rng: random.Random, text: str) -> str:
    """The text cut at a random point inside its LaTeX (a response that ran out of tokens)."""
    spots = [i for i, ch in enumerate(text) if ch in "\\{^_"] or [len(text) // 2]
    return text[: rng.choice(spots) + rng.randint(1, 4)]


def _edit(rng: random.Random, text: str) -> str:
    """One random degenerate edit of ``text``."""
    kind = rng.randrange(10)
    pos = rng.randrange(len(text) + 1)
    if kind == 0:  # stutter one word
        words = text.split(" ")
        i = rng.randrange(len(words))
        words[i] = " ".join([words[i]] * rng.randint(3, 60))
        return " ".join(words)
    if kind == 1:  # phrase loop
        return text[:pos] + rng.choice(PHRASES) * rng.randint(3, 40) + text[pos:]
    if kind == 2:  # inserted braces (unbalanced)
        return text[:pos] + rng.choice("{}") * rng.randint(1, 30) + text[pos:]
    if kind == 3:  # inserted dollars and prices
        return (
            text[:pos]
            + rng.choice(["$", "$$", "\\$", f"${rng.randint(1, 999)} ", f"costs ${rng.randint(1, 99)}.50 "])
            + text[pos:]
        )
    if kind == 4:  # NBSP and other Unicode for spaces
        return "".join(rng.choice(UNICODE) if ch == " " and rng.random() < 0.3 else ch for ch in text)
    if kind == 5:  # a repeated fragment of the text itself
        start = rng.randrange(max(1, len(text) - 20))
        fragment = text[start : start + rng.randint(3, 40)]
        return text[:pos] + fragment * rng.randint(3, 30) + text[pos:]
    if kind == 6:  # cut LaTeX
        return _cut(rng, text)
    if kind == 7:  # huge digit run
        return text[:pos] + "9" * rng.randint(100, 5000) + text[pos:]
    if kind == 8:  # word run before a cut fraction, the shape of the report
        return f"The pen costs ${rng.randint(1, 99)} " + rng.choice(PHRASES) * rng.randint(3, 12) + "\\frac{5$."
    return text[:pos] + "".join(rng.choice("{}$\\^_ ()[]") for _ in range(rng.randint(5, 80))) + text[pos:]


def make_degenerate(data: Path, count: int, seed: int) -> list[tuple[str, str]]:
    """``count`` (response, gold) pairs: each a MATH reference solution with 1-3 degenerate edits."""
    import pyarrow.parquet as pq

    rng = random.Random(seed)
    column = pq.read_table(data / MATH_TEST, columns=["reward_model"]).column("reward_model").to_pylist()
    rows = [(r["ground_truth"]["solution"], r["ground_truth"]["target"]) for r in column if r["ground_truth"]["target"]]
    items = []
    for _ in range(count):
        solution, target = rng.choice(rows)
        for _ in range(rng.randint(1, 3)):
            solution = _edit(rng, solution)
        items.append((solution, target))
    return items


def run_degenerate(items: list[tuple[str, str]], timeout: float, in_thread: bool) -> dict:
    from mathreward.verifiers import verify

    times: list[float] = []
    statuses: Counter = Counter()

    def work() -> None:
        for response, gold in tqdm(items, desc="degenerate", unit="call", mininterval=2):
            started = time.perf_counter()
            verdict = verify(response, gold, timeout=timeout)
            times.append(time.perf_counter() - started)
            statuses[verdict.status] += 1

    verify("Answer: 1", "1")  # start-up (the symbolic workers) out of the timing
    verify("$x^2$", "x^2")
    if in_thread:
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
    else:
        work()
    ordered = sorted(times)
    row = {
        "calls": len(times),
        "max_s": ordered[-1],
        "p99_s": ordered[int(0.99 * (len(ordered) - 1))],
        "median_ms": 1e3 * statistics.median(ordered),
        "over_deadline": sum(t > timeout for t in times),
        "over_deadline_plus_5": sum(t > timeout + 5 for t in times),
        "statuses": dict(statuses),
    }
    print(
        f"degenerate ({'helper thread -> workers' if in_thread else 'main thread, in-process watch'}): "
        f"{row['calls']} calls, deadline {timeout:g}s: max {row['max_s']:.3f}s, p99 {row['p99_s']:.3f}s, "
        f"median {row['median_ms']:.2f} ms; over deadline {row['over_deadline']}, over deadline+5s "
        f"{row['over_deadline_plus_5']}; statuses {row['statuses']}"
    )
    return row


@contextlib.contextmanager
def _no_watch(_budget: float):
    """The code before the backstop: no timer at all (yields a watch whose begin/end do nothing but read the clock)."""
    from mathreward.verifiers.deadline import ItemWatch

    yield ItemWatch(1e9)


def _rate(items: list[tuple[str, str]], mode: str) -> float:
    from mathreward.verifiers import core, verify_batch

    responses, golds = [r for r, _ in items], [g for _, g in items]
    box: dict = {}

    def work() -> None:
        started = time.perf_counter()
        verify_batch(responses, golds, workers=0)
        box["seconds"] = time.perf_counter() - started

    original = core.item_watch
    if mode == "no watch":
        core.item_watch = _no_watch
    try:
        if mode == "thread":
            thread = threading.Thread(target=work)
            thread.start()
            thread.join()
        else:
            work()
    finally:
        core.item_watch = original
    return len(items) / box["seconds"]


def run_cost(seed: int) -> None:
    rng = random.Random(seed)
    cases = {"(b) boxed latex": make_boxed(2000, rng), "(a) dapo Answer: int": make_dapo(3000, rng)}
    _rate(cases["(b) boxed latex"][:50], "watch")  # warm caches and workers
    _rate(cases["(b) boxed latex"][:50], "thread")
    for name, items in cases.items():
        rates = {mode: max(_rate(items, mode) for _ in range(3)) for mode in ("no watch", "watch", "thread")}
        print(
            f"cost {name:<22} items={len(items)}: no timer {rates['no watch']:>8.0f}/s  "
            f"watch {rates['watch']:>8.0f}/s ({100 * (rates['watch'] / rates['no watch'] - 1):+.1f}%)  "
            f"thread->workers {rates['thread']:>8.0f}/s (best of 3, one process)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("MATHREWARD_DATA"), help="folder of public datasets")
    parser.add_argument("--count", type=int, default=1400)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--thread", action="store_true", help="call verify from a helper thread (worker offload)")
    parser.add_argument("--no-cost", action="store_true", help="skip the backstop cost section")
    args = parser.parse_args(argv)
    if not args.data or not (Path(args.data) / MATH_TEST).exists():
        print(f"{MATH_TEST} not found in --data {args.data} (set MATHREWARD_DATA or pass --data)")
        return 1
    items = make_degenerate(Path(args.data), args.count, args.seed)
    print(f"{len(items)} degenerate responses, {statistics.mean(len(r) for r, _ in items):.0f} chars on average")
    row = run_degenerate(items, args.timeout, args.thread)
    if not args.no_cost:
        run_cost(args.seed)
    print("target: no call over deadline + 5 s:", "met" if row["over_deadline_plus_5"] == 0 else "NOT met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
