"""`mathreward score` on one machine: score files of rollouts with a reward from the registry.

The output holds every input column plus ``score``, ``correct``, ``pred`` and ``status``, one row per input row, in
input order. ``score_file`` is the library form the demo uses too.

The parent only plans: it reads the head of each input to resolve its fields (``spec.resolve_spec``) and cuts the
inputs into slices (``tables.plan_slices``: parquet row groups, row ranges of a parquet file written as one row
group, jsonl byte ranges). Each worker process then reads its own slice in batches, scores them
(``scoring.batches.score_batch``) and writes its own part file (``score_slice``); the parent counts progress and,
when every part is written, joins the parts into the output (parquet row groups copied byte for byte, jsonl bytes
appended) or, with ``output_parts``, renames the folder of parts into place. Memory stays flat: a worker holds one
batch at a time. A failure anywhere (a bad row, a dead worker) removes the parts: no output is left.
"""

from __future__ import annotations

import importlib.abc
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mathreward.parquet_parts import ColumnAppender
from mathreward.scoring.spec import ScoreError, ScoreOptions
from mathreward.scoring.summary import Totals
from mathreward.signals import stop_pool, worker_start
from mathreward.tables import Slice, temp_path
from mathreward.temp_files import temp_sibling

BATCH_ROWS = 8192  # rows read, scored and written at a time
SLICES_PER_WORKER = 16  # slices per worker where the file allows (balance: the last slices end close together)


@dataclass(frozen=True)
class Task:
    """One worker's job: score ``piece`` with ``spec`` and write part ``index`` of ``output`` into ``folder``."""

    spec: Any
    piece: Slice
    index: int
    folder: str
    output: str
    results_only: bool = False  # write only the result columns (the input's pages are copied by the parent)
    group_rows: tuple[int, ...] = ()  # results_only, whole row groups: their sizes (one result file per group)


def score_file(
    input_path: str | Path | Sequence[str | Path],
    output_path: str | Path,
    options: ScoreOptions | None = None,
    *,
    output_parts: bool = False,
    **keywords: Any,
) -> dict[str, Any]:
    """Score every rollout of ``input_path`` (one file or several, read in order) and write ``output_path``
    atomically; returns a summary dict.

    ``options`` (a ``ScoreOptions``; its fields may also be given, or overridden, as keywords: ``workers=2``,
    ``reward="dapo"``, ...). ``workers`` scoring processes (None: the CPU count; 1: in this process) each read, score
    and write their own slices of the input. ``output_parts``: ``output_path`` is a new folder of part files
    (``part-00000.parquet``, ... in input order; one dataset to Ray, Spark or ``pyarrow.dataset``) instead of one file.
    Raises ``TableError`` (file/row/field problems) or ``ScoreError`` (options); either way no output is left.
    """
    from mathreward.tables import check_input, check_output_path, plan_slices

    settings = replace(options or ScoreOptions(), **keywords)
    inputs = _as_paths(input_path)
    workers = _check_workers(settings.workers)
    output = Path(output_path)
    if output_parts:
        _check_parts_folder(output)
    else:
        output = check_output_path(output)
    for path in inputs:
        check_input(path)
    base_options = settings.base_options(workers)
    started = time.perf_counter()
    specs = [settings.spec_for(path, base_options, workers > 1) for path in inputs]
    pieces = [
        (spec, piece)
        for spec, path in zip(specs, inputs, strict=True)
        for piece in plan_slices(path, workers * SLICES_PER_WORKER, workers)
    ]
    folder = temp_sibling(output, "parts")  # dead runs' leftovers for this output are removed here
    shutil.rmtree(folder, ignore_errors=True)
    if output_parts:  # jsonl parts for a folder named *.jsonl, else parquet parts
        target = folder / ("part.jsonl" if output.suffix.lower() == ".jsonl" else "part.parquet")
    else:
        target = output
    results_only = not output_parts and _copies_input_pages(inputs, output)
    sizes = _group_sizes(inputs[0]) if results_only else []
    tasks = [
        Task(spec, piece, index, str(folder), str(target), results_only, _piece_groups(piece, sizes))
        for index, (spec, piece) in enumerate(pieces)
    ]
    totals = Totals(settings.reward)
    streamed = results_only and all(task.group_rows for task in tasks)  # each group's results as its slice ends
    tmp = temp_path(output)
    runs = None
    try:
        folder.mkdir()
        with ExitStack() as stack:
            appender = stack.enter_context(ColumnAppender(inputs[0], tmp)) if results_only else None
            runs = _run_tasks(
                tasks, workers, _known_rows(tasks), settings.progress, appender.pages if appender else None
            )
            for task, result in zip(tasks, runs, strict=True):  # in task order, each as soon as it and those before end
                totals.merge(result)
                if appender is not None and streamed:  # copied while the workers score the later slices
                    for group in range(task.piece.begin, task.piece.end):
                        appender.add(_group_file(folder, group))
                        _group_file(folder, group).unlink()
                    appender.pages()  # the next group's own pages come first: copied before its results exist
            parts = [Path(task.folder) / _part_name(task) for task in tasks]
            if appender is not None and not streamed:
                _append_results(appender, parts, folder)
            if appender is not None:
                appender.finish()
        if output_parts:
            os.replace(folder, output)
        elif appender is not None:
            os.replace(tmp, output)
        else:
            from mathreward.tables import join_parts

            join_parts(parts, output, [(task.piece.path, max(0, task.piece.first_row)) for task in tasks])
    finally:
        if runs is not None:
            runs.close()  # on a failure here: the workers stop before their folder goes
        shutil.rmtree(folder, ignore_errors=True)
        tmp.unlink(missing_ok=True)
    seconds = time.perf_counter() - started
    return totals.summary(seconds, input_path=", ".join(map(str, inputs)), output_path=output)


