"""Benchmark: scoring rollouts, from the bare minimum to `mathreward score` on every core.

Generates DAPO-style rollouts (about 1.5 KB of reasoning, then a final answer; verl schema parquet: data_source,
prompt chat list, ability, reward_model.ground_truth, extra_info, response) with a fixed seed. Most end in
``Answer: <int>``; the rest in the shapes the fast lane leaves to the full path (``**Answer:** 34``, ``034``,
``34.0``, think tags, chat end tokens, boxes, several answer lines), and ``--no-answer`` (10%) without an answer (cut
at the length limit, or giving up). Then prints, all measured in this run:

0. for each file, the floor: a streamed pyarrow decode of the response and gold columns, the bare loop below on
   them, and a parquet write of the input with two result columns; limit = (decode + lane) / workers + write, and
   ``score``'s time as a multiple of it;
1. the bare loop: a regex on the last 300 characters and an ``int`` compare (the floor of any verifier);
2. ``verify_batch(style="dapo")`` in one process, with the fast lane and without it (rollouts/s per core), and the
   ratio to the bare loop;
3. per style (dapo, auto, strict, boxed): rollouts/s per core with the fast lane and on the full path only, and the
   share of rows the lane answers;
4. that the fast lane's verdict equals the full path's: on every generated row in style dapo, on a sample in the
   other styles (rows the lane leaves alone take the full path anyway);
5. ``mathreward score`` as a real subprocess on the whole file (DAPO, ``data_source`` = math_dapo) and on the same
   rows without ``data_source`` (the routed default: ``binary``, auto extraction), each with ``--workers 1`` and with
   every core: wall time, CPU time of the process tree, rollouts/s, the speed-up of every core over one (by wall
   time and by CPU time: under contention from other jobs only the second is steady) and peak memory (the process
   tree's summed RSS, and the largest single process's RSS, sampled every 0.1 s);
6. on the rows without an answer, style auto: ``extract`` and ``verify_batch`` rollouts/s in one process.

    python bench/score_bench.py [--rows 1000000] [--sample 50000] [--seed 0] [--no-answer 0.10] [--keep DIR]
                                [--skip-check] [--files dapo,plain] [--score-workers N] [--end-to-end-only]

``--keep DIR`` keeps the generated files and reuses them on the next run with the same rows, seed and share;
``--files``, ``--score-workers`` and ``--end-to-end-only`` keep a measurement run short (sections 0 and 5 only, on
the files and worker counts named).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from verify_bench import _reasoning  # noqa: E402 - the same generated reasoning as the verifier bench


def _ending(rng: random.Random, gold: int) -> str:
    """The final answer: 85% the plain shape, the rest the shapes the full path must decide."""
    pred = gold if rng.random() < 0.6 else gold + rng.randint(1, 50)
    roll = rng.random()
    if roll < 0.80:
        return f"Answer: {pred}"
    if roll < 0.85:
        return f"$\\boxed{{{pred}}}$"
    return rng.choice(
        [
            f"**Answer:** {pred}",
            f"Answer: 0{pred}",
            f"Answer: {pred}.0",
            f"Answer: {pred}<|im_end|>",
            f"Answer: {pred - 1}\nAnswer: {pred}",
            f"\\boxed{{{pred}}}\nAnswer: {pred}",
            "I could not finish.",
            f"Answer: {pred:,}",
        ]
    )


def _cut_off(rng: random.Random, body: str) -> str:
    """A rollout without an answer: reasoning cut at the length limit, or one that gives up."""
    if rng.random() < 0.5:
        return body[: rng.randint(len(body) // 2, len(body))]
    return f"{body}\n\n{rng.choice(['I am not sure.', 'I could not finish.', 'Let me reconsider the last step'])}"


def generate(path: Path, rows: int, seed: int, no_answer: float = 0.10) -> None:
    """Write ``rows`` verl-schema rollouts to ``path`` (parquet), streaming; a ``no_answer`` share of them end
    without an answer (cut at the length limit or giving up)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(seed)
    pool = [_reasoning(rng, rng.randint(1200, 1600)) for _ in range(1500)]
    think = [f"<think>\n{text}\n</think>\n" for text in pool[:50]]
    writer = None
    block = 50_000
    for start in range(0, rows, block):
        records = []
        for index in range(start, min(rows, start + block)):
            gold = rng.randint(0, 10 ** rng.randint(1, 6))
            body = rng.choice(think) if rng.random() < 0.02 else rng.choice(pool)
            records.append(
                {
                    "data_source": "math_dapo",
                    "prompt": [{"role": "user", "content": f"Solve problem {index % 17917}."}],
                    "ability": "MATH",
                    "reward_model": {"ground_truth": str(gold), "style": "rule-lighteval/MATH_v2"},
                    "extra_info": {"index": index},
                    "response": _cut_off(rng, body) if rng.random() < no_answer else f"{body}\n\n{_ending(rng, gold)}",
                }
            )
        table = pa.Table.from_pylist(records)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=block)
    if writer is not None:
        writer.close()


