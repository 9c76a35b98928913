"""Part files: each worker writes its slices' rows to a part (``part_writer``); ``join_parts`` puts the parts
together in order as one file (parquet row groups copied byte for byte, jsonl bytes appended).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mathreward.tables.fields import Batch
from mathreward.tables.reading import PARQUET_SUFFIXES
from mathreward.tables.writing import TableWriter, temp_path


def part_writer(folder: Path, index: int, output: Path, new_types: dict[str, Any] | None = None) -> TableWriter:
    """The writer of part ``index`` of ``output`` in ``folder`` (parquet parts for parquet output, jsonl parts for
    jsonl and json output)."""
    suffix = ".parquet" if output.suffix.lower() in PARQUET_SUFFIXES else ".jsonl"
    return TableWriter(folder / f"part-{index:05d}{suffix}", new_types)


def join_parts(parts: Sequence[Path], output: Path, sources: Sequence[tuple[str, int]] | None = None) -> Path:
    """Put the part files together as ``output`` in order, atomically: parquet row groups copied as they are (parts
    of one schema) or re-written (parts that differ: jsonl rows whose types vary, several inputs), jsonl bytes
    appended, json written as one list. ``sources``: each part's input file and first row (for errors)."""
    tmp = temp_path(output)
    kind = output.suffix.lower()
    try:
        if kind in PARQUET_SUFFIXES:
            from mathreward.parquet_parts import PartsDiffer, concat_parquet

            try:
                concat_parquet(parts, tmp)
            except PartsDiffer:
                tmp.unlink(missing_ok=True)
                _rewrite_parts(parts, output, sources)
                return output
        else:
            with open(tmp, "wb") as out:
                if kind == ".json":
                    out.write(b"[")
                first = True
                for part in parts:
                    with open(part, "rb") as handle:
                        if kind == ".json":
                            for line in handle:
                                out.write((b"" if first else b", ") + line.rstrip(b"\n"))
                                first = False
                        else:
                            import shutil

                            shutil.copyfileobj(handle, out, 1 << 20)
                if kind == ".json":
                    out.write(b"]\n")
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)
    return output


def _rewrite_parts(parts: Sequence[Path], output: Path, sources: Sequence[tuple[str, int]] | None) -> None:
    """Parquet parts whose schemas differ, read back and written as one file (cast to the first part's schema)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = [pq.read_table(part) for part in parts]
    kept = [index for index, table in enumerate(tables) if table.num_rows] or [0]  # an empty part has no columns
    tables = [tables[index] for index in kept]
    sources = [sources[index] for index in kept] if sources else None
    parts = [parts[index] for index in kept]
    try:  # jsonl parts: a column null in one part and typed in another
        schema = pa.unify_schemas([table.schema for table in tables], promote_options="permissive")
        tables = [table.cast(schema) for table in tables]
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, ValueError):
        pass  # several inputs whose columns differ: the writer below names the first that does not fit
    with TableWriter(output) as writer:
        for index, table in enumerate(tables):
            path, start = sources[index] if sources else (str(parts[index]), 0)
            for record_batch in table.to_batches():
                writer.write(Batch(path, start, arrow=record_batch))
                start += record_batch.num_rows