def _copies_input_pages(inputs: list[Path], output: Path) -> bool:
    """Whether the output can be the input's pages copied as they are plus the result columns: one parquet input
    without result-named columns, parquet output."""
    from mathreward.rewards.base import RESULT_FIELDS
    from mathreward.tables import PARQUET_SUFFIXES, count_rows

    if len(inputs) != 1 or inputs[0].suffix.lower() not in PARQUET_SUFFIXES:
        return False
    if output.suffix.lower() not in PARQUET_SUFFIXES or not count_rows(inputs[0]):
        return False
    import pyarrow.parquet as pq

    return not set(RESULT_FIELDS) & set(pq.ParquetFile(inputs[0]).schema_arrow.names)


def _group_sizes(path: Path) -> list[int]:
    import pyarrow.parquet as pq

    metadata = pq.ParquetFile(path).metadata
    return [metadata.row_group(index).num_rows for index in range(metadata.num_row_groups)]


def _piece_groups(piece: Slice, sizes: list[int]) -> tuple[int, ...]:
    """The sizes of the row groups a slice holds when its worker writes one result file per group: whole, non-empty
    row groups only (else () and the parent cuts the results into groups itself)."""
    if piece.kind != "groups" or not sizes or not all(sizes):
        return ()
    return tuple(sizes[piece.begin : piece.end])


def _group_file(folder: Path, group: int) -> Path:
    return folder / f"results-{group:05d}.parquet"


class _GroupResults:
    """Result batches of a slice of whole row groups, written as one single-group parquet file per row group."""

    def __init__(self, folder: Path, first_group: int, sizes: tuple[int, ...]) -> None:
        self.folder, self.group, self.sizes = folder, first_group, list(sizes)
        self.held: list[Any] = []
        self.rows = 0

    def write(self, batch: Any) -> None:
        """Add a result batch; every row group completed by it is written."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.held.append(batch)
        self.rows += batch.num_rows
        while self.sizes and self.rows >= self.sizes[0]:
            size = self.sizes.pop(0)
            table = pa.Table.from_batches(self.held)
            pq.write_table(table.slice(0, size), _group_file(self.folder, self.group), row_group_size=size)
            rest = table.slice(size)
            self.held = rest.to_batches() if rest.num_rows else []
            self.rows = rest.num_rows
            self.group += 1

    def close(self) -> None:
        """Check that the slice gave exactly its row groups' rows."""
        if self.sizes or self.rows:
            raise RuntimeError(f"results of row group {self.group} do not match its size")


