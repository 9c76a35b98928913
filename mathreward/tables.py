"""Read and write tables of rows (jsonl, json, parquet, csv), streaming, with one error type and atomic writes.

Used by every command that reads rows (``score``, ``curate``, ``rm``) and by the Ray path.

- Reading: ``read_batches(path, batch_size)`` yields ``Batch`` objects in file order; a parquet file is read in
  record batches (memory stays flat whatever its size), a jsonl file line by line, a json list or a csv file whole.
  ``read_rows(path)`` gives every row as a dict.
- Fields are named with dots for nested values (``reward_model.ground_truth``); a key that itself holds dots is found
  first. ``Batch.values(field)`` gives one Python value per row (``MISSING`` where the row lacks the field), reading
  parquet struct columns without converting whole rows. ``chat_text`` reads a chat-list field as text.
- Writing: ``TableWriter`` streams batches into ``<out>.tmp-<pid>`` and renames it on success, so a failed run leaves
  no file; ``write_rows`` writes a list of dicts the same way. Parquet output from parquet input keeps the input
  schema and appends the new columns.
- Slices: ``plan_slices(path, parts)`` cuts a file into ``Slice`` objects a worker reads on its own with
  ``read_slice`` (parquet row groups; record-batch row ranges of a parquet file written as one row group; byte
  ranges of a jsonl file aligned to line starts; json and csv files whole). Row numbers in errors stay those of the
  whole file (``global_row_error``). Workers write part files (``part_writer``); ``join_parts`` puts them together
  in order as one file (parquet row groups copied byte for byte, jsonl bytes appended) or keeps them as a folder.
- Errors: ``TableError`` with one line naming the file, and the row (numbered from 1) and field when there is one.
"""

from __future__ import annotations

import bisect
import csv
import io
import itertools
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

__all__ = [
    "MISSING",
    "Batch",
    "Slice",
    "TableError",
    "TableWriter",
    "chat_text",
    "check_input",
    "check_output_path",
    "count_rows",
    "get_field",
    "global_row_error",
    "join_parts",
    "part_writer",
    "plan_slices",
    "read_batches",
    "read_slice",
    "top_columns",
    "read_rows",
    "read_table",
    "records_table",
    "write_json",
    "write_rows",
]

READ_SUFFIXES = (".jsonl", ".json", ".parquet", ".pq", ".csv")
WRITE_SUFFIXES = (".jsonl", ".json", ".parquet", ".pq")
PARQUET_SUFFIXES = (".parquet", ".pq")


class TableError(ValueError):
    """A one-line, user-facing problem with a table file (unreadable, bad row, missing or ill-typed field)."""

    def __init__(
        self, path: str | os.PathLike, message: str | None = None, row: int | None = None, field: str | None = None
    ):
        if message is None:  # one argument: the whole line, already formatted ("f.jsonl: row 3: ...")
            path, message = "", str(path)
        self.path = str(path)
        self.message = message
        self.row = row
        self.field = field
        parts = [self.path] if self.path else []
        if row is not None:
            parts.append(f"row {row}")
        parts.append(f"field {field!r} {message}" if field is not None else message)
        super().__init__(": ".join(parts))

    def __reduce__(self):  # survives pickling between processes (worker pools, Ray)
        return (TableError, (self.path, self.message, self.row, self.field))


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self):
        return "MISSING"


MISSING: Any = _Missing()


def get_field(record: Any, field: str) -> Any:
    """The value at dotted path ``field`` in ``record`` (nested dicts; list items by integer index), or MISSING.

    A key that itself contains dots (``{"a.b": 1}``) is found before the nested path.
    """
    if isinstance(record, dict) and field in record:
        return record[field]
    value = record
    for part in field.split("."):
        if isinstance(value, dict):
            if part not in value:
                return MISSING
            value = value[part]
        elif isinstance(value, (list, tuple)) and part.lstrip("-").isdigit():
            index = int(part)
            if not -len(value) <= index < len(value):
                return MISSING
            value = value[index]
        else:
            return MISSING
    return value


