"""Join parquet files of the same schema into one file by copying their row groups' bytes: no decoding, no
re-encoding (``concat_parquet``), for the part files that `mathreward score` workers write side by side.

A parquet file is ``PAR1``, the column chunks of its row groups (and optional page indexes), the footer (Thrift
compact-protocol ``FileMetaData``), the footer's length and ``PAR1``. Joining copies each part's bytes between the
leading magic and its footer, one after another, and writes one footer holding every part's row groups with their
byte offsets moved by where the part's bytes now start. The footer is read and written by a small generic reader and
writer of the compact protocol, so every field it does not know passes through unchanged.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["ColumnAppender", "PartsDiffer", "concat_parquet", "read_footer"]

MAGIC = b"PAR1"
_STOP, _TRUE, _FALSE, _BYTE, _I16, _I32, _I64, _DOUBLE, _BINARY, _LIST, _SET, _MAP, _STRUCT = range(13)

# Field ids (parquet.thrift) of the byte offsets to move, per struct.
_FILE_ROW_GROUPS, _FILE_NUM_ROWS, _FILE_SCHEMA = 4, 3, 2
_GROUP_COLUMNS, _GROUP_NUM_ROWS, _GROUP_FILE_OFFSET, _GROUP_ORDINAL = 1, 3, 5, 7
_CHUNK_OFFSETS = (2, 4, 6)  # file_offset, offset_index_offset, column_index_offset
_CHUNK_META = 3
_META_OFFSETS = (9, 10, 11, 14)  # data_page, index_page, dictionary_page, bloom_filter


class PartsDiffer(ValueError):
    """The parts do not share one schema (their row groups cannot be joined as they are)."""


# ----------------------------------------------------------------------------------------------- compact protocol


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        value = self.data[self.pos]
        self.pos += 1
        return value

    def varint(self) -> int:
        shift = result = 0
        while True:
            byte = self.byte()
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return result
            shift += 7

    def zigzag(self) -> int:
        value = self.varint()
        return (value >> 1) ^ -(value & 1)

    def value(self, kind: int) -> Any:
        if kind in (_TRUE, _FALSE):
            return self.byte() == _TRUE  # inside a list; a field's bool is in its header
        if kind == _BYTE:
            return self.byte()
        if kind in (_I16, _I32, _I64):
            return self.zigzag()
        if kind == _DOUBLE:
            value = self.data[self.pos : self.pos + 8]
            self.pos += 8
            return value
        if kind == _BINARY:
            size = self.varint()
            value = self.data[self.pos : self.pos + size]
            self.pos += size
            return value
        if kind in (_LIST, _SET):
            header = self.byte()
            size, elem = header >> 4, header & 0x0F
            if size == 15:
                size = self.varint()
            return (elem, [self.value(elem) for _ in range(size)])
        if kind == _MAP:
            size = self.varint()
            types = self.byte() if size else 0
            key, val = types >> 4, types & 0x0F
            return (key, val, [(self.value(key), self.value(val)) for _ in range(size)])
        if kind == _STRUCT:
            return self.struct()
        raise ValueError(f"unknown thrift compact type {kind}")

    def struct(self) -> list[list[Any]]:
        fields: list[list[Any]] = []
        last = 0
        while True:
            header = self.byte()
            if header == _STOP:
                return fields
            kind, delta = header & 0x0F, header >> 4
            fid = last + delta if delta else self.zigzag()
            last = fid
            value = kind == _TRUE if kind in (_TRUE, _FALSE) else self.value(kind)
            fields.append([fid, kind, value])


class _Writer:
    def __init__(self) -> None:
        self.out = bytearray()

    def varint(self, value: int) -> None:
        while value > 0x7F:
            self.out.append((value & 0x7F) | 0x80)
            value >>= 7
        self.out.append(value)

    def zigzag(self, value: int) -> None:
        self.varint((value << 1) ^ (value >> 63))

    def value(self, kind: int, value: Any) -> None:
        if kind in (_TRUE, _FALSE):
            self.out.append(_TRUE if value else _FALSE)
        elif kind == _BYTE:
            self.out.append(value)
        elif kind in (_I16, _I32, _I64):
            self.zigzag(value)
        elif kind == _DOUBLE:
            self.out += value
        elif kind == _BINARY:
            self.varint(len(value))
            self.out += value
        elif kind in (_LIST, _SET):
            elem, items = value
            if len(items) < 15:
                self.out.append((len(items) << 4) | elem)
            else:
                self.out.append(0xF0 | elem)
                self.varint(len(items))
            for item in items:
                self.value(elem, item)
        elif kind == _MAP:
            key, val, items = value
            self.varint(len(items))
            if items:
                self.out.append((key << 4) | val)
            for k, v in items:
                self.value(key, k)
                self.value(val, v)
        elif kind == _STRUCT:
            self.struct(value)
        else:
            raise ValueError(f"unknown thrift compact type {kind}")

    def struct(self, fields: list[list[Any]]) -> None:
        last = 0
        for fid, kind, value in fields:
            wire = (_TRUE if value else _FALSE) if kind in (_TRUE, _FALSE) else kind
            if 0 < fid - last <= 15:
                self.out.append(((fid - last) << 4) | wire)
            else:
                self.out.append(wire)
                self.zigzag(fid)
            last = fid
            if kind not in (_TRUE, _FALSE):
                self.value(kind, value)
        self.out.append(_STOP)


# ----------------------------------------------------------------------------------------------- footers


def read_footer(path: str | os.PathLike) -> tuple[list[list[Any]], int]:
    """(the ``FileMetaData`` fields, the byte offset where the footer starts) of a parquet file."""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        if size < 12:
            raise ValueError(f"{path}: too short for parquet")
        handle.seek(size - 8)
        tail = handle.read(8)
        if tail[4:] != MAGIC:
            raise ValueError(f"{path}: not a parquet file (no PAR1 at the end)")
        length = struct.unpack("<I", tail[:4])[0]
        start = size - 8 - length
        handle.seek(start)
        return _Reader(handle.read(length)).struct(), start


def _field(fields: list[list[Any]], fid: int) -> list[Any] | None:
    return next((field for field in fields if field[0] == fid), None)


def _shift(fields: list[list[Any]], ids: Sequence[int], delta: int) -> None:
    for field in fields:
        if field[0] in ids and field[1] in (_I32, _I64):
            field[2] += delta


def _moved_groups(meta: list[list[Any]], delta: int, first_ordinal: int) -> list[Any]:
    found = _field(meta, _FILE_ROW_GROUPS)
    groups = found[2][1] if found is not None else []
    for ordinal, group in enumerate(groups, start=first_ordinal):
        _shift(group, (_GROUP_FILE_OFFSET,), delta)
        position = _field(group, _GROUP_ORDINAL)
        if position is not None:
            position[2] = ordinal
        columns = _field(group, _GROUP_COLUMNS)
        for chunk in columns[2][1] if columns is not None else []:
            _shift(chunk, _CHUNK_OFFSETS, delta)
            meta_data = _field(chunk, _CHUNK_META)
            if meta_data is not None:
                _shift(meta_data[2], _META_OFFSETS, delta)
    return groups


def concat_parquet(parts: Sequence[str | os.PathLike], output: str | os.PathLike) -> Path:
    """Write ``output``: the row groups of ``parts`` (parquet files of one schema, written without encryption), in
    order, copied byte for byte. Raises ``PartsDiffer`` when the parts' schemas differ (nothing is written then)."""
    output = Path(output)
    footers = [read_footer(part) for part in parts]
    if not footers:
        raise ValueError("no parts to join")
    schema = _field(footers[0][0], _FILE_SCHEMA)
    for fields, _start in footers[1:]:
        if _field(fields, _FILE_SCHEMA) != schema:
            raise PartsDiffer("the parts' schemas differ")
    merged = [list(field) for field in footers[0][0]]
    groups: list[Any] = []
    rows = 0
    with open(output, "wb") as out:
        out.write(MAGIC)
        for part, (fields, footer_start) in zip(parts, footers, strict=True):
            delta = out.tell() - len(MAGIC)
            with open(part, "rb") as handle:
                handle.seek(len(MAGIC))
                _copy(handle, out, footer_start - len(MAGIC))
            groups += _moved_groups(fields, delta, len(groups))
            found = _field(fields, _FILE_NUM_ROWS)
            rows += found[2] if found is not None else 0
        for field in merged:
            if field[0] == _FILE_ROW_GROUPS:
                field[2] = (_STRUCT, groups)
            elif field[0] == _FILE_NUM_ROWS:
                field[2] = rows
        writer = _Writer()
        writer.struct(merged)
        out.write(writer.out)
        out.write(struct.pack("<I", len(writer.out)))
        out.write(MAGIC)
    return output


