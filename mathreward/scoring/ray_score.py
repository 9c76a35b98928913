"""`mathreward score --ray`: the same scoring on a Ray cluster (or a local Ray), where each task reads its own slice.

The driver plans and never holds the data: it reads the head of each input (files, or folders of jsonl / json /
parquet / csv) to resolve its fields, cuts the inputs into slices (``tables.plan_slices``: parquet row groups, row
ranges of a parquet file written as one row group, jsonl byte ranges) and hands Ray one task per slice: the file
path and the range. Tasks are placed round-robin on the cluster's nodes (softly: a node that is gone or full passes
its task on), and each reads its slice, scores it (``scoring.score_files.score_slice``, the function the local
command runs) and writes its own parquet part (``part-00000.parquet``, ... in input order) into a temporary folder
next to OUTDIR, renamed to OUTDIR when every part is written. The inputs and OUTDIR's parent must therefore be
reachable at the same path from every node (one machine, or a shared file system). A task whose worker dies is run
again by Ray and rewrites its part (parts are written atomically): every input row comes out once. A bad row raises
the same one-line ``TableError`` (file, row, field) as the local command.

``pip install 'mathreward[ray]'`` installs Ray; ``--ray-address`` joins a cluster started with ``ray start --head``
(and ``ray start --address HEAD:6379`` on the other machines); by default a local Ray is started for the run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from mathreward.ray_support import RAY_INSTALL_HINT, import_ray, start_ray
from mathreward.scoring.batches import RewardBuildError
from mathreward.scoring.spec import ScoreError, ScoreOptions
from mathreward.tables import READ_SUFFIXES, TableError
from mathreward.temp_files import temp_sibling

__all__ = ["RAY_INSTALL_HINT", "expand_inputs", "import_ray", "score_task", "score_with_ray"]

ERROR_MARK = "@@mathreward-error@@"


def expand_inputs(inputs: list[str | Path]) -> list[Path]:
    """Files named, and the table files inside folders named (sorted), in order; a folder with none is an error."""
    paths: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in READ_SUFFIXES)
            if not found:
                raise TableError(path, f"folder holds no {', '.join(READ_SUFFIXES)} file")
            paths.extend(found)
        else:
            paths.append(path)
    return paths


def _error_state(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, TableError):
        return {"kind": "table", "path": exc.path, "message": exc.message, "row": exc.row, "field": exc.field}
    return {"kind": "reward", "message": str(exc)}


def _user_error(exc: BaseException) -> BaseException | None:
    """Our one-line error (``TableError``, ``RewardBuildError``) raised in a worker, rebuilt from the Ray error."""
    if isinstance(exc, (TableError, RewardBuildError)):
        return exc
    match = re.search(re.escape(ERROR_MARK) + "(.*?)" + re.escape(ERROR_MARK), str(exc))
    if match is None:
        return None
    state = json.loads(match.group(1))
    if state["kind"] == "table":
        return TableError(
            state["path"] or state["message"], state["message"] if state["path"] else None, state["row"], state["field"]
        )
    return RewardBuildError(state["message"])


def score_with_ray(
    inputs: list[str | Path],
    output_dir: str | Path,
    *,
    options: ScoreOptions | None = None,
    address: str | None = None,
    **keywords: Any,
) -> dict[str, Any]:
    """Score ``inputs`` on Ray and write parquet parts into the new folder ``output_dir``; returns the summary
    (with ``nodes``: rows scored per Ray node id). ``options``: a ``ScoreOptions`` (its fields may also be given, or
    overridden, as keywords); its ``workers`` is the number of Ray readers (None: the cluster's CPUs)."""
    from dataclasses import replace

    from mathreward.scoring.score_files import SLICES_PER_WORKER, Task
    from mathreward.scoring.summary import Totals
    from mathreward.tables import check_input, plan_slices

    import_ray()  # before any work: say how to install it
    output_dir = Path(output_dir)
    if output_dir.exists() and (not output_dir.is_dir() or any(output_dir.iterdir())):
        raise ScoreError(f"--ray writes a folder of parquet files: {output_dir} already exists and is not empty")
    if not output_dir.parent.exists():
        raise ScoreError(f"output folder {str(output_dir.parent)!r} does not exist")
    paths = expand_inputs(list(inputs))
    for path in paths:
        check_input(path)
    options = replace(options or ScoreOptions(), **keywords)
    workers, progress = options.workers, options.progress
    if workers is not None and workers < 1:
        raise ScoreError(f"--workers must be at least 1, got {workers}")
    base_options = options.base_options(1)
    started = time.perf_counter()
    ray, started_here = start_ray(address, workers)
    tmp = temp_sibling(output_dir)  # dead runs' leftovers for this output are removed here
    totals = Totals(options.reward)
    nodes: dict[str, int] = {}
    try:
        readers = max(1, workers or int(ray.cluster_resources().get("CPU", 1)))
        tmp.mkdir()
        tasks = []
        for path in paths:
            spec = options.spec_for(path, base_options, True)
            for piece in plan_slices(path, readers * SLICES_PER_WORKER, readers):
                tasks.append(Task(spec, piece, len(tasks), str(tmp), str(tmp / "part.parquet")))
        for result, node in _run_tasks(ray, tasks, progress):
            totals.merge(result)
            nodes[node] = nodes.get(node, 0) + result.rows
        for stray in tmp.glob("*.tmp-*"):
            stray.unlink()  # a part a dead worker had begun (its task was run again)
        if output_dir.exists():
            output_dir.rmdir()
        os.replace(tmp, output_dir)
    except BaseException as exc:  # Ctrl-C and SIGTERM too: no temporary folder is left
        shutil.rmtree(tmp, ignore_errors=True)
        if not isinstance(exc, Exception):
            raise
        found = _user_error(exc)
        if found is not None and found is not exc:
            raise found from None
        raise
    finally:
        if started_here:
            ray.shutdown()
    seconds = time.perf_counter() - started
    summary = totals.summary(seconds, input_path=", ".join(map(str, paths)), output_path=output_dir)
    summary["nodes"] = nodes
    return summary


def score_task(task: Any) -> tuple[Any, str]:
    """A Ray task: score one slice into its part; (the slice's totals, the id of the node it ran on)."""
    import ray

    from mathreward.scoring.score_files import score_slice, setup_scoring_process

    setup_scoring_process()  # as in a local pool worker: Arrow on malloc, no pandas import on the first conversion
    try:
        return score_slice(task), ray.get_runtime_context().get_node_id()
    except (TableError, RewardBuildError) as exc:  # Ray may keep only the text of a worker's exception
        raise RuntimeError(ERROR_MARK + json.dumps(_error_state(exc)) + ERROR_MARK) from None


def _run_tasks(ray: Any, tasks: list[Any], progress: bool) -> Any:
    """(totals, node id) of every task, in task order; the tasks go round-robin to the nodes with CPUs."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
    from tqdm import tqdm

    nodes = sorted(node["NodeID"] for node in ray.nodes() if node.get("Alive") and node["Resources"].get("CPU"))
    remote = ray.remote(num_cpus=1, max_retries=3)(score_task)
    refs = []
    for index, task in enumerate(tasks):
        options: dict[str, Any] = {}
        if nodes:
            options["scheduling_strategy"] = NodeAffinitySchedulingStrategy(nodes[index % len(nodes)], soft=True)
        refs.append(remote.options(**options).remote(task))
    rows = sum(max(0, task.piece.rows) for task in tasks) if all(task.piece.rows >= 0 for task in tasks) else None
    with tqdm(total=rows, unit="rollout", desc="score --ray", disable=not progress, file=sys.stderr) as bar:
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                bar.update(ray.get(ref)[0].rows)
    return [ray.get(ref) for ref in refs]