def _append_results(appender: ColumnAppender, parts: list[Path], folder: Path) -> None:
    """Add to each remaining row group of ``appender`` its result columns: cut from the workers' result parts, in
    order (slices of row ranges, or around empty row groups), and encoded here (a few small columns)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from mathreward.rewards.base import RESULT_FIELDS
    from mathreward.scoring.spec import result_types

    types = result_types()
    empty = pa.schema([(name, types[name]) for name in RESULT_FIELDS]).empty_table()  # an empty row group's
    batches = (batch for part in parts for batch in pq.ParquetFile(part).iter_batches(65536, use_threads=False))
    held: list[Any] = []
    held_rows = 0
    for index in range(appender.done, len(appender.groups)):
        size = appender.group_rows(index)
        while held_rows < size:
            batch = next(batches)
            held.append(batch)
            held_rows += batch.num_rows
        table = pa.Table.from_batches(held) if held else empty
        extra = folder / f"results-{index:05d}.parquet"
        pq.write_table(table.slice(0, size), extra, row_group_size=max(1, size))
        appender.add(extra)
        extra.unlink()
        rest = table.slice(size)
        held = rest.to_batches() if rest.num_rows else []
        held_rows = rest.num_rows


def _check_parts_folder(output: Path) -> None:
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise ScoreError(f"--output-parts writes a new folder: {output} already exists and is not empty")
    if not output.parent.exists():
        raise ScoreError(f"output folder {str(output.parent)!r} does not exist")
    if output.exists():
        output.rmdir()


def _part_name(task: Task) -> str:
    from mathreward.tables import PARQUET_SUFFIXES

    suffix = ".parquet" if Path(task.output).suffix.lower() in PARQUET_SUFFIXES else ".jsonl"
    return f"part-{task.index:05d}{suffix}"


def score_slice(task: Task, progress: Any = None) -> Totals:
    """Read ``task.piece``, score it batch by batch and write its part file; the counts for the summary.
    ``progress``: a shared counter (``multiprocessing.Value``) the rows done are added to. A bad row raises
    ``TableError`` with its row counted from the start of the file."""
    import pyarrow as pa

    from mathreward.rewards.base import RESULT_FIELDS
    from mathreward.scoring.batches import build_scorer, score_batch
    from mathreward.scoring.spec import result_types
    from mathreward.tables import Batch, TableError, global_row_error, part_writer, read_slice, top_columns

    totals = Totals(task.spec.reward)
    types = result_types()
    columns = None
    if task.results_only:  # the fields the reward reads (prompts only when it judges them)
        scorer = build_scorer(task.spec)
        fields = [name for name in task.spec.fields() if name != task.spec.prompt_field or _uses_prompts(scorer)]
        columns = top_columns(task.piece.path, fields)
    try:
        groups = _GroupResults(Path(task.folder), task.piece.begin, task.group_rows) if task.group_rows else None
        with part_writer(Path(task.folder), task.index, Path(task.output), types) as writer:
            for batch in read_slice(task.piece, BATCH_ROWS, columns):
                result = score_batch(task.spec, batch)
                if task.results_only:
                    arrays = [pa.array(result.columns[name], type=types[name]) for name in RESULT_FIELDS]
                    results = pa.record_batch(arrays, names=RESULT_FIELDS)
                    if groups is not None:
                        groups.write(results)
                    else:
                        writer.write(Batch(batch.path, batch.start, arrow=results))
                else:
                    writer.write(batch, result.columns)
                totals.add(result)
                if progress is not None:
                    with progress.get_lock():
                        progress.value += len(batch)
        if groups is not None:
            groups.close()
    except TableError as exc:
        raise global_row_error(exc, task.piece) from None
    return totals


def _uses_prompts(scorer: Any) -> bool:
    return bool(getattr(getattr(scorer, "inner", scorer), "uses_prompts", True))


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


def _known_rows(tasks: list[Task]) -> int | None:
    counts = [task.piece.rows for task in tasks]
    return None if any(count < 0 for count in counts) else sum(counts)


_counter: Any = None  # the shared progress counter, in a worker process


def setup_scoring_process() -> None:
    """Set up a process that only scores (a pool worker, the ``mathreward score`` command), for two start-up and
    per-row costs a scoring process need not pay:

    - Arrow allocates from the C library's ``malloc``. Its default, mimalloc, maps memory in large segments the
      kernel backs with huge pages, so each batch's buffers cost page faults that zero 2 MB at a time.
    - Arrow converts Python lists without importing pandas. The first conversion in a process imports pandas (some
      hundreds of modules in each worker) only to ask whether the values are pandas objects; a scoring process never
      passes any. pandas stays importable; Arrow then takes pandas objects as plain sequences."""
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())
    if "pandas" not in sys.modules:
        blocker = _NoPandas()
        sys.meta_path.insert(0, blocker)
        try:
            pa.array([0])  # Arrow looks for pandas once per process: now, and finds none
        finally:
            sys.meta_path.remove(blocker)


class _NoPandas(importlib.abc.MetaPathFinder):
    """An import finder under which pandas cannot be imported."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r} (not loaded by a scoring process)", name=name)
        return None


