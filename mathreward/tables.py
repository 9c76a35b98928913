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
- Errors: ``TableError`` with one line naming the file, and the row (numbered from 1) and field when there is one.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

__all__ = [
    "MISSING",
    "Batch",
    "TableError",
    "TableWriter",
    "chat_text",
    "check_input",
    "check_output_path",
    "count_rows",
    "get_field",
    "read_batches",
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
        for index, value in enumerate(values):
            if value is MISSING:
                if required:
                    raise TableError(self.path, "is missing", row=self.start + index + 1, field=field)
                values[index] = default
        return values

    def text_column(self, field: str, *, role: str, required: bool = True) -> list[str]:
        """``field`` as strings (see ``chat_text``): chat lists give their last ``role`` message, None gives ""."""
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
            # struct_field is made at import time from Arrow's function registry, so pyright cannot see it.
            array = pc.struct_field(array, part)  # pyright: ignore[reportAttributeAccessIssue]
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
    path: str | os.PathLike, batch_size: int = 8192, *, suffixes: Sequence[str] = READ_SUFFIXES
) -> Iterator[Batch]:
    """The rows of a jsonl / json / parquet / csv file as ``Batch`` objects of at most ``batch_size`` rows."""
    path = check_input(path)
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        raise TableError(path, f"unsupported file type {suffix!r}; use one of {', '.join(suffixes)}")
    if suffix in PARQUET_SUFFIXES:
        yield from _parquet_batches(path, batch_size)
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

        batches = list(_parquet_record_batches(path, 65536))
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


def _parquet_batches(path: Path, batch_size: int) -> Iterator[Batch]:
    start = 0
    for record_batch in _parquet_record_batches(path, batch_size):
        yield Batch(path, start, arrow=record_batch)
        start += record_batch.num_rows


def _parquet_record_batches(path: Path, batch_size: int) -> Iterator[Any]:
    """The file's pyarrow RecordBatches; a corrupt or non-parquet file raises ``TableError``."""
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for corrupt or non-parquet files
        raise TableError(path, f"cannot be read as parquet ({_first_line(exc)})") from None
    try:
        yield from handle.iter_batches(batch_size=batch_size, use_threads=False)  # callers run in parallel
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
    """The temporary sibling a file is written to before the atomic rename."""
    return path.with_name(f"{path.name}.tmp-{os.getpid()}")


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

    def write(self, batch: Batch, new_columns: dict[str, Sequence[Any]] | None = None) -> None:
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
            self._parquet = pq.ParquetWriter(self.tmp, table.schema)
        elif table.schema != self._parquet.schema:
            try:
                table = table.cast(self._parquet.schema)
            except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
                raise TableError(
                    batch.path,
                    f"row {batch.start + 1} on: columns differ from the first input's ({table.schema.names})",
                ) from None
        self._parquet.write_table(table)

    def _json_handle(self) -> TextIO:
        """The open temp file of a json/jsonl output (opened, with json's "[", on first use)."""
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
