"""Field access in rows: dotted paths into nested values, ``MISSING``, chat messages as text, and ``Batch``.

Fields are named with dots for nested values (``reward_model.ground_truth``); a key that itself holds dots is found
first. ``Batch.values(field)`` gives one Python value per row (``MISSING`` where the row lacks the field), reading
parquet struct columns without converting whole rows. ``chat_text`` reads a chat-list field as text.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from typing import Any

from mathreward.tables.errors import TableError


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

    For a chat list, the content of the last message with ``role`` (a message without a role counts as one; the last
    message when none has it); a list of strings gives its last string; numbers give their text. The one reading of
    a chat message as text: scoring, the TRL adapter, curation and ``rl sample`` all call it. Raises ValueError for
    other shapes.
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
            chosen = [m for m in value if m.get("role", role) == role] or list(value)
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


GOLD_KEYS = ("ground_truth", "answer", "target")  # the keys of a gold object read as its answer


def gold_text(value: Any, field: str = "FIELD") -> str:
    """Text of a gold-answer field: as ``chat_text``, and an object holding exactly one of ``GOLD_KEYS`` gives that
    key's answer (verl rows whose ``ground_truth`` is ``{question, solution, target}``). Any other object raises
    ValueError listing the keys it has and the ``--gold-field`` that would name its answer."""
    if hasattr(value, "items") and not isinstance(value, dict):
        value = dict(value.items())
    if isinstance(value, dict):
        found = [key for key in GOLD_KEYS if key in value]
        if len(found) == 1:
            return gold_text(value[found[0]], f"{field}.{found[0]}")
        if not found and "content" in value:
            return chat_text(value, role="assistant")
        keys = ", ".join(map(repr, sorted(map(str, value))))
        which = "several answers" if found else "no answer key"
        raise ValueError(
            f"is an object with keys {keys} ({which}; read: {', '.join(GOLD_KEYS)}); "
            f"name its answer with --gold-field {field}.KEY"
        )
    return chat_text(value, role="assistant")


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

    def text_column(self, field: str, *, role: str, required: bool = True, gold: bool = False) -> list[str]:
        """``field`` as strings (see ``chat_text``): chat lists give their last ``role`` message, None gives "".
        ``gold``: a gold-answer field, whose objects are read by ``gold_text``."""
        texts = self.values(field)
        if set(map(type, texts)) <= {str}:  # plain strings only (the common case): nothing to convert
            return texts
        texts = self.column(field, required=required, default=None)
        for index, value in enumerate(texts):
            if type(value) is not str:  # plain strings (the common case) stay as they are
                try:
                    texts[index] = gold_text(value, field) if gold else chat_text(value, role=role)
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