def _copy(source: Any, target: Any, length: int) -> None:
    """Copy ``length`` bytes between open files (in the kernel where the platform allows)."""
    if hasattr(os, "sendfile") and length > 0:
        offset = source.tell()
        target.flush()
        sent = 0
        while sent < length:
            done = os.sendfile(target.fileno(), source.fileno(), offset + sent, length - sent)
            if done == 0:
                break
            sent += done
        target.seek(0, os.SEEK_END)
        if sent == length:
            return
        source.seek(offset + sent)
        length -= sent
    remaining = length
    while remaining > 0:
        chunk = source.read(min(remaining, 1 << 20))
        if not chunk:
            raise ValueError("part file ended early")
        target.write(chunk)
        remaining -= len(chunk)


# ----------------------------------------------------------------------------------------------- new columns

_META_TOTAL_COMPRESSED = 7
_META_TOTAL_UNCOMPRESSED = 6
_GROUP_TOTAL_BYTES, _GROUP_TOTAL_COMPRESSED = 2, 6
_CHUNK_INDEX_FIELDS = (4, 5, 6, 7)  # offset / column index offsets and lengths: the indexes are not copied
_META_BLOOM_FIELDS = (14, 15)
_FILE_KEY_VALUES, _FILE_COLUMN_ORDERS = 5, 7
_SCHEMA_CHILDREN = 5


