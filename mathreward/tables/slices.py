"""Slices of one input file that workers read on their own, with row numbers in errors kept those of the whole file.

``plan_slices(path, parts)`` cuts a file into ``Slice`` objects a worker reads with ``read_slice`` (parquet row
groups; record-batch row ranges of a parquet file written as one row group; byte ranges of a jsonl file aligned to
line starts; json and csv files whole). ``global_row_error`` turns a slice's row number into the file's.
"""

from __future__ import annotations

import bisect
import itertools
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mathreward.tables.errors import TableError, first_line
from mathreward.tables.fields import Batch
from mathreward.tables.reading import (
    PARQUET_SUFFIXES,
    check_input,
    is_json_document,
    jsonl_record,
    parquet_batches,
    read_batches,
    record_batches,
)

JSONL_MIN_SLICE_BYTES = 4 << 20  # a jsonl slice is at least this long

DECODE_SHARE = 0.17  # of the time to score a parquet row, the part spent decoding it (measured: 0.13 routed, 0.2 dapo)


@dataclass(frozen=True)
class Slice:
    """A part of one input file that a worker reads on its own.

    ``kind``: "groups" (parquet row groups ``begin``..``end``), "rows" (rows ``begin``..``end`` of a parquet file,
    read as record batches: for a file written as one row group), "bytes" (jsonl bytes ``begin``..``end``, each
    line read by the slice its first byte falls in) or "whole" (the file). ``first_row``: the 0-based index of the
    slice's first row in the file (-1 for "bytes": counted only when an error needs it). ``rows``: its row count
    when known (else -1)."""

    path: str
    kind: str
    begin: int
    end: int
    first_row: int
    rows: int = -1


