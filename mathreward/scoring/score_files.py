"""`mathreward score` on one machine: score files of rollouts with a reward from the registry.

The output holds every input column plus ``score``, ``correct``, ``pred`` and ``status``, one row per input row, in
input order. ``score_file`` is the library form the demo uses too. Rows are read in batches (parquet record batches,
so memory stays flat), scored by ``--workers`` processes (``scoring.batches.score_batch``, default: every CPU) and
written in order as they come back; ``--ray`` runs the same batches as a Ray Data pipeline (``scoring.ray_score``).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from mathreward.scoring.spec import DEFAULT_REWARD, ScoreError, check_reward_options, resolve_spec
from mathreward.scoring.summary import Totals

BATCH_ROWS = 8192  # rows read, shipped to a worker and written at a time


def score_file(
    input_path: str | Path | Sequence[str | Path],
    output_path: str | Path,
    *,
    response_field: str = "response",
    gold_field: str | None = None,
    prompt_field: str | None = None,
    data_source_field: str | None = "data_source",
    extra_fields: dict[str, str | None] | None = None,
    reward: str = DEFAULT_REWARD,
    style: str | None = None,
    max_len: int | None = None,
    buffer_len: int | None = None,
    overlong_factor: float = 1.0,
    length_field: str | None = None,
    tokenizer: str | None = None,
    workers: int | None = None,
    timeout: float = 5.0,
    chunk_size: int = 1024,
    progress: bool = True,
    reward_options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Score every rollout of ``input_path`` (one file or several, read in order) and write ``output_path``
    atomically; returns a summary dict.

    ``workers`` scoring processes (None: the CPU count; 1: in this process) each take a batch of rows at a time.
    Raises ``TableError`` (file/row/field problems) or ``ScoreError`` (options); either way no output file is left.
    """
    from tqdm import tqdm

    from mathreward.scoring.batches import result_types, score_batch
    from mathreward.tables import TableWriter, check_input, check_output_path, read_batches

    inputs = _as_paths(input_path)
    workers = _check_workers(workers)
    output_path = check_output_path(output_path)
    for path in inputs:
        check_input(path)
    settings = dict(
        response_field=response_field,
        gold_field=gold_field,
        prompt_field=prompt_field,
        data_source_field=data_source_field,
        extra_fields=extra_fields,
        reward=reward,
        style=style,
        max_len=max_len,
        buffer_len=buffer_len,
        overlong_factor=overlong_factor,
        length_field=length_field,
        tokenizer=tokenizer,
        timeout=timeout,
        chunk_size=chunk_size,
        reward_options=reward_options,
    )
    base_options = check_reward_options(reward, style, workers, timeout, max_len, buffer_len, reward_options)
    started = time.perf_counter()
    totals = Totals(reward)
    total = _total_rows(inputs)
    if total is not None:
        one_batch = total <= BATCH_ROWS
    else:  # jsonl/json/csv: a small file holds one batch at most
        one_batch = sum(path.stat().st_size for path in inputs) < 2**20
    pool = _start_pool(workers) if workers > 1 and not one_batch else None  # one batch: no processes to start
    specs: dict[Path, Any] = {}
    try:
        with (
            TableWriter(output_path, result_types()) as writer,
            tqdm(
                total=_total_rows(inputs),
                unit="rollout",
                desc="score",
                disable=not progress,
                file=sys.stderr,
                delay=0.5,
            ) as bar,
        ):

            def batches():
                for path in inputs:
                    for batch in read_batches(path, BATCH_ROWS):
                        if path not in specs:
                            specs[path] = resolve_spec(batch, base_options, pool is not None, **settings)
                        yield batch

            ahead = _read_ahead(batches(), 2 * workers)  # reading (Arrow, no GIL) overlaps scoring and writing
            if pool is None:
                results = ((batch, score_batch(specs[Path(batch.path)], batch)) for batch in ahead)
            else:
                results = _in_order(pool, ahead, specs, workers)
            for batch, result in results:
                writer.write(batch, result.columns)
                totals.add(result)
                bar.update(len(batch))
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        else:
            from mathreward.scoring.batches import close_scorers

            close_scorers()
    seconds = time.perf_counter() - started
    return totals.summary(seconds, input_path=", ".join(map(str, inputs)), output_path=output_path)


def _as_paths(input_path: Any) -> list[Path]:
    if isinstance(input_path, (str, Path)):
        return [Path(input_path)]
    paths = [Path(p) for p in input_path]
    if not paths:
        raise ScoreError("no input file given")
    return paths


def _check_workers(workers: int | None) -> int:
    if workers is not None and workers < 1:
        raise ScoreError(f"--workers must be at least 1, got {workers}")
    return workers if workers is not None else max(1, os.cpu_count() or 1)


def _total_rows(inputs: list[Path]) -> int | None:
    from mathreward.tables import count_rows

    counts = [count_rows(path) for path in inputs]
    return None if any(count is None for count in counts) else sum(counts)


def _start_pool(workers: int) -> Any:
    """Worker processes for the batches: forked (so rewards registered in this process exist there too) where the
    platform allows, else spawned. A worker that dies breaks the pool: the run stops with an error, never hangs."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method))


def _read_ahead(items: Iterator[Any], depth: int) -> Iterator[Any]:
    """The items of ``items``, produced by a background thread at most ``depth`` ahead; its error is raised here."""
    import queue
    import threading

    done = object()
    slots: queue.Queue = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        slots.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put((done, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            slots.put((done, exc))

    thread = threading.Thread(target=produce, name="score-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item, error = slots.get()
            if item is done:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()


def _in_order(pool: Any, batches: Iterator[Any], specs: dict[Path, Any], workers: int) -> Iterator[tuple[Any, Any]]:
    """(batch, result) in input order, with at most two batches per worker in flight (memory stays flat)."""
    from collections import deque

    from mathreward.scoring.batches import score_batch

    pending: deque = deque()
    for batch in batches:
        spec = specs[Path(batch.path)]
        pending.append((batch, pool.submit(score_batch, spec, batch.select(spec.fields()))))
        while len(pending) >= 2 * workers:
            done, future = pending.popleft()
            yield done, _result(future)
    while pending:
        done, future = pending.popleft()
        yield done, _result(future)


def _result(future: Any) -> Any:
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool:
        raise ScoreError("a scoring worker process died (out of memory?); no output was written") from None
