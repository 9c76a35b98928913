"""Benchmark: our ``verify`` against math-verify (``verify(parse(gold), parse(pred))``), in one process.

Two synthetic workloads, generated with a fixed seed:
  (a) DAPO-style responses: about 2 KB of reasoning text, then ``Answer: <int>`` (a third of them wrong, some in the
      spellings verl gets wrong: ``**Answer:** 34``, ``034``, ``34.0``);
  (b) responses ending in a boxed LaTeX answer: fractions, radicals and multiples of pi, written in an equivalent
      but different form from the gold a third of the time, wrong a third of the time;
  (c) (informative) boxed polynomial answers, which need sympy: our symbolic path in a guarded worker process.
math-verify gets each gold as ``$gold$`` (it reads LaTeX only inside math delimiters). Prints items/s for both verifiers, the ratio, and how often the two agree.
Ours is called one response at a time (``verify``, the way verl's reward loop calls it), on the main thread and from a
helper thread (where no CPU timer can be armed); ``verify_batch`` on the same rows is printed beside it, so the cost of
one call against one row of a batch shows as ``call/row``.

    python bench/verify_bench.py [--dapo 3000] [--boxed 400] [--seed 0]
"""

from __future__ import annotations

import argparse
import random
import time

WORDS = (
    "we consider the equation and substitute the value so that the sum of the terms is equal to the product "
    "therefore by the lemma each case gives a factor which we check again carefully then simplify"
).split()


def _reasoning(rng: random.Random, size: int = 2000) -> str:
    parts: list[str] = []
    length = 0
    while length < size:
        kind = rng.random()
        if kind < 0.6:
            chunk = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize() + "."
        elif kind < 0.8:
            a, b = rng.randint(2, 99), rng.randint(2, 99)
            chunk = f"Then ${a} \\times {b} = {a * b}$, so we keep {a + b}."
        else:
            chunk = f"\\[ x^2 - {rng.randint(2, 30)}x + {rng.randint(1, 99)} = 0 \\]"
        parts.append(chunk)
        length += len(chunk) + 1
    return "\n".join(parts)


def make_dapo(n: int, rng: random.Random) -> list[tuple[str, str]]:
    items = []
    for _ in range(n):
        gold = rng.randint(0, 10 ** rng.randint(1, 6))
        roll = rng.random()
        if roll < 0.33:
            pred = str(gold + rng.randint(1, 50))
        elif roll < 0.43:
            pred = f"{gold}.0"
        elif roll < 0.5:
            pred = f"0{gold}"
        else:
            pred = str(gold)
        marker = "**Answer:**" if rng.random() < 0.1 else "Answer:"
        items.append((f"{_reasoning(rng)}\n\n{marker} {pred}", str(gold)))
    return items


def _boxed_forms(rng: random.Random) -> tuple[str, str, str]:
    """(gold, an equivalent spelling, a wrong answer)."""
    kind = rng.randrange(4)
    p, q = rng.randint(1, 40), rng.randint(2, 40)
    if kind == 0:  # fraction
        k = rng.randint(2, 5)
        return f"\\frac{{{p}}}{{{q}}}", f"\\dfrac{{{p * k}}}{{{q * k}}}", f"\\frac{{{p + 1}}}{{{q}}}"
    if kind == 1:  # a sqrt(b)
        a, b = rng.randint(2, 9), rng.choice([2, 3, 5, 6, 7, 10])
        return f"{a}\\sqrt{{{b}}}", f"\\sqrt{{{a * a * b}}}", f"{a + 1}\\sqrt{{{b}}}"
    if kind == 2:  # (a + b sqrt c) / d
        a, b, c, d = rng.randint(1, 9), rng.randint(1, 9), rng.choice([2, 3, 5]), rng.randint(2, 9)
        return (
            f"\\frac{{{a}+{b}\\sqrt{{{c}}}}}{{{d}}}",
            f"\\frac{{{b}\\sqrt{{{c}}}+{a}}}{{{d}}}",
            f"\\frac{{{a}-{b}\\sqrt{{{c}}}}}{{{d}}}",
        )
    # multiples of pi
    return f"\\frac{{{p}\\pi}}{{{q}}}", f"\\frac{{{p}}}{{{q}}}\\pi", f"\\frac{{{p}\\pi}}{{{q + 1}}}"


