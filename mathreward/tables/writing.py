"""Writing tables atomically: ``TableWriter`` streams batches into ``<out>.tmp-<pid>`` and renames it on success,
so a failed run leaves no file; ``write_rows`` writes a list of dicts the same way, ``write_json`` one JSON document.
Parquet output from parquet input keeps the input schema and appends the new columns.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from mathreward.tables.errors import TableError
from mathreward.tables.fields import Batch
from mathreward.tables.reading import PARQUET_SUFFIXES

WRITE_SUFFIXES = (".jsonl", ".json", ".parquet", ".pq")


def check_output_path(path: str | os.PathLike, *, suffixes: Sequence[str] = WRITE_SUFFIXES) -> Path:
    """Validate an output path before any work is done (known suffix, existing parent folder)."""
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        names = " or ".join(s for s in suffixes if s != ".pq")
        raise TableError(path, f"unsupported output type {path.suffix or '(none)'!r}; use {names}")
    if not path.parent.exists() and str(path.parent) not in ("", "."):
        raise TableError(path, f"output folder {str(path.parent)!r} does not exist")
    return path


def temp_path(path: Path) -> Path:
    """The temporary sibling a file is written to before the atomic rename (``<name>.tmp-<pid>``; dead runs'
    leftovers for the same file are removed first: see ``temp_files``)."""
    from mathreward.temp_files import temp_sibling

    return temp_sibling(path)


class TableWriter:
    """Stream batches of rows to a parquet / jsonl / json file, atomically (temp file, renamed by ``close``).

    ``write(batch, new_columns)`` appends ``batch``'s rows with ``new_columns`` (name -> one value per row; a new
    column replaces an input column of the same name). ``new_types`` fixes the Arrow type of new columns so every
    parquet batch has the same schema. Use as a context manager: leaving it on an exception removes the temp file.
    Rows from jsonl/csv written to parquet are collected and written at ``close`` (their types are only known then).
    """

    def __init__(self, path: str | os.PathLike, new_types: dict[str, Any] | None = None) -> None:
        self.path = check_output_path(path)
        self.tmp = temp_path(self.path)
        self.kind = "parquet" if self.path.suffix.lower() in PARQUET_SUFFIXES else self.path.suffix.lower()[1:]
        self.new_types = dict(new_types or {})
        self.rows = 0
        self._parquet = None
        self._held: list[dict[str, Any]] = []
        self._handle: TextIO | None = None
        self._first = True

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def write(self, batch: Batch, new_columns: Mapping[str, Sequence[Any]] | None = None) -> None:
        """Append the rows of ``batch`` plus ``new_columns``."""
        columns = {name: list(values) for name, values in (new_columns or {}).items()}
        for name, values in columns.items():
            if len(values) != len(batch):
                raise ValueError(f"column {name!r} has {len(values)} values for {len(batch)} rows")
        self.rows += len(batch)
        if self.kind == "parquet" and batch.arrow is not None and not self._held:
            self._write_arrow(batch, columns)
        elif self.kind == "parquet":
            self._held.extend(_merged(batch.to_records(), columns))
        else:
            self._write_json(batch.to_records(), columns)

    def _write_arrow(self, batch: Batch, new_columns: dict[str, list[Any]]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_batches([batch.arrow])
        for name, values in new_columns.items():
            column = pa.array(values, type=self.new_types.get(name))
            if name in table.column_names:
                table = table.set_column(table.column_names.index(name), name, column)
            else:
                table = table.append_column(name, column)
        if self._parquet is None:
            dictionary = _dictionary_columns(table)  # pyarrow takes a list of column paths here; its stub says bool
            self._parquet = pq.ParquetWriter(self.tmp, table.schema, use_dictionary=dictionary)  # pyright: ignore[reportArgumentType]
        elif table.schema != self._parquet.schema:
            try:
                table = table.cast(self._parquet.schema)
            except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
                raise TableError(
                    batch.path,
                    f"row {batch.start + 1} on: columns differ from the first input's ({table.schema.names})",
                ) from None
        self._parquet.write_table(table)

    def _json_handle(self) -> Any:
        """The open temp file of a json / jsonl output (opened on first use)."""
        if self._handle is None:
            self._handle = open(self.tmp, "w", encoding="utf-8")  # noqa: SIM115 - closed in close/abort
            if self.kind == "json":
                self._handle.write("[")
        return self._handle

    def _write_json(self, records: list[dict[str, Any]], new_columns: dict[str, list[Any]]) -> None:
        handle = self._json_handle()
        for record in _merged(records, new_columns):
            text = json.dumps(record, ensure_ascii=False, default=_json_default)
            if not text.isascii() and not _utf8_encodable(text):  # a lone surrogate: JSON's \u escape carries it
                text = json.dumps(record, ensure_ascii=True, default=_json_default)
            if self.kind == "json":
                handle.write(text if self._first else ", " + text)
            else:
                handle.write(text + "\n")
            self._first = False

    def close(self) -> Path:
        """Finish the file and move it into place."""
        try:
            if self.kind == "parquet":
                if self._parquet is None:
                    _write_parquet_records(self.tmp, self._held, self.new_types)
                else:
                    self._parquet.close()
            else:
                handle = self._json_handle()
                if self.kind == "json":
                    handle.write("]\n")
                handle.close()
            os.replace(self.tmp, self.path)
        except BaseException:
            self.abort()
            raise
        return self.path

    def abort(self) -> None:
        """Drop the temp file."""
        for handle in (self._parquet, self._handle):
            try:
                if handle is not None:
                    handle.close()
            except Exception:  # noqa: BLE001
                pass
        self.tmp.unlink(missing_ok=True)


def write_rows(
    path: str | os.PathLike, rows: Iterable[dict[str, Any]], *, suffixes: Sequence[str] = WRITE_SUFFIXES
) -> Path:
    """Write rows (dicts) to ``.jsonl`` / ``.json`` / ``.parquet`` atomically (temp file, then ``os.replace``).

    The parent folder is created. Parquet columns whose values change type from row to row are stored as JSON text.
    """
    path = Path(path)
    check_output_path(path.name, suffixes=suffixes)
    path.parent.mkdir(parents=True, exist_ok=True)
    with TableWriter(path) as writer:
        writer.write(Batch(path, 0, records=list(rows)))
    return path


def write_json(path: str | os.PathLike, data: Any) -> Path:
    """Write a JSON document atomically (the parent folder is created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    try:
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _merged(records: list[dict], new_columns: dict[str, list[Any]]) -> Iterator[dict]:
    for index, record in enumerate(records):
        yield {**record, **{name: values[index] for name, values in new_columns.items()}} if new_columns else record


def records_table(records: list[dict]) -> Any:
    """Rows (dicts) as a pyarrow Table; columns whose values change type from row to row become JSON text."""
    import pyarrow as pa

    try:
        return pa.Table.from_pylist(records)
    except UnicodeEncodeError:  # text UTF-8 cannot carry (a lone surrogate): escaped in the rows that hold it
        return records_table([_encodable_values(record) for record in records])
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return _table_with_json_fallback(records)


def encodable_text(text: Any) -> Any:
    """``text`` as UTF-8 can carry it: a character it cannot encode (a lone surrogate in a model's output) becomes
    its backslash escape (``\\ud800``); any other text, and any value that is not text, is returned as it is."""
    if type(text) is not str or text.isascii() or _utf8_encodable(text):
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _utf8_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _encodable_values(value: Any) -> Any:
    """``value`` with every text in it (nested dicts and lists too) made ``encodable_text``."""
    if isinstance(value, str):
        return encodable_text(value)
    if isinstance(value, dict):
        return {key: _encodable_values(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encodable_values(item) for item in value]
    return value


DICTIONARY_MAX_BYTES = 64  # columns with more bytes per row than this (long texts) are written without a dictionary


def _dictionary_columns(table: Any) -> list[str]:
    """Leaf column paths worth a dictionary: those of short columns (ids, sources, statuses). Long texts rarely
    repeat, and trying a dictionary on them costs about half the write time."""
    import pyarrow as pa

    def leaves(name: str, kind: Any) -> Iterator[str]:
        if pa.types.is_struct(kind):
            for index in range(kind.num_fields):
                child = kind.field(index)
                yield from leaves(f"{name}.{child.name}", child.type)
        elif pa.types.is_list(kind) or pa.types.is_large_list(kind):
            yield from leaves(f"{name}.list.element", kind.value_type)
        elif not pa.types.is_map(kind):
            yield name

    rows = max(1, table.num_rows)
    picked: list[str] = []
    for field, column in zip(table.schema, table.columns, strict=True):
        if column.nbytes / rows <= DICTIONARY_MAX_BYTES:
            picked.extend(leaves(field.name, field.type))
    return picked


def _write_parquet_records(tmp: Path, records: list[dict], new_types: dict[str, Any] | None = None) -> None:
    """Rows as parquet; no rows at all (an empty input) still gives the new columns, typed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not records and new_types:
        pq.write_table(pa.schema(list(new_types.items())).empty_table(), tmp)
        return
    pq.write_table(records_table(records), tmp)


def _table_with_json_fallback(records: list[dict]) -> Any:
    """Columns that Arrow cannot type (a number in one row, text in the next) are stored as JSON text."""
    import pyarrow as pa

    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record))
    arrays = {}
    for name in names:
        values = [record.get(name) for record in records]
        try:
            arrays[name] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            arrays[name] = pa.array(
                [None if v is None else json.dumps(v, ensure_ascii=False, default=_json_default) for v in values]
            )
    return pa.table(arrays)