def _chunk_range(chunk: list[list[Any]]) -> tuple[int, int]:
    """(first byte, length) of a column chunk's pages."""
    meta = _field(chunk, _CHUNK_META)
    if meta is None:
        raise PartsDiffer("a column chunk without metadata")
    fields = {fid: value for fid, _kind, value in meta[2]}
    start = fields[9]
    if fields.get(11):
        start = min(start, fields[11])
    return start, fields[_META_TOTAL_COMPRESSED]


def _copy_chunks(group: list[list[Any]], source: Any, out: Any) -> list[Any]:
    """Copy the pages of every column chunk of ``group`` from ``source`` to the end of ``out``; the chunks' fields
    with their offsets moved (page indexes and bloom filters, which are not copied, dropped)."""
    columns = _field(group, _GROUP_COLUMNS)
    moved = []
    for chunk in columns[2][1] if columns is not None else []:
        start, length = _chunk_range(chunk)
        delta = out.tell() - start
        source.seek(start)
        _copy(source, out, length)
        chunk = [list(field) for field in chunk if field[0] not in _CHUNK_INDEX_FIELDS]
        _shift(chunk, (2,), delta)
        meta = _field(chunk, _CHUNK_META)
        if meta is not None:
            meta[2] = [list(field) for field in meta[2] if field[0] not in _META_BLOOM_FIELDS]
            _shift(meta[2], _META_OFFSETS, delta)
        moved.append(chunk)
    return moved


def _sum_meta(chunks: list[Any], fid: int) -> int:
    total = 0
    for chunk in chunks:
        meta = _field(chunk, _CHUNK_META)
        found = _field(meta[2], fid) if meta is not None else None
        total += found[2] if found is not None else 0
    return total


