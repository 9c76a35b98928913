"""`mathreward score --ray`: the same scoring as a Ray Data pipeline, on a local Ray or an existing cluster.

Pipeline: the driver reads the inputs (files or folders of jsonl / json / parquet / csv) with the project's table
reader in batches and puts each batch in Ray's object store as a block, tagged with its file and first row number ->
``map_batches`` with a pool of scoring actors (the reward is built once per actor; each block is one call of
``scoring.batches.score_batch``, the function the single-machine command runs) -> ``write_parquet`` into a temporary
folder, renamed to OUTDIR when every block is written. Blocks live in the object store (spilled to disk when large),
so an actor that dies is restarted by Ray and its block scored again: every input row comes out once. A bad row
raises the same one-line ``TableError`` (file, row, field) as the single-machine command.

``pip install 'mathreward[ray]'`` installs Ray; ``--ray-address`` joins a cluster started with ``ray start --head``
(and ``ray start --address HEAD:6379`` on the other machines); by default a local Ray is started for the run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

from mathreward.ray_support import RAY_INSTALL_HINT, import_ray, quiet_data_context, start_ray
from mathreward.scoring.batches import RewardBuildError, ScoreSpec, result_types, score_batch
from mathreward.tables import READ_SUFFIXES, Batch, TableError, read_batches

__all__ = ["RAY_INSTALL_HINT", "expand_inputs", "import_ray", "score_with_ray"]

FILE_COLUMN = "__mathreward_file"
ROW_COLUMN = "__mathreward_row"
JSON_COLUMN = "__mathreward_json"
BATCH_ROWS = 8192
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


def block_of(batch: Batch, file_index: int) -> Any:
    """A batch as an Arrow table tagged with its file and first row (jsonl rows travel as JSON text)."""
    import pyarrow as pa

    n = len(batch)
    if batch.arrow is not None:
        table = pa.Table.from_batches([batch.arrow])
    else:
        texts = [json.dumps(record, ensure_ascii=False, default=str) for record in batch.records or []]
        table = pa.table({JSON_COLUMN: pa.array(texts, type=pa.large_string())})
    table = table.append_column(FILE_COLUMN, pa.array([file_index] * n, type=pa.int32()))
    return table.append_column(ROW_COLUMN, pa.array(range(batch.start, batch.start + n), type=pa.int64()))


class BlockScorer:
    """The Ray actor: builds each file's reward once (``score_batch`` keeps it) and scores one block per call."""

    def __init__(self, files: list[str], specs: list[ScoreSpec]) -> None:
        self.files = files
        self.specs = specs

    def __call__(self, table: Any) -> Any:
        import pyarrow as pa

        if table.num_rows == 0:
            return table
        file_index = table.column(FILE_COLUMN)[0].as_py()
        start = table.column(ROW_COLUMN)[0].as_py()
        data = table.drop_columns([FILE_COLUMN, ROW_COLUMN])
        path = self.files[file_index]
        if JSON_COLUMN in data.column_names:
            batch = Batch(path, start, records=[json.loads(text) for text in data.column(JSON_COLUMN).to_pylist()])
        else:
            batch = Batch(path, start, arrow=data)
        try:
            result = score_batch(self.specs[file_index], batch)
        except (TableError, RewardBuildError) as exc:  # Ray keeps only the text of a worker's exception
            raise RuntimeError(ERROR_MARK + json.dumps(_error_state(exc)) + ERROR_MARK) from None
        types = result_types()
        if batch.arrow is None:
            from mathreward.tables import records_table

            merged = [
                {**record, **{name: values[i] for name, values in result.columns.items()}}
                for i, record in enumerate(batch.records or [])
            ]
            return records_table(merged)
        out = data
        for name, values in result.columns.items():
            column = pa.array(values, type=types[name])
            if name in out.column_names:
                out = out.set_column(out.column_names.index(name), name, column)
            else:
                out = out.append_column(name, column)
        return out


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
    address: str | None = None,
    workers: int | None = None,
    progress: bool = True,
    **settings: Any,
) -> dict[str, Any]:
    """Score ``inputs`` on Ray and write parquet files into the new folder ``output_dir``; returns the summary."""
    from mathreward.scoring.spec import ScoreError, check_reward_options, resolve_spec
    from mathreward.scoring.summary import Totals
    from mathreward.tables import check_input

    import_ray()  # before any work: say how to install it
    output_dir = Path(output_dir)
    if output_dir.exists() and (not output_dir.is_dir() or any(output_dir.iterdir())):
        raise ScoreError(f"--ray writes a folder of parquet files: {output_dir} already exists and is not empty")
    if not output_dir.parent.exists():
        raise ScoreError(f"output folder {str(output_dir.parent)!r} does not exist")
    paths = expand_inputs(list(inputs))
    for path in paths:
        check_input(path)
    if workers is not None and workers < 1:
        raise ScoreError(f"--workers must be at least 1, got {workers}")
    reward_settings = {key: settings[key] for key in ("reward", "style", "timeout", "max_len", "buffer_len")}
    base_options = check_reward_options(
        reward_settings["reward"],
        reward_settings["style"],
        1,
        reward_settings["timeout"],
        reward_settings["max_len"],
        reward_settings["buffer_len"],
        settings.get("reward_options"),
    )
    started = time.perf_counter()
    ray, started_here = start_ray(address, workers)
    tmp = output_dir.with_name(f"{output_dir.name}.tmp-{os.getpid()}")
    try:
        refs, specs = [], []
        for file_index, path in enumerate(paths):
            spec = None
            for batch in read_batches(path, BATCH_ROWS):
                if spec is None:
                    spec = resolve_spec(batch, base_options, True, **settings)
                refs.append(ray.put(block_of(batch, file_index)))
            specs.append(spec or resolve_spec(Batch(path, 0, records=[]), base_options, True, **settings))
        _run_pipeline(ray, refs, [str(p) for p in paths], specs, tmp, workers, progress)
        if output_dir.exists():
            output_dir.rmdir()
        os.replace(tmp, output_dir)
    except Exception as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        found = _user_error(exc)
        if found is not None and found is not exc:
            raise found from None
        raise
    finally:
        if started_here:
            ray.shutdown()
    totals = summary_from_output(output_dir, settings["reward"], Totals)
    seconds = time.perf_counter() - started
    return totals.summary(seconds, input_path=", ".join(map(str, paths)), output_path=output_dir)


