"""Reading table files (jsonl, json, parquet, csv) as ``Batch`` objects in file order, streaming.

``read_batches(path, batch_size)`` yields batches: a parquet file is read in record batches (memory stays flat
whatever its size), a jsonl file line by line, a json list or a csv file whole. ``read_rows(path)`` gives every row as
a dict; ``read_table(path)`` the whole file as one batch.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from mathreward.tables.errors import TableError, first_line
from mathreward.tables.fields import Batch

READ_SUFFIXES = (".jsonl", ".json", ".parquet", ".pq", ".csv")

PARQUET_SUFFIXES = (".parquet", ".pq")


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
        yield from parquet_batches(path, batch_size, skip_columns=skip_columns)
        return
    if suffix == ".csv":
        records = _read_csv(path)
    elif suffix == ".json" and is_json_document(path):
        records = _read_json(path)
    else:
        yield from record_batches(path, _jsonl_records(path), batch_size)
        return
    yield from record_batches(path, records, batch_size)


def read_table(path: str | os.PathLike, *, suffixes: Sequence[str] = READ_SUFFIXES) -> Batch:
    """The whole file as one ``Batch`` (a pyarrow Table for parquet, dicts otherwise)."""
    path = check_input(path)
    if path.suffix.lower() in PARQUET_SUFFIXES and path.suffix.lower() in suffixes:
        import pyarrow as pa

        batches = [batch.arrow for batch in parquet_batches(path, 65536) if batch.arrow is not None]
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


def parquet_batches(
    path: Path,
    batch_size: int,
    *,
    columns: Sequence[str] | None = None,
    skip_columns: Sequence[str] = (),
    row_groups: Sequence[int] | None = None,
    first_row: int = 0,
) -> Iterator[Batch]:
    """The rows of a parquet file (of its ``row_groups``, the first of them row ``first_row`` of the file) as
    ``Batch`` objects: ``columns`` the top-level columns to read (None or empty: all) less ``skip_columns``. The one
    parquet reader of ``read_batches`` and ``read_slice``; a corrupt file raises ``TableError``."""
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for corrupt or non-parquet files
        raise TableError(path, f"cannot be read as parquet ({first_line(exc)})") from None
    wanted = list(columns) if columns else None  # a batch of no column has no rows: none named reads all
    if skip_columns:
        wanted = [name for name in (wanted or handle.schema_arrow.names) if name not in skip_columns]
    start = first_row
    try:  # callers run in parallel: one thread each
        batches = handle.iter_batches(batch_size, row_groups=row_groups, columns=wanted, use_threads=False)
        for record_batch in batches:
            yield Batch(path, start, arrow=record_batch)
            start += record_batch.num_rows
    except TableError:
        raise
    except Exception as exc:  # noqa: BLE001
        if type(exc).__module__.startswith("pyarrow"):
            raise TableError(path, f"cannot be read as parquet ({first_line(exc)})") from None
        raise


def is_json_document(path: Path) -> bool:
    """Whether a ``.json`` file holds one JSON document (a list or an object), not jsonl lines of objects."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096).decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    except OSError as exc:
        raise TableError(path, f"cannot be read ({exc.strerror or exc})") from None
    return head[:1] in ("[", "{") and not (head[:1] == "{" and _is_jsonl(path))


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


def jsonl_record(raw: bytes) -> dict[str, Any]:
    """One jsonl line as its JSON object; ValueError with the one-line reason when it is not UTF-8 JSON of an object."""
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    return record


def record_batches(path: Path, records: Iterable[dict[str, Any]], batch_size: int) -> Iterator[Batch]:
    """``records`` in ``Batch`` objects of at most ``batch_size`` rows (``start`` counted from the first record)."""
    chunk: list[dict[str, Any]] = []
    start = 0
    for record in records:
        chunk.append(record)
        if len(chunk) >= batch_size:
            yield Batch(path, start, records=chunk)
            start += len(chunk)
            chunk = []
    if chunk:
        yield Batch(path, start, records=chunk)


def _jsonl_records(path: Path) -> Iterator[dict[str, Any]]:
    try:
        handle = path.open("rb")  # each line decoded on its own: a bad byte is reported with its line
    except OSError as exc:
        raise TableError(path, f"cannot be read ({exc.strerror or exc})") from None
    with handle:
        for line_number, line in enumerate(handle, start=1):
            if line_number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if not line.strip():
                continue
            try:
                record = jsonl_record(line)
            except ValueError as exc:
                raise TableError(path, str(exc), row=line_number) from None
            yield record


CSV_FIELD_LIMIT = 1 << 30  # bytes in one CSV field (Python's default, 128 KiB, is shorter than a long rollout)


def _read_csv(path: Path) -> list[dict[str, Any]]:
    """The rows of a CSV file; an error names its row (the data rows numbered from 1, as in jsonl)."""
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
    rows: list[dict[str, Any]] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            try:
                for row in reader:
                    rows.append(row)
            except csv.Error as exc:
                raise TableError(path, f"invalid CSV ({exc})", row=len(rows) + 1) from None
    except UnicodeDecodeError as exc:
        raise TableError(path, f"is not UTF-8 text ({exc.reason})") from None  # decoded ahead in blocks: no row
    return rows