def _best_rate(fn, responses: list[str], golds: list[str], parts: int, clock=time.process_time) -> float:
    """Rollouts/s of ``fn(responses, golds)``, best over ``parts`` disjoint parts of the rows: each row is verified
    once, as in a real run (repeating the same rows would time the verifiers' caches instead). Timed by this
    process's CPU clock (rollouts per CPU second: other jobs on the machine do not count) unless ``clock`` says
    otherwise (``time.perf_counter``: wall time, which counts a helper process's work too)."""
    best = 0.0
    size = max(1, len(responses) // parts)
    for start in range(0, size * parts, size):
        part = (responses[start : start + size], golds[start : start + size])
        started = clock()
        fn(*part)
        best = max(best, len(part[0]) / max(clock() - started, 1e-9))
    return best


def _repeated_rate(fn, responses: list[str], golds: list[str]) -> float:
    """Rollouts/s of ``fn`` (which keeps no cache: the bare loop) by the CPU clock, repeated over the rows until
    0.2 s of CPU have passed, so that a part shorter than the clock's step cannot read as instantaneous."""
    rounds = 0
    started = time.process_time()
    while True:
        fn(responses, golds)
        rounds += 1
        spent = time.process_time() - started
        if spent >= 0.2:
            return rounds * len(responses) / spent


def per_core(responses: list[str], golds: list[str]) -> dict[str, float]:
    """Rollouts/s in this process: bare loop (repeated to 0.2 s of CPU), verify_batch with and without the fast lane
    (best of 3 parts)."""
    from mathreward.verifiers import fast_lane, verify_batch

    pattern = re.compile(r"Answer:\s*(-?\d+)\s*$")

    def bare(responses: list[str], golds: list[str]) -> None:
        hits = 0
        for response, gold in zip(responses, golds, strict=True):
            match = pattern.search(response[-300:])
            hits += bool(match and int(match.group(1)) == int(gold))

    def lane(responses: list[str], golds: list[str]) -> None:
        verify_batch(responses, golds, style="dapo", workers=1)

    def full(responses: list[str], golds: list[str]) -> None:
        with fast_lane.disabled():
            verify_batch(responses, golds, style="dapo", workers=1)

    return {
        "bare": _repeated_rate(bare, responses, golds),
        "verify_batch": _best_rate(lane, responses, golds, 3),
        "verify_batch_full_path": _best_rate(full, responses, golds, 1),
    }


def _differ(args: tuple[list[str], list[str], str]) -> tuple[int, int]:
    """(rows the lane answered, rows where its verdict differs from the full path's) for one part."""
    from mathreward.verifiers import fast_lane, verify_batch

    responses, golds, style = args
    lane = fast_lane.fast_verdicts(responses, golds, style)
    rows = [i for i, verdict in enumerate(lane) if verdict is not None]  # the others take the full path anyway
    with fast_lane.disabled():
        full = verify_batch([responses[i] for i in rows], [golds[i] for i in rows], style=style, workers=1)
    return len(rows), sum(lane[i] != verdict for i, verdict in zip(rows, full, strict=True))


def check_lane(responses: list[str], golds: list[str], sample: int) -> dict[str, tuple[int, int, int]]:
    """style -> (rows checked, rows the lane answered, rows that differ): style dapo on every row, the other styles
    on the first ``sample`` rows; in one process per core."""
    import multiprocessing

    jobs = []
    for style in ("dapo", "auto", "strict", "boxed"):
        n = len(responses) if style == "dapo" else min(sample, len(responses))
        for start in range(0, n, 20_000):
            stop = min(n, start + 20_000)
            jobs.append((style, stop - start, (responses[start:stop], golds[start:stop], style)))
    out: dict[str, list[int]] = {}
    with multiprocessing.get_context("fork").Pool(os.cpu_count() or 1) as pool:
        results = pool.map(_differ, [job for _style, _n, job in jobs])
    for (style, n, _job), (answered, differ) in zip(jobs, results, strict=True):
        total = out.setdefault(style, [0, 0, 0])
        total[0] += n
        total[1] += answered
        total[2] += differ
    return {style: (values[0], values[1], values[2]) for style, values in out.items()}


def per_style(responses: list[str], golds: list[str]) -> dict[str, tuple[float, float, float]]:
    """style -> (rollouts/s with the fast lane, rollouts/s on the full path only, share answered by the lane)."""
    from mathreward.verifiers import fast_lane, verify_batch

    def scored(style: str, lane: bool):
        def run(responses: list[str], golds: list[str]) -> None:
            if lane:
                verify_batch(responses, golds, style=style, workers=1)
            else:
                with fast_lane.disabled():
                    verify_batch(responses, golds, style=style, workers=1)

        return run

    out = {}
    for style in ("dapo", "auto", "strict", "boxed"):
        lane = _best_rate(scored(style, True), responses, golds, 2)
        full = _best_rate(scored(style, False), responses, golds, 1)
        answered = sum(v is not None for v in fast_lane.fast_verdicts(responses, golds, style))
        out[style] = (lane, full, answered / max(1, len(responses)))
    return out


def without_data_source(source: Path, target: Path) -> None:
    """The same rows without the ``data_source`` column (streamed; row groups as in the source)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    handle = pq.ParquetFile(source)
    writer = None
    for index in range(handle.metadata.num_row_groups):
        table = handle.read_row_group(index).drop_columns(["data_source"])
        if writer is None:
            writer = pq.ParquetWriter(target, table.schema)
        writer.write_table(table, row_group_size=max(1, table.num_rows))
        del table
    if writer is None:
        pq.write_table(pa.table({}), target)
    else:
        writer.close()


def _current(derived: Path, source: Path) -> bool:
    """Whether ``derived`` exists and was written after ``source`` (a kept file that can be reused)."""
    return derived.exists() and derived.stat().st_mtime >= source.stat().st_mtime


def floor(source: Path, folder: Path, workers: int) -> dict[str, float]:
    """What any scorer of this file must spend, measured here in CPU seconds (a shared machine does not inflate
    them): a streamed pyarrow decode of the response and gold columns into Python strings (the parquet pages'
    decoding and the conversion, batches of 8192 rows on one thread with the system allocator, as a scoring worker
    reads them), the lane-like bare loop
    on them (a regex on the last 300 characters and an integer compare, one core), and a parquet write of the input
    with two result columns. ``limit`` = (decode + lane) / workers + write: workers decode and score their own
    slices; one writer. On an idle machine with a core per worker, wall time can reach it."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    pattern = re.compile(r"Answer:\s*(-?\d+)\s*$")
    decode = lane = 0.0
    hits = rows = 0
    pool = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())  # the allocator a scoring process reads with (setup_scoring_process)
    handle = pq.ParquetFile(source)
    batches = handle.iter_batches(batch_size=8192, columns=["response", "reward_model"], use_threads=False)
    while True:
        started = time.process_time()  # the pages' decoding happens in next(): timed with the conversion
        batch = next(batches, None)
        if batch is None:
            decode += time.process_time() - started
            break
        responses = batch.column("response").to_pylist()
        golds = pc.struct_field(batch.column("reward_model"), "ground_truth").to_pylist()
        decode += time.process_time() - started
        started = time.process_time()
        for response, gold in zip(responses, golds, strict=True):
            match = pattern.search(response[-300:])
            hits += bool(match and int(match.group(1)) == int(gold))
        lane += time.process_time() - started
        rows += len(responses)
    table = pq.read_table(source)
    table = table.append_column("score", pa.array([1.0] * table.num_rows, pa.float64()))
    table = table.append_column("status", pa.array(["correct"] * table.num_rows, pa.string()))
    started = time.process_time()
    pq.write_table(table, folder / "floor_write.parquet")
    write = time.process_time() - started
    del table
    pa.set_memory_pool(pool)
    (folder / "floor_write.parquet").unlink()
    return {"decode": decode, "lane": lane, "write": write, "limit": (decode + lane) / workers + write}