def chat_text(value: Any, *, role: str = "user") -> str:
    """Text of a field that may be a string, a chat list of ``{"role", "content"}`` messages, or None.

    For a chat list, the content of the last message with ``role`` (or of the last message when none has it); a
    list of strings gives its last string; numbers give their text. Raises ValueError for other shapes.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if hasattr(value, "tolist") and not isinstance(value, (int, float)):
        value = value.tolist()  # numpy arrays from pandas
    if isinstance(value, (list, tuple)):
        if not value:
            return ""
        if all(isinstance(message, dict) for message in value):
            chosen = [m for m in value if m.get("role") == role] or list(value)
            content = chosen[-1].get("content")
            if isinstance(content, list):  # multimodal content parts
                content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
            return "" if content is None else str(content)
        if all(isinstance(item, str) for item in value):
            return value[-1]
        raise ValueError("is a list that is neither chat messages nor strings")
    if isinstance(value, dict):
        if "content" in value:
            return chat_text(value["content"], role=role)
        raise ValueError("is an object without 'content'")
    return str(value)


# ----------------------------------------------------------------------------------------------- batches


class Batch:
    """Consecutive rows of one file: ``start`` (0-based index of the first row), and either ``arrow`` (a pyarrow
    RecordBatch, from parquet) or ``records`` (a list of dicts)."""

    __slots__ = ("path", "start", "arrow", "records")

    def __init__(self, path: str | os.PathLike, start: int, *, arrow: Any = None, records: list | None = None):
        self.path = str(path)
        self.start = start
        self.arrow = arrow
        self.records = records

    def __len__(self) -> int:
        return self.arrow.num_rows if self.arrow is not None else len(self.records or [])

    def has_field(self, field: str) -> bool:
        """Whether the first row has ``field``; an empty batch has every field."""
        if not len(self):
            return True
        return self.values(field, rows=1)[0] is not MISSING

    def values(self, field: str, rows: int | None = None) -> list[Any]:
        """One Python value per row (the first ``rows``): the value at dotted ``field``, or MISSING."""
        if self.arrow is None:
            records = self.records or []
            return [get_field(record, field) for record in (records if rows is None else records[:rows])]
        arrow = self.arrow if rows is None else self.arrow.slice(0, rows)
        return _arrow_values(arrow, field)

    def column(self, field: str, *, required: bool = True, default: Any = None) -> list[Any]:
        """The values of ``field``; a row without it raises ``TableError`` (or gives ``default``)."""
        values = self.values(field)
        if _Missing not in set(map(type, values)):  # nothing missing (the common case): no per-row loop
            return values
        for index, value in enumerate(values):
            if value is MISSING:
                if required:
                    raise TableError(self.path, "is missing", row=self.start + index + 1, field=field)
                values[index] = default
        return values

    def text_column(self, field: str, *, role: str, required: bool = True) -> list[str]:
        """``field`` as strings (see ``chat_text``): chat lists give their last ``role`` message, None gives ""."""
        texts = self.values(field)
        if set(map(type, texts)) <= {str}:  # plain strings only (the common case): nothing to convert
            return texts
        texts = self.column(field, required=required, default=None)
        for index, value in enumerate(texts):
            if type(value) is not str:  # plain strings (the common case) stay as they are
                try:
                    texts[index] = chat_text(value, role=role)
                except ValueError as exc:
                    raise TableError(self.path, str(exc), row=self.start + index + 1, field=field) from None
        return texts

    def to_records(self) -> list[dict[str, Any]]:
        """The rows as dicts."""
        return self.arrow.to_pylist() if self.arrow is not None else list(self.records or [])

    def select(self, fields: Iterable[str]) -> Batch:
        """A batch with only the top-level columns that ``fields`` (dotted) start from, for shipping to a worker."""
        if self.arrow is None:
            return self
        names = self.arrow.schema.names
        keep = []
        for field in fields:
            top = field if field in names else field.split(".", 1)[0]
            if top in names and top not in keep:
                keep.append(top)
        return Batch(self.path, self.start, arrow=self.arrow.select(keep))

    def __getstate__(self) -> dict:
        state = {"path": self.path, "start": self.start, "records": self.records, "arrow": None}
        if self.arrow is not None:  # IPC bytes: only this batch's slice of the buffers travels
            import pyarrow as pa

            sink = io.BytesIO()
            with pa.ipc.new_stream(sink, self.arrow.schema) as writer:
                writer.write_batch(self.arrow)
            state["arrow"] = sink.getvalue()
        return state

    def __setstate__(self, state: dict) -> None:
        self.path, self.start, self.records = state["path"], state["start"], state["records"]
        self.arrow = None
        if state["arrow"] is not None:
            import pyarrow as pa

            self.arrow = pa.ipc.open_stream(state["arrow"]).read_next_batch()


def _arrow_values(arrow: Any, field: str) -> list[Any]:
    """Values of a dotted field in a RecordBatch: struct children are followed in Arrow, anything else in Python."""
    import pyarrow as pa
    import pyarrow.compute as pc

    names = arrow.schema.names
    if field in names:
        return arrow.column(names.index(field)).to_pylist()
    parts = field.split(".")
    if parts[0] not in names:
        return [MISSING] * arrow.num_rows
    array = arrow.column(names.index(parts[0]))
    for depth, part in enumerate(parts[1:], start=1):
        if pa.types.is_struct(array.type):
            if array.type.get_field_index(part) < 0:
                return [MISSING] * arrow.num_rows
            parent_nulls = array.is_null().to_pylist() if array.null_count else None
            array = pc.call_function("struct_field", [array], pc.StructFieldOptions([part]))
            if parent_nulls is not None:  # a null struct has no child: the field is missing there
                values = _arrow_values_rest(array, parts[depth + 1 :])
                return [MISSING if null else value for null, value in zip(parent_nulls, values, strict=True)]
            continue
        rest = ".".join(parts[depth:])
        return [MISSING if value is None else get_field(value, rest) for value in array.to_pylist()]
    return array.to_pylist()


def _arrow_values_rest(array: Any, parts: list[str]) -> list[Any]:
    values = array.to_pylist()
    if not parts:
        return values
    rest = ".".join(parts)
    return [get_field(value, rest) for value in values]


# ----------------------------------------------------------------------------------------------- reading


def check_input(path: str | os.PathLike) -> Path:
    """The input path, checked: a known suffix, an existing file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if path.is_dir():
        raise TableError(path, "is a directory, not a file")
    if suffix not in READ_SUFFIXES:
        raise TableError(path, f"unsupported file type {suffix or '(none)'!r}; use one of {', '.join(READ_SUFFIXES)}")
    if not path.exists():
        raise TableError(path, "no such file")
    return path


