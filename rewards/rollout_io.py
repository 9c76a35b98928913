"""Rollout files: the project's one table reader/writer, ``mathreward.tables`` (kept as a name for old imports).

``RolloutError`` is ``tables.TableError``; ``read_rollouts(path)`` is ``tables.read_table`` (the whole file as one
``Batch`` with ``column`` / ``text_column`` / ``has_field``).
"""

from __future__ import annotations

from mathreward.tables import MISSING, chat_text, get_field
from mathreward.tables import TableError as RolloutError
from mathreward.tables import read_table as read_rollouts

__all__ = ["MISSING", "RolloutError", "chat_text", "get_field", "read_rollouts"]
