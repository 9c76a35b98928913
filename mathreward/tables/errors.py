"""The one error type of table files: a one-line message naming the file, and the row and field when there is one."""

from __future__ import annotations

import os

from mathreward.errors import UserError


class TableError(UserError):
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


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type name when it has none), for a one-line ``TableError``."""
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__