def count_rows(path: str | os.PathLike) -> int | None:
    """Rows in the file when known without reading it (parquet metadata), else None."""
    path = Path(path)
    if path.suffix.lower() in PARQUET_SUFFIXES:
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(path).metadata.num_rows
        except Exception:  # noqa: BLE001 - reported by read_batches
            return None
    return None


def read_batches(
    path: str | os.PathLike,
    batch_size: int = 8192,
    *,
    suffixes: Sequence[str] = READ_SUFFIXES,
    skip_columns: Sequence[str] = (),
) -> Iterator[Batch]:
    """The rows of a jsonl / json / parquet / csv file as ``Batch`` objects of at most ``batch_size`` rows.

    ``skip_columns``: top-level parquet columns not to read (a long text column when only the others are needed)."""
    path = check_input(path)
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        raise TableError(path, f"unsupported file type {suffix!r}; use one of {', '.join(suffixes)}")
    if suffix in PARQUET_SUFFIXES:
        yield from _parquet_batches(path, batch_size, skip_columns)
        return
    if suffix == ".csv":
        records = _read_csv(path)
    elif suffix == ".json" and _starts_with(path, ("[", "{")):
        records = _read_json(path)
    else:
        yield from _jsonl_batches(path, batch_size)
        return
    for start in range(0, len(records), batch_size):
        yield Batch(path, start, records=records[start : start + batch_size])