def make_boxed(n: int, rng: random.Random) -> list[tuple[str, str]]:
    items = []
    for _ in range(n):
        gold, same, wrong = _boxed_forms(rng)
        roll = rng.random()
        pred = wrong if roll < 0.33 else (same if roll < 0.66 else gold)
        items.append((f"{_reasoning(rng, 800)}\n\nTherefore the answer is $\\boxed{{{pred}}}$.", gold))
    return items


def make_symbolic(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """Polynomial answers: these need sympy, so ours goes through a guarded worker process."""
    items = []
    for _ in range(n):
        a, b = rng.randint(1, 9), rng.randint(1, 9)
        gold = f"x^2+{a + b}x+{a * b}"
        roll = rng.random()
        pred = f"(x+{a})(x+{b})" if roll < 0.5 else (f"(x+{a})(x+{b + 1})" if roll < 0.8 else gold)
        items.append((f"{_reasoning(rng, 800)}\n\nSo the polynomial is $\\boxed{{{pred}}}$.", gold))
    return items


def _time(fn, items) -> tuple[float, list[bool]]:
    started = time.perf_counter()
    results = [fn(response, gold) for response, gold in items]
    return time.perf_counter() - started, results


def _in_thread(fn, items) -> tuple[float, list[bool]]:
    """``_time`` run from a helper thread (no signal timer can be armed there)."""
    import threading

    box: dict = {}
    thread = threading.Thread(target=lambda: box.setdefault("out", _time(fn, items)))
    thread.start()
    thread.join()
    return box["out"]


def run_case(name: str, items: list[tuple[str, str]]) -> dict:
    from math_verify import parse
    from math_verify import verify as mv_verify

    from mathreward.verifiers import verify, verify_batch

    def ours(response: str, gold: str) -> bool:
        return verify(response, gold).correct

    def theirs(response: str, gold: str) -> bool:
        # math-verify reads LaTeX only inside math delimiters, so the gold goes in as "$...$" (its documented use)
        return bool(mv_verify(parse(f"${gold}$"), parse(response)))

    ours(*items[0])  # import-time work out of the timing, for both
    theirs(*items[0])
    our_time, our_results = _time(ours, items)
    thread_time, _thread_results = _in_thread(ours, items)
    their_time, their_results = _time(theirs, items)
    started = time.perf_counter()
    verify_batch([r for r, _ in items], [g for _, g in items], workers=1)
    batch_time = time.perf_counter() - started
    agree = sum(a == b for a, b in zip(our_results, their_results, strict=True)) / len(items)
    row = {
        "case": name,
        "items": len(items),
        "ours_per_s": len(items) / our_time,
        "math_verify_per_s": len(items) / their_time,
        "ratio": their_time / our_time,
        "thread_ratio": their_time / thread_time,
        "batch_per_s": len(items) / batch_time,
        "agreement": agree,
        "ours_correct": sum(our_results),
        "math_verify_correct": sum(their_results),
    }
    print(
        f"{name:<22} items={row['items']:>5}  ours={row['ours_per_s']:>9.0f}/s  "
        f"math-verify={row['math_verify_per_s']:>7.0f}/s  ratio={row['ratio']:>6.1f}x  "
        f"agreement={100 * agree:.2f}%  correct ours/mv={row['ours_correct']}/{row['math_verify_correct']}\n"
        f"{'':<22} helper thread: ratio={row['thread_ratio']:>6.1f}x  verify_batch={row['batch_per_s']:>9.0f}/s  "
        f"call/row={row['batch_per_s'] / row['ours_per_s']:.2f}"
    )
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dapo", type=int, default=3000, help="number of DAPO-style items (default 3000)")
    parser.add_argument("--boxed", type=int, default=400, help="number of boxed LaTeX items (default 400)")
    parser.add_argument("--symbolic", type=int, default=100, help="number of polynomial items (default 100)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    dapo = make_dapo(args.dapo, rng)
    boxed = make_boxed(args.boxed, rng)
    print(f"single process; avg response {sum(len(r) for r, _ in dapo) / len(dapo):.0f} chars (a)")
    symbolic = make_symbolic(args.symbolic, rng)
    rows = [run_case("(a) dapo Answer: int", dapo), run_case("(b) boxed latex", boxed)]
    if symbolic:
        print("(c) is informative, no target: it measures the guarded sympy path (worker round trip included)")
        rows.append(run_case("(c) boxed polynomials", symbolic))
    print("targets: (a) ratio >= 20x with agreement > 99%; (b) ratio >= 2x")
    ok = rows[0]["ratio"] >= 20 and rows[0]["agreement"] > 0.99 and rows[1]["ratio"] >= 2
    print("targets met" if ok else "targets NOT met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
