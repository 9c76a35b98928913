"""Read and write rollout files (jsonl, json, parquet) for the scoring commands.

Fields are named with dots for nested values (``reward_model.ground_truth``). A prompt given as a chat list
(``[{"role": "user", "content": ...}]``) reads as its last user message; a response given as a chat list reads as
its last assistant message. Outputs are written to ``<out>.tmp-<pid>`` and renamed, so a failed run leaves no file.

Every problem is raised as ``RolloutError`` with one line naming the file, and the row (numbered from 1, i.e. the
line number of a jsonl file without blank lines) and field when there is one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "MISSING",
    "RolloutError",
    "Rollouts",
    "chat_text",
    "get_field",
    "read_rollouts",
    "write_rollouts",
]

READ_SUFFIXES = (".jsonl", ".json", ".parquet", ".pq")
WRITE_SUFFIXES = (".jsonl", ".json", ".parquet", ".pq")


class RolloutError(Exception):
    """A one-line, user-facing problem with a rollout file (unreadable, bad row, missing field)."""

    def __init__(self, path: str | os.PathLike, message: str, row: int | None = None, field: str | None = None):
        self.path = str(path)
        self.row = row
        self.field = field
        parts = [self.path]
        if row is not None:
            parts.append(f"row {row}")
        parts.append(f"field {field!r} {message}" if field is not None else message)
        super().__init__(": ".join(parts))


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass
class Rollouts:
    """The rows of one rollout file: ``records`` (one dict per row) and, for parquet, the original arrow table."""

    path: Path
    records: list[dict[str, Any]]
    table: Any = None  # pyarrow.Table when read from parquet (its schema is kept on write)

    def __len__(self) -> int:
        return len(self.records)

    def has_field(self, field: str) -> bool:
        """Whether the first row has ``field`` (dotted path); an empty file has every field."""
        return not self.records or get_field(self.records[0], field) is not MISSING

    def column(self, field: str, *, required: bool = True, default: Any = None) -> list[Any]:
        """The values of ``field`` (dotted path) for every row; a missing value raises, or gives ``default``."""
        values = []
        for index, record in enumerate(self.records):
            value = get_field(record, field)
            if value is MISSING:
                if required:
                    raise RolloutError(self.path, "is missing", row=index + 1, field=field)
                value = default
            values.append(value)
        return values

    def text_column(self, field: str, *, role: str, required: bool = True) -> list[str]:
        """``field`` as strings: chat lists give their last ``role`` message, None gives "", numbers their text."""
        values = []
        for index, value in enumerate(self.column(field, required=required, default=None)):
            try:
                values.append(chat_text(value, role=role))
            except ValueError as exc:
                raise RolloutError(self.path, str(exc), row=index + 1, field=field) from None
        return values


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

    For a chat list, the content of the last message with ``role`` (or of the last message when none has it).
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
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return str(value)


# ----------------------------------------------------------------------------------------------- reading


def read_rollouts(path: str | os.PathLike) -> Rollouts:
    """Read a jsonl, json (a list of objects, or jsonl content) or parquet file of rollouts."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in READ_SUFFIXES:
        raise RolloutError(path, f"unsupported file type {suffix or '(none)'!r}; use one of {', '.join(READ_SUFFIXES)}")
    if not path.exists():
        raise RolloutError(path, "no such file")
    if path.is_dir():
        raise RolloutError(path, "is a directory, not a file")
    if suffix in (".parquet", ".pq"):
        return _read_parquet(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RolloutError(path, f"is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise RolloutError(path, f"cannot be read ({exc.strerror or exc})") from None
    if suffix == ".json":
        stripped = text.lstrip()
        if stripped.startswith("["):
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise RolloutError(path, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
            return Rollouts(path, _check_records(path, data))
    return Rollouts(path, _read_jsonl_text(path, text))


def _read_jsonl_text(path: Path, text: str) -> list[dict[str, Any]]:
    records = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RolloutError(path, f"line {line_number}: invalid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(record, dict):
            raise RolloutError(path, f"line {line_number}: expected a JSON object, got {type(record).__name__}")
        records.append(record)
    return records


def _check_records(path: Path, data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, list):
        raise RolloutError(path, "expected a JSON list of objects")
    for index, record in enumerate(data):
        if not isinstance(record, dict):
            raise RolloutError(path, f"expected a JSON object, got {type(record).__name__}", row=index + 1)
    return data


def _read_parquet(path: Path) -> Rollouts:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for corrupt or non-parquet files
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RolloutError(path, f"cannot be read as parquet ({message})") from None
    return Rollouts(path, table.to_pylist(), table)


# ----------------------------------------------------------------------------------------------- writing


def check_output_path(path: str | os.PathLike) -> Path:
    """Validate an output path before any work is done (known suffix, existing parent folder)."""
    path = Path(path)
    if path.suffix.lower() not in WRITE_SUFFIXES:
        raise RolloutError(path, f"unsupported output type {path.suffix or '(none)'!r}; use .parquet or .jsonl")
    if not path.parent.exists() and str(path.parent) not in ("", "."):
        raise RolloutError(path, f"output folder {str(path.parent)!r} does not exist")
    return path


def write_rollouts(
    path: str | os.PathLike,
    records: Sequence[dict[str, Any]],
    *,
    source_table: Any = None,
    new_columns: dict[str, Iterable[Any]] | None = None,
) -> Path:
    """Write ``records`` (plus ``new_columns``) to ``path`` as parquet or jsonl/json, atomically.

    For parquet output from a parquet input, pass ``source_table`` (the pyarrow table ``records`` came from): the
    new columns are appended to it so the input schema survives unchanged. Existing columns with a new column's
    name are replaced.
    """
    path = check_output_path(path)
    new_columns = {name: list(values) for name, values in (new_columns or {}).items()}
    for name, values in new_columns.items():
        if len(values) != len(records):
            raise ValueError(f"column {name!r} has {len(values)} values for {len(records)} rows")
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            _write_parquet(tmp, records, source_table, new_columns)
        else:
            _write_json(tmp, records, new_columns, as_list=path.suffix.lower() == ".json")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _merged_records(records: Sequence[dict[str, Any]], new_columns: dict[str, list[Any]]) -> Iterable[dict]:
    for index, record in enumerate(records):
        if new_columns:
            record = {**record, **{name: values[index] for name, values in new_columns.items()}}
        yield record


def _write_json(tmp: Path, records: Sequence[dict], new_columns: dict[str, list[Any]], *, as_list: bool) -> None:
    with open(tmp, "w", encoding="utf-8") as handle:
        if as_list:
            json.dump(list(_merged_records(records, new_columns)), handle, ensure_ascii=False, default=_json_default)
            handle.write("\n")
            return
        for record in _merged_records(records, new_columns):
            handle.write(json.dumps(record, ensure_ascii=False, default=_json_default))
            handle.write("\n")


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _write_parquet(tmp: Path, records: Sequence[dict], source_table: Any, new_columns: dict[str, list[Any]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if source_table is not None and source_table.num_rows == len(records):
        table = source_table
        for name, values in new_columns.items():
            column = pa.array(values)
            if name in table.column_names:
                table = table.set_column(table.column_names.index(name), name, column)
            else:
                table = table.append_column(name, column)
    else:
        try:
            table = pa.Table.from_pylist(list(_merged_records(records, new_columns)))
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            # rows whose fields change type (e.g. a number in one row, text in the next): store those as JSON text
            table = _table_with_json_fallback(records, new_columns, exc)
    pq.write_table(table, tmp)


def _table_with_json_fallback(records: Sequence[dict], new_columns: dict[str, list[Any]], exc: Exception) -> Any:
    import pyarrow as pa

    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record))
    names.update(dict.fromkeys(new_columns))
    arrays = {}
    for name in names:
        values = new_columns[name] if name in new_columns else [record.get(name) for record in records]
        try:
            arrays[name] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays[name] = pa.array(
                [None if v is None else json.dumps(v, ensure_ascii=False, default=_json_default) for v in values]
            )
    return pa.table(arrays)