def read_table(path: str | os.PathLike, *, suffixes: Sequence[str] = READ_SUFFIXES) -> Batch:
    """The whole file as one ``Batch`` (a pyarrow Table for parquet, dicts otherwise)."""
    path = check_input(path)
    if path.suffix.lower() in PARQUET_SUFFIXES and path.suffix.lower() in suffixes:
        import pyarrow as pa

        batches = [batch.arrow for batch in _parquet_batches(path, 65536) if batch.arrow is not None]
        schema = batches[0].schema if batches else _parquet_schema(path)
        return Batch(path, 0, arrow=pa.Table.from_batches(batches, schema=schema))
    return Batch(path, 0, records=read_rows(path, suffixes=suffixes))


def _parquet_schema(path: Path) -> Any:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).schema_arrow


def read_rows(path: str | os.PathLike, *, suffixes: Sequence[str] = READ_SUFFIXES) -> list[dict[str, Any]]:
    """Every row of a jsonl / json / parquet / csv file as a dict, in file order."""
    rows: list[dict[str, Any]] = []
    for batch in read_batches(path, 65536, suffixes=suffixes):
        rows.extend(batch.to_records())
    return rows


def _parquet_batches(path: Path, batch_size: int, skip_columns: Sequence[str] = ()) -> Iterator[Batch]:
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for corrupt or non-parquet files
        raise TableError(path, f"cannot be read as parquet ({_first_line(exc)})") from None
    start = 0
    columns = [name for name in handle.schema_arrow.names if name not in skip_columns] if skip_columns else None
    try:  # callers run in parallel: one thread each
        for record_batch in handle.iter_batches(batch_size=batch_size, columns=columns, use_threads=False):
            yield Batch(path, start, arrow=record_batch)
            start += record_batch.num_rows
    except TableError:
        raise
    except Exception as exc:  # noqa: BLE001
        if type(exc).__module__.startswith("pyarrow"):
            raise TableError(path, f"cannot be read as parquet ({_first_line(exc)})") from None
        raise


def _starts_with(path: Path, openers: tuple[str, ...]) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(4096).decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    except OSError as exc:
        raise TableError(path, f"cannot be read ({exc.strerror or exc})") from None
    return head[:1] in openers and not (head[:1] == "{" and _is_jsonl(path))