def _run_pipeline(
    ray: Any, refs: list, files: list[str], specs: list[ScoreSpec], tmp: Path, workers: int | None, progress: bool
) -> None:
    import ray.data

    quiet_data_context(progress)
    if not refs:
        tmp.mkdir()
        return
    actors = max(1, min(len(refs), workers or int(ray.cluster_resources().get("CPU", 1))))
    dataset = ray.data.from_arrow_refs(refs)
    scored = dataset.map_batches(
        BlockScorer,
        fn_constructor_args=(files, specs),
        batch_size=None,  # one block (one batch of the reader) per call: its rows keep their numbers
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=actors),
        num_cpus=1,  # Ray Data restarts an actor that dies and scores its block again (max_restarts=-1 by default)
    )
    scored.write_parquet(str(tmp))


def summary_from_output(output_dir: Path, reward: str, totals_class: Any) -> Any:
    """The summary counts, read back from the written parquet files (result columns and data sources)."""
    import pyarrow.parquet as pq

    from mathreward.scoring.batches import BatchResult

    totals = totals_class(reward)
    for path in sorted(output_dir.glob("*.parquet")):
        handle = pq.ParquetFile(path)
        names = handle.schema_arrow.names
        wanted = [name for name in ("score", "correct", "pred", "status", "data_source") if name in names]
        table = handle.read(columns=wanted)
        columns = {name: table.column(name).to_pylist() for name in ("score", "correct", "pred", "status")}
        sources = table.column("data_source").to_pylist() if "data_source" in names else [None] * table.num_rows
        from collections import Counter

        from mathreward.rewards.routing import route

        names_used = [route(s) for s in sources] if reward == "routed" else [reward] * table.num_rows
        routes = Counter(zip(("" if s is None else str(s) for s in sources), names_used, strict=True))
        totals.add(BatchResult(columns, routes))
    return totals