class ColumnAppender:
    """Write ``output``: every row group of the parquet file ``source`` with the columns of its extra (a parquet file
    of one row group with as many rows) added after its own, the pages of both copied byte for byte (only the footer
    is new). One row group at a time, for extras that come one after another (a scoring run's results, appended
    while later row groups are still being scored): ``pages()`` copies the next row group's own pages (early, before
    its extra exists: they come first), ``add(extra)`` adds its extra's columns after them (copying its pages first
    if ``pages()`` was not called), ``finish()`` writes the footer once every row group has its extra. Use it as a
    context manager: the files are closed on the way out; ``output`` is left for the caller to rename or remove."""

    def __init__(self, source: str | os.PathLike, output: str | os.PathLike) -> None:
        self.source = Path(source)
        self.meta, _start = read_footer(source)
        found = _field(self.meta, _FILE_ROW_GROUPS)
        self.groups: list[Any] = found[2][1] if found is not None else []
        if not self.groups:
            raise PartsDiffer(f"{source}: no row group to add columns to")
        self.merged: list[Any] = []
        self.copied: tuple[int, list[Any]] | None = None  # (first byte, chunks) of the next group's own pages
        self.first_extra: tuple[Any, list[list[Any]]] | None = None  # (its Arrow schema, its footer)
        self.handle = open(source, "rb")  # noqa: SIM115 - closed by close()
        self.out = open(output, "wb")  # noqa: SIM115
        self.out.write(MAGIC)

    def __enter__(self) -> ColumnAppender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close both files (the output as far as it got)."""
        self.handle.close()
        self.out.close()

    def group_rows(self, index: int) -> int:
        """The number of rows of row group ``index`` of ``source``."""
        rows = _field(self.groups[index], _GROUP_NUM_ROWS)
        if rows is None:
            raise PartsDiffer(f"{self.source}: row group {index} has no row count")
        return rows[2]

    @property
    def done(self) -> int:
        """The row groups written with their extras so far."""
        return len(self.merged)

    def pages(self) -> None:
        """Copy the own pages of the next row group (once; nothing when every group is written)."""
        if self.copied is None and self.done < len(self.groups):
            first = self.out.tell()
            self.copied = (first, _copy_chunks(self.groups[self.done], self.handle, self.out))

    def add(self, extra: str | os.PathLike) -> None:
        """Add the columns of ``extra`` (one row group, as many rows as the next row group) to the next row group."""
        index = self.done
        if index >= len(self.groups):
            raise PartsDiffer(f"more extra parts than the {len(self.groups)} row groups")
        extra_fields = read_footer(extra)[0]
        extra_groups = _field(extra_fields, _FILE_ROW_GROUPS)
        extra_group = extra_groups[2][1] if extra_groups is not None else []
        rows = _field(self.groups[index], _GROUP_NUM_ROWS)
        wanted = [_GROUP_NUM_ROWS, _I64, rows and rows[2]]
        if len(extra_group) != 1 or rows is None or _field(extra_group[0], _GROUP_NUM_ROWS) != wanted:
            raise PartsDiffer(f"extra part {index} does not hold one row group of {rows and rows[2]} rows")
        if self.first_extra is None:
            import pyarrow.parquet as pq

            self.first_extra = (pq.read_schema(extra), extra_fields)
        elif _field(extra_fields, _FILE_SCHEMA) != _field(self.first_extra[1], _FILE_SCHEMA):
            raise PartsDiffer("the extra parts' schemas differ")
        self.pages()
        assert self.copied is not None
        first, chunks = self.copied
        with open(extra, "rb") as extra_handle:
            chunks += _copy_chunks(extra_group[0], extra_handle, self.out)
        self.merged.append(
            [
                [1, _LIST, (_STRUCT, chunks)],
                [2, _I64, _sum_meta(chunks, _META_TOTAL_UNCOMPRESSED)],
                [3, _I64, rows[2]],
                [5, _I64, first],
                [6, _I64, _sum_meta(chunks, _META_TOTAL_COMPRESSED)],
                [7, _I16, index],
            ]
        )
        self.copied = None

    def finish(self) -> None:
        """Write the footer: the source's, with the extras' columns added to the schema and every row group's
        chunks at their new offsets."""
        import base64

        import pyarrow.parquet as pq

        if self.done != len(self.groups) or self.first_extra is None:
            raise PartsDiffer(f"{self.done} extra parts for {len(self.groups)} row groups")
        extra_arrow, extra_meta = self.first_extra
        extra_schema = _field(extra_meta, _FILE_SCHEMA)
        fields = [list(field) for field in self.meta]
        extra_elements = extra_schema[2][1] if extra_schema is not None else []
        for field in fields:
            if field[0] == _FILE_ROW_GROUPS:
                field[2] = (_STRUCT, self.merged)
            elif field[0] == _FILE_SCHEMA:
                elements = [list(element) for element in field[2][1]]
                root = [list(item) for item in elements[0]]
                extra_root = {fid: value for fid, _kind, value in extra_elements[0]}
                for item in root:
                    if item[0] == _SCHEMA_CHILDREN:
                        item[2] += extra_root.get(_SCHEMA_CHILDREN, 0)
                field[2] = (_STRUCT, [root, *elements[1:], *extra_elements[1:]])
            elif field[0] == _FILE_COLUMN_ORDERS:
                orders = _field(extra_meta, _FILE_COLUMN_ORDERS)
                field[2] = (field[2][0], field[2][1] + (orders[2][1] if orders is not None else []))
            elif field[0] == _FILE_KEY_VALUES:
                schema = pq.ParquetFile(self.source).schema_arrow
                for extra_field in extra_arrow:
                    schema = schema.append(extra_field)
                text = base64.b64encode(schema.serialize().to_pybytes())
                items = [item for item in field[2][1] if _field(item, 1) != [1, _BINARY, b"ARROW:schema"]]
                items.append([[1, _BINARY, b"ARROW:schema"], [2, _BINARY, text]])
                field[2] = (field[2][0], items)
        writer = _Writer()
        writer.struct(fields)
        self.out.write(writer.out)
        self.out.write(struct.pack("<I", len(writer.out)))
        self.out.write(MAGIC)
        self.out.flush()