def _init_worker(counter: Any, parent_pid: int) -> None:
    global _counter
    worker_start(parent_pid)  # never outlives the parent, whatever kills it
    _counter = counter
    setup_scoring_process()


def _pool_task(task: Task) -> Totals:
    return score_slice(task, _counter)


def _run_tasks(
    tasks: list[Task], workers: int, total: int | None, progress: bool, started: Callable[[], None] | None = None
) -> Any:
    """The tasks' totals, in task order, each as soon as its task and every one before it have ended, from
    ``workers`` processes (in this process for one worker or one task), with a progress bar over the rows done.
    ``started``: called once the tasks are under way (work of the caller's that can overlap with theirs)."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    from tqdm import tqdm

    bar = tqdm(total=total, unit="rollout", desc="score", disable=not progress, file=sys.stderr, delay=0.5)
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    counter = context.Value("q", 0)
    if workers == 1 or len(tasks) == 1:
        from mathreward.scoring.batches import close_scorers

        try:
            if started is not None:
                started()
            for task in tasks:
                before = counter.value
                result = score_slice(task, counter)
                bar.update(counter.value - before)
                yield result
        finally:
            close_scorers()
            bar.close()
        return
    import mathreward.verifiers  # noqa: F401 - imported once here, not in every forked worker

    # forked where the platform allows, so rewards registered in this process exist in the workers too
    pool = ProcessPoolExecutor(
        min(workers, len(tasks)), mp_context=context, initializer=_init_worker, initargs=(counter, os.getpid())
    )
    try:
        futures = [pool.submit(_pool_task, task) for task in tasks]
        if started is not None:
            started()
        pending = set(futures)
        shown = 0
        for future in futures:
            while not future.done():
                done, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
                bar.update(counter.value - shown)
                shown = counter.value
                for finished in done:
                    if finished.exception() is not None:
                        raise finished.exception()  # type: ignore[misc]
            bar.update(counter.value - shown)
            shown = counter.value
            yield future.result()
    except BrokenProcessPool:
        raise ScoreError("a scoring worker process died (out of memory?); no output was written") from None
    except BaseException:  # a failed task, Ctrl-C, SIGTERM: the workers stop now, not after their slices
        stop_pool(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        bar.close()