def _is_jsonl(path: Path) -> bool:
    """A .json file whose first line is a whole JSON object is jsonl content."""
    with path.open("rb") as handle:
        first = handle.readline()
        second = handle.readline()
    try:
        return isinstance(json.loads(first), dict) and bool(second.strip())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError(path, f"is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise TableError(path, f"cannot be read ({exc.strerror or exc})") from None


def _read_json(path: Path) -> list[dict[str, Any]]:
    """A JSON list of objects (or an object holding one such list, e.g. ``{"data": [...]}``)."""
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise TableError(path, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    if isinstance(data, dict):
        data = next((value for value in data.values() if isinstance(value, list)), [data])
    if not isinstance(data, list):
        raise TableError(path, "expected a JSON list of objects")
    for index, record in enumerate(data):
        if not isinstance(record, dict):
            raise TableError(path, f"expected a JSON object, got {type(record).__name__}", row=index + 1)
    return data


def _jsonl_batches(path: Path, batch_size: int) -> Iterator[Batch]:
    records: list[dict[str, Any]] = []
    start = 0
    try:
        handle = path.open(encoding="utf-8-sig")
    except OSError as exc:
        raise TableError(path, f"cannot be read ({exc.strerror or exc})") from None
    with handle:
        try:
            for line_number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise TableError(path, f"invalid JSON ({exc.msg} at column {exc.colno})", row=line_number) from None
                if not isinstance(record, dict):
                    raise TableError(path, f"expected a JSON object, got {type(record).__name__}", row=line_number)
                records.append(record)
                if len(records) >= batch_size:
                    yield Batch(path, start, records=records)
                    start += len(records)
                    records = []
        except UnicodeDecodeError as exc:
            raise TableError(path, f"is not UTF-8 text ({exc.reason})") from None
    if records:
        yield Batch(path, start, records=records)


def _read_csv(path: Path) -> list[dict[str, Any]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.DictReader(handle))
    except UnicodeDecodeError as exc:
        raise TableError(path, f"is not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise TableError(path, f"invalid CSV ({exc})") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


# ----------------------------------------------------------------------------------------------- writing


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
                    _write_parquet_records(self.tmp, self._held)
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
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return _table_with_json_fallback(records)


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


def _write_parquet_records(tmp: Path, records: list[dict]) -> None:
    import pyarrow.parquet as pq

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


# ----------------------------------------------------------------------------------------------- slices and parts

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
    if suffix == ".jsonl" or (suffix == ".json" and not _starts_with(path, ("[", "{"))):
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
        raise TableError(path, f"cannot be read as parquet ({_first_line(exc)})") from None
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
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(path)
        wanted = list(columns) if columns else None  # no column named: all (a batch of no column has no rows)
        if piece.kind == "groups":
            groups = range(piece.begin, piece.end)
            batches = handle.iter_batches(batch_size, row_groups=groups, columns=wanted, use_threads=False)
        else:
            batches = handle.iter_batches(batch_size, columns=wanted, use_threads=False)
        row = piece.first_row if piece.kind == "groups" else 0
        for record_batch in batches:
            stop = row + record_batch.num_rows
            if piece.kind == "rows":
                if stop <= piece.begin:
                    row = stop
                    continue  # rows before the slice: decoded and dropped (the file has one row group)
                lo, hi = max(row, piece.begin), min(stop, piece.end)
                if lo >= hi:
                    return
                record_batch = record_batch.slice(lo - row, hi - lo)
                row = lo
            yield Batch(path, row, arrow=record_batch)
            row += record_batch.num_rows
    except TableError:
        raise
    except Exception as exc:  # noqa: BLE001
        if type(exc).__module__.startswith("pyarrow"):
            raise TableError(path, f"cannot be read as parquet ({_first_line(exc)})") from None
        raise


def _jsonl_slice(path: Path, piece: Slice, batch_size: int) -> Iterator[Batch]:
    """The lines whose first byte lies in ``piece.begin``..``piece.end`` (a line that starts before ``begin`` belongs
    to the slice before)."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise TableError(path, f"cannot be read ({exc.strerror or exc})") from None
    records: list[dict[str, Any]] = []
    start = 0
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
                record = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                reason = (
                    f"invalid JSON ({exc.msg} at column {exc.colno})"
                    if isinstance(exc, json.JSONDecodeError)
                    else (f"is not UTF-8 text ({exc.reason})")
                )
                raise _line_error(path, piece, reason, line_number) from None
            if not isinstance(record, dict):
                raise _line_error(path, piece, f"expected a JSON object, got {type(record).__name__}", line_number)
            records.append(record)
            if len(records) >= batch_size:
                yield Batch(path, start, records=records)
                start += len(records)
                records = []
    if records:
        yield Batch(path, start, records=records)


class _CountedRowError(TableError):
    """A ``TableError`` whose row is already counted from the start of the file (a jsonl line)."""


def _line_error(path: Path, piece: Slice, message: str, line: int) -> TableError:
    if "UTF-8" in message:
        return TableError(path, message)
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