def run_score(source: Path, out: Path, workers: int) -> tuple[float, float, float, float, str]:
    """(wall seconds, CPU seconds of the process tree, peak RSS of the tree in MB, the largest process's ru_maxrss in
    MB, summary line) of `mathreward score` (CPU time does not grow when other jobs share the cores; wall time
    does)."""
    import resource

    import psutil

    out.unlink(missing_ok=True)  # a new file, as the floor's write (ext4 writes back a file renamed over another)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)

    command = [sys.executable, "-m", "mathreward", "score", str(source), "-o", str(out), "--workers", str(workers)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak = [0.0, 0.0]

    def watch() -> None:
        root = psutil.Process(process.pid)
        while process.poll() is None:
            try:
                tree = [root, *root.children(recursive=True)]
                sizes = [p.memory_info().rss / 2**20 for p in tree if p.is_running()]
                peak[0] = max(peak[0], sum(sizes))
                peak[1] = max(peak[1], max(sizes, default=0.0))
            except psutil.Error:
                pass
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    stdout, _ = process.communicate()
    seconds = time.perf_counter() - started
    watcher.join()
    out.unlink(missing_ok=True)
    if process.returncode != 0:
        raise SystemExit(f"mathreward score failed ({process.returncode})")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, peak[0], peak[1], stdout.splitlines()[0] if stdout else ""


def end_to_end(
    source: Path,
    folder: Path,
    rows: int,
    cores: int,
    repeats: int,
    files: tuple[str, ...] = ("dapo", "plain"),
    worker_counts: tuple[int, ...] | None = None,
) -> None:
    """`mathreward score` on the whole file with 1 and with every core (or ``worker_counts``), DAPO-shaped and
    without ``data_source`` (``files``: "dapo", "plain"; best wall time of ``repeats`` runs each). Runs before the
    bench loads any rollouts, so its own memory does not weigh on the measured processes."""
    plain_source = folder / "rollouts_no_source.parquet"
    if "plain" in files and not _current(plain_source, source):
        without_data_source(source, plain_source)
    labelled = {
        "dapo": ("DAPO (data_source math_dapo -> dapo)", source),
        "plain": ("no data_source (routed -> binary)", plain_source),
    }
    for label, path in (labelled[name] for name in files):
        print(f"\n`mathreward score` end to end on {rows} rollouts, {label}:")
        limit = floor(path, folder, cores)
        print(
            f"  floor, measured now on this file: decode {limit['decode']:.2f} s, lane {limit['lane']:.2f} s, "
            f"write {limit['write']:.2f} s; limit on {cores} workers = (decode + lane) / {cores} + write = "
            f"{limit['limit']:.2f} s"
        )
        runs = {}
        counts = sorted(set(worker_counts or (1, cores)))
        for workers in counts:
            trials = [run_score(path, folder / f"scored_{workers}.parquet", workers) for _ in range(repeats)]
            seconds, cpu, peak, largest, line = min(trials)
            runs[workers] = (seconds, cpu)
            print(
                f"  --workers {workers}: {seconds:6.1f} s wall, {rows / seconds:>9,.0f} rollouts/s, "
                f"{cpu:6.1f} CPU s ({rows / cpu:>8,.0f} rollouts per CPU s), peak memory {peak:,.0f} MB "
                f"(tree), {largest:,.0f} MB (largest process)"
            )
            print(f"    {line}")
            if workers == cores:
                spent = limit["decode"] + limit["lane"] + limit["write"]
                print(
                    f"  score / limit: {seconds / limit['limit']:.2f}x (wall time against the floor's CPU time: "
                    f"meaningful on an idle machine only); CPU of the process tree {cpu:.1f} s against the floor's "
                    f"{spent:.1f} s: {cpu / spent:.2f}x"
                )
        if cores > 1 and 1 in runs and cores in runs:
            (w1, c1), (wn, cn) = runs[1], runs[cores]
            print(
                f"  --workers {cores} vs 1: {w1 / wn:.2f}x by wall time; {c1 / cn * cores:.2f}x if every worker had "
                f"its own core (CPU time: {cn / c1:.2f}x the one-worker run)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rollouts in the generated file")
    parser.add_argument("--sample", type=int, default=50_000, help="rollouts for the per-core measurements")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-answer", type=float, default=0.10, help="share of rollouts without an answer")
    parser.add_argument("--repeats", type=int, default=2, help="end-to-end runs per setting (best wall time kept)")
    parser.add_argument("--skip-check", action="store_true", help="skip the lane-vs-full check on every row")
    parser.add_argument("--keep", default=None, help="folder to keep the generated files in (and reuse them from)")
    parser.add_argument(
        "--files", default="dapo,plain", help="end-to-end files: dapo, plain (no data_source), comma-separated"
    )
    parser.add_argument(
        "--score-workers", type=int, nargs="*", default=None, help="end-to-end worker counts (default: 1 and cores)"
    )
    parser.add_argument("--end-to-end-only", action="store_true", help="sections 0 and 5 only")
    args = parser.parse_args()
    import pyarrow.parquet as pq

    files = tuple(name.strip() for name in args.files.split(",") if name.strip())
    if not set(files) <= {"dapo", "plain"}:
        parser.error(f"--files takes dapo and plain, got {args.files!r}")
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="score_bench_"))
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "rollouts.parquet"
    stamp = folder / "rollouts.settings"
    settings = f"rows={args.rows} seed={args.seed} no_answer={args.no_answer}"
    if source.exists() and stamp.exists() and stamp.read_text() == settings:
        print(f"reusing {source} ({settings})")
    else:
        started = time.perf_counter()
        stamp.unlink(missing_ok=True)
        generate(source, args.rows, args.seed, args.no_answer)
        stamp.write_text(settings)
        size_mb = source.stat().st_size / 2**20
        print(f"generated {args.rows} rollouts ({size_mb:.0f} MB parquet) in {time.perf_counter() - started:.1f} s")
    cores = os.cpu_count() or 1
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {cores} CPU cores, load average {load:.1f} at the start (other jobs slow wall-clock timings)")
    from mathreward.verifiers.extraction import COMPILED_READER

    print(f"compiled reader of rows without an answer: {'built' if COMPILED_READER else 'not built (pure Python)'}")
    end_to_end(source, folder, args.rows, cores, args.repeats, files, tuple(args.score_workers or ()) or None)
    if args.end_to_end_only:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
        return

    table = pq.read_table(source, columns=["response", "reward_model"])
    responses = table.column("response").to_pylist()
    golds = [row["ground_truth"] for row in table.column("reward_model").to_pylist()]
    del table

    plain = re.compile(r"\n\nAnswer: (?:-?[1-9]\d*|0)\Z")  # one final answer line with a plain integer
    plain_rows = [i for i, r in enumerate(responses[: 4 * args.sample]) if plain.search(r) and r.count("Answer:") == 1][
        : args.sample
    ]
    print("\nper core, style dapo (best of 3 disjoint parts, each row verified once):")
    for label, rows in (
        ("`Answer: <int>` rollouts", plain_rows),
        ("the generated mix", list(range(min(args.sample, len(responses))))),
    ):
        rates = per_core([responses[i] for i in rows], [golds[i] for i in rows])
        print(f"  {label} ({len(rows)}):")
        print(f"    bare loop (regex on the last 300 chars + int compare): {rates['bare']:>10,.0f} rollouts/s")
        print(f"    verify_batch (fast lane, full path where needed):     {rates['verify_batch']:>10,.0f} rollouts/s")
        print(
            f"    verify_batch, full path only:                         {rates['verify_batch_full_path']:>10,.0f} rollouts/s"
        )
        print(f"    bare loop / verify_batch: {rates['bare'] / rates['verify_batch']:.2f}x")
    print("  (target: >= 100,000 verifications/s per core and within 3x of the bare loop, on `Answer: <int>` rollouts)")

    sample = list(range(min(args.sample, len(responses))))
    rates = per_style([responses[i] for i in sample], [golds[i] for i in sample])
    print(f"\nper core, every style, on the generated mix ({len(sample)} rows; rollouts/s):")
    print(f"  {'style':6}  {'fast lane':>10}  {'full path':>10}  {'ratio':>6}  answered by the lane")
    for style, (lane, full, share) in rates.items():
        print(f"  {style:6}  {lane:>10,.0f}  {full:>10,.0f}  {lane / full:>5.1f}x  {100 * share:.1f}%")

    cut = [i for i, r in enumerate(responses[: 20 * args.sample]) if "nswer" not in r and "\\boxed" not in r]
    cut = cut[: max(1, args.sample // 5)]
    if cut:
        from mathreward.verifiers import extract, verify_batch

        texts, cut_golds = [responses[i] for i in cut], [golds[i] for i in cut]
        extracted = _best_rate(lambda rs, _gs: [extract(r, "auto") for r in rs], texts, cut_golds, 3)
        verified = _best_rate(lambda rs, gs: verify_batch(rs, gs, style="auto", workers=1), texts, cut_golds, 1)
        walled = _best_rate(
            lambda rs, gs: verify_batch(rs, gs, style="auto", workers=1), texts, cut_golds, 1, time.perf_counter
        )
        print(f"\nrows without an answer ({len(cut)}), style auto, one process (+ one sympy worker), rollouts/s:")
        print(f"  extract(style='auto') (the bounded fallback):  {extracted:>10,.0f}")
        print(f"  verify_batch(style='auto', workers=1):         {verified:>10,.0f} (this process's CPU)")
        print(f"  verify_batch(style='auto', workers=1):         {walled:>10,.0f} (wall: the sympy worker's time too)")

    if not args.skip_check:
        started = time.perf_counter()
        checked = check_lane(responses, golds, args.sample)
        print(f"\nfast lane vs full path ({time.perf_counter() - started:.0f} s):")
        for style, (n, answered, differ) in checked.items():
            print(f"  style {style:6}: {n} rows, {answered} answered by the lane, {differ} verdicts differ")
        if any(differ for _n, _a, differ in checked.values()):
            raise SystemExit("the fast lane changed a verdict")
    del responses, golds

    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
