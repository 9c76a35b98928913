"""Benchmark: the same verdicts, row by row, before and after a change to the verifiers.

Builds a fixed corpus (seeded): worked solutions and answers from the public eval sets in DATA (the MATH solution
parquets and the jsonl sets listed below; missing files are skipped), the score bench's generated rollouts, and
rollouts cut at the length limit (MATH solutions and generated reasoning cut anywhere, some ending "I am not sure."),
each row with its gold. ``verify_batch`` (the guarded workers for sympy, as in production) scores every row in each
style, and the verdicts (correct, pred, status, detail) go to a jsonl file. Run it once with the old code on
PYTHONPATH and once with the new, then ``--diff OLD NEW`` counts the rows whose verdict (correct, pred, status)
differs, and those whose detail alone differs, with examples.

    PYTHONPATH=<old checkout> python bench/same_verdicts.py DATA -o old.jsonl
    PYTHONPATH=<new checkout> python bench/same_verdicts.py DATA -o new.jsonl
    python bench/same_verdicts.py --diff old.jsonl new.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from score_bench import _cut_off, _ending  # noqa: E402 - the score bench's own rollout shapes
from verify_bench import _reasoning  # noqa: E402

JSONL_SETS = [  # (file, solution field, answer field or "" for none)
    ("olympiadbench_oe_to_maths_en_comp.jsonl", "solution", "final_answer"),
    ("minerva_math.jsonl", "solution", ""),
    ("aime_2024.jsonl", "solution", "answer"),
    ("math500_test.jsonl", "solution", "answer"),
    ("aimo_validation_aime_2022_2024.jsonl", "solution", "answer"),
]
MATH_PARQUETS = ["math_train_7500_with_solutions.parquet", "math_test_5000_with_solutions.parquet"]


def _text(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return "" if value is None else str(value)


def corpus(data: Path, seed: int, generated: int, cut: int) -> list[tuple[str, str, str]]:
    """(source, response, gold) rows: eval-set solutions, generated rollouts, cut rollouts."""
    rows: list[tuple[str, str, str]] = []
    for name in MATH_PARQUETS:
        if (data / name).exists():
            import pyarrow.parquet as pq

            for record in pq.read_table(data / name, columns=["reward_model"]).column("reward_model").to_pylist():
                truth = record["ground_truth"]
                rows.append(("math", truth["solution"], truth["target"]))
    for name, solution_field, answer_field in JSONL_SETS:
        if not (data / name).exists():
            continue
        for line in (data / name).open(encoding="utf-8"):
            record = json.loads(line)
            solution = record.get(solution_field)
            solution = "\n".join(solution) if isinstance(solution, list) else solution
            if solution:
                rows.append((name, solution, _text(record.get(answer_field)) if answer_field else ""))
    solutions = list(rows)
    rng = random.Random(seed)
    pool = [_reasoning(rng, rng.randint(1200, 1600)) for _ in range(300)]
    for _ in range(generated):
        gold = rng.randint(0, 10 ** rng.randint(1, 6))
        rows.append(("generated", f"{rng.choice(pool)}\n\n{_ending(rng, gold)}", str(gold)))
    for index in range(cut):
        if solutions and index % 2 == 0:
            source, text, gold = rng.choice(solutions)
            rows.append(("cut_solution", text[: rng.randint(1, len(text))], gold))
        else:
            rows.append(("cut_generated", _cut_off(rng, rng.choice(pool)), str(rng.randint(0, 999))))
    return rows


def record(args: argparse.Namespace) -> None:
    from tqdm import tqdm

    from mathreward.verifiers import verify_batch

    rows = corpus(args.data, args.seed, args.generated, args.cut)
    styles = args.styles.split(",")
    tmp = args.output.with_name(args.output.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as out, tqdm(total=len(rows), desc="verdicts", unit="row") as progress:
        for start in range(0, len(rows), args.chunk):
            block = rows[start : start + args.chunk]
            progress.update(len(block))
            found = {
                style: verify_batch([r[1] for r in block], [r[2] for r in block], style=style, workers=args.workers)
                for style in styles
            }
            for offset, (source, _response, _gold) in enumerate(block):
                for style in styles:
                    v = found[style][offset]
                    item = {"row": start + offset, "source": source, "style": style, "correct": v.correct}
                    item.update(pred=v.pred, status=v.status, detail=v.detail)
                    out.write(json.dumps(item) + "\n")
    os.replace(tmp, args.output)
    print(f"{len(rows)} rows x {len(styles)} styles -> {args.output}")


def diff(old_path: Path, new_path: Path) -> int:
    old = [json.loads(line) for line in old_path.open(encoding="utf-8")]
    new = [json.loads(line) for line in new_path.open(encoding="utf-8")]
    if len(old) != len(new):
        print(f"the files hold {len(old)} and {len(new)} verdicts: not the same corpus")
        return 1
    key = ("correct", "pred", "status")
    verdicts = [(a, b) for a, b in zip(old, new, strict=True) if any(a[k] != b[k] for k in key)]
    details = [(a, b) for a, b in zip(old, new, strict=True) if a["detail"] != b["detail"]]
    print(f"{len(old)} verdicts; {len(verdicts)} differ; {len(details) - len(verdicts)} differ in their detail only")
    print("verdicts differing by source:", dict(Counter(a["source"] for a, _b in verdicts)))
    for a, b in verdicts[:10]:
        print(f"  row {a['row']} ({a['source']}, {a['style']}): {[a[k] for k in key]} -> {[b[k] for k in key]}")
    changes = Counter((a["detail"].split("; ", 1)[-1][:40], b["detail"].split("; ", 1)[-1][:40]) for a, b in details)
    for (before, after), count in changes.most_common(5):
        print(f"  detail {count}x: {before!r} -> {after!r}")
    return 1 if verdicts else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, nargs="?", help="folder of the public eval sets (see the module doc)")
    parser.add_argument("-o", "--output", type=Path, default=Path("verdicts.jsonl"), help="default verdicts.jsonl")
    parser.add_argument("--diff", type=Path, nargs=2, metavar=("OLD", "NEW"), help="compare two verdict files")
    parser.add_argument("--styles", default="auto,dapo", help="comma-separated styles (default auto,dapo)")
    parser.add_argument("--seed", type=int, default=7, help="default 7")
    parser.add_argument("--generated", type=int, default=20_000, help="generated rollouts (default 20000)")
    parser.add_argument("--cut", type=int, default=10_000, help="rollouts cut without an answer (default 10000)")
    parser.add_argument("--workers", type=int, default=2, help="sympy worker processes (default 2)")
    parser.add_argument("--chunk", type=int, default=2_000, help="rows per verify_batch call (default 2000)")
    args = parser.parse_args()
    if args.diff:
        return diff(*args.diff)
    if args.data is None:
        parser.error("give the DATA folder (or --diff OLD NEW)")
    record(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