def plan_slices(path: str | os.PathLike, parts: int, readers: int | None = None) -> list[Slice]:
    """Cut ``path`` into about ``parts`` slices of similar size, in file order (one slice at least).

    A parquet file written as one row group is cut into ``readers`` row ranges (default ``parts``) instead: each
    reader decodes the rows before its range too, so there should be no more ranges than readers."""
    path = check_input(path)
    parts = max(1, parts)
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return _parquet_slices(path, parts, max(1, readers or parts))
    if suffix == ".jsonl" or (suffix == ".json" and not is_json_document(path)):
        size = path.stat().st_size
        count = max(1, min(parts, size // JSONL_MIN_SLICE_BYTES))
        bounds = [size * index // count for index in range(count + 1)]
        return [Slice(str(path), "bytes", bounds[i], bounds[i + 1], 0 if i == 0 else -1) for i in range(count)]
    return [Slice(str(path), "whole", 0, 0, 0)]


def _parquet_slices(path: Path, parts: int, readers: int) -> list[Slice]:
    import pyarrow.parquet as pq

    try:
        metadata = pq.ParquetFile(path).metadata
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for corrupt or non-parquet files
        raise TableError(path, f"cannot be read as parquet ({first_line(exc)})") from None
    sizes = [metadata.row_group(index).num_rows for index in range(metadata.num_row_groups)]
    total = sum(sizes)
    if len(sizes) > 1 or parts == 1 or total == 0:
        if not sizes:
            return [Slice(str(path), "groups", 0, 0, 0, 0)]
        ends = list(itertools.accumulate(sizes))  # rows up to the end of each group
        cuts = {0, len(sizes)}
        for index in range(1, parts):  # each cut at the group boundary nearest to an even share of the rows
            mark = total * index / parts
            after = bisect.bisect_left(ends, mark)  # the first group ending at or past the mark
            nearest = after if after == 0 or ends[after] - mark <= mark - ends[after - 1] else after - 1
            cuts.add(nearest + 1)
        bounds = sorted(cuts)
        starts = [0, *ends]
        slices = [
            Slice(str(path), "groups", lo, hi, starts[lo], starts[hi] - starts[lo])
            for lo, hi in itertools.pairwise(bounds)
        ]
        return [piece for piece in slices if piece.rows] or slices[:1]
    bounds = _row_range_bounds(total, readers)
    return [
        Slice(str(path), "rows", bounds[i], bounds[i + 1], bounds[i], bounds[i + 1] - bounds[i])
        for i in range(readers)
        if bounds[i + 1] > bounds[i]
    ]


def _row_range_bounds(total: int, readers: int) -> list[int]:
    """The bounds of ``readers`` row ranges of one row group, longer first, so that readers that each decode every
    row up to the end of their range (and score only their own) end together: with ``a = 1 - DECODE_SHARE``, range
    ``i`` ends at ``total * (1 - a**i) / (1 - a**readers)`` (each reader then decodes ``d`` per row up to its end and
    scores ``s`` per row of its own, the same ``end * d + rows * s`` for all; even ranges as the share goes to 0)."""
    keep = 1.0 - DECODE_SHARE
    return [round(total * (1.0 - keep**index) / (1.0 - keep**readers)) for index in range(readers + 1)]


def read_slice(piece: Slice, batch_size: int = 8192, columns: Sequence[str] | None = None) -> Iterator[Batch]:
    """The rows of one slice as ``Batch`` objects (``start`` counts from the file's first row, except for jsonl
    byte slices after the first, whose rows count from the slice's: see ``global_row_error``). ``columns``: the
    top-level parquet columns to read (default: all; other formats are read whole)."""
    path = Path(piece.path)
    if piece.kind == "whole":
        yield from read_batches(path, batch_size)
    elif piece.kind == "bytes":
        yield from _jsonl_slice(path, piece, batch_size)
    else:
        yield from _parquet_slice(path, piece, batch_size, columns)


def top_columns(path: str | os.PathLike, fields: Iterable[str]) -> list[str]:
    """The top-level columns of a parquet file that dotted ``fields`` start from (as ``Batch.select`` keeps)."""
    import pyarrow.parquet as pq

    names = pq.ParquetFile(path).schema_arrow.names
    keep: list[str] = []
    for field in fields:
        top = field if field in names else field.split(".", 1)[0]
        if top in names and top not in keep:
            keep.append(top)
    return keep


def _parquet_slice(path: Path, piece: Slice, batch_size: int, columns: Sequence[str] | None) -> Iterator[Batch]:
    if piece.kind == "groups":
        groups = range(piece.begin, piece.end)
        yield from parquet_batches(path, batch_size, columns=columns, row_groups=groups, first_row=piece.first_row)
        return
    for batch in parquet_batches(path, batch_size, columns=columns):  # "rows": the file has one row group
        row, stop = batch.start, batch.start + len(batch)
        if stop <= piece.begin:
            continue  # rows before the slice: decoded and dropped
        lo, hi = max(row, piece.begin), min(stop, piece.end)
        if lo >= hi:
            return
        arrow = batch.arrow
        assert arrow is not None  # parquet batches hold Arrow
        yield Batch(path, lo, arrow=arrow.slice(lo - row, hi - lo))


def _jsonl_slice(path: Path, piece: Slice, batch_size: int) -> Iterator[Batch]:
    """The lines whose first byte lies in ``piece.begin``..``piece.end`` (a line that starts before ``begin`` belongs
    to the slice before)."""
    yield from record_batches(path, _jsonl_slice_records(path, piece), batch_size)


def _jsonl_slice_records(path: Path, piece: Slice) -> Iterator[dict[str, Any]]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise TableError(path, f"cannot be read ({exc.strerror or exc})") from None
    with handle:
        position = piece.begin
        if piece.begin > 0:
            handle.seek(piece.begin - 1)
            position += len(handle.readline()) - 1  # the rest of a line that started before the slice
        line_number = 0
        while position < piece.end:
            raw = handle.readline()
            if not raw:
                break
            position += len(raw)
            line_number += 1
            if line_number == 1 and piece.begin == 0 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            try:
                record = jsonl_record(raw)
            except ValueError as exc:
                raise _line_error(path, piece, str(exc), line_number) from None
            yield record


class _CountedRowError(TableError):
    """A ``TableError`` whose row is already counted from the start of the file (a jsonl line)."""


def _line_error(path: Path, piece: Slice, message: str, line: int) -> TableError:
    lines_before, _records = _counts_before(path, piece.begin) if piece.begin else (0, 0)
    return _CountedRowError(path, message, row=lines_before + line)


def _counts_before(path: Path, end: int) -> tuple[int, int]:
    """(lines, non-blank lines) of a jsonl file whose first byte lies before ``end`` (for error rows only)."""
    lines = records = 0
    with path.open("rb") as handle:
        position = 0
        for raw in handle:
            if position >= end:
                break
            position += len(raw)
            lines += 1
            records += bool(raw.strip())
    return lines, records


def global_row_error(error: TableError, piece: Slice) -> TableError:
    """``error`` (raised for a row of a ``Batch`` of ``piece``) with its row counted from the start of the file."""
    if isinstance(error, _CountedRowError):
        return TableError(error.path, error.message, row=error.row, field=error.field)
    if piece.kind != "bytes" or piece.begin == 0 or error.row is None or error.path != piece.path:
        return error
    _lines, records = _counts_before(Path(piece.path), piece.begin)
    return TableError(error.path, error.message, row=records + error.row, field=error.field)
