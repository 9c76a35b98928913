"""Row files for the reward-model commands: the project's one table reader/writer (``mathreward.tables``).

``BadInput`` is ``tables.TableError`` (one line naming file, row and field); reading and writing are atomic and
accept jsonl / json / parquet (and csv for reading).
"""

from __future__ import annotations

from mathreward.tables import TableError as BadInput
from mathreward.tables import read_rows, temp_path, write_json, write_rows

__all__ = ["BadInput", "read_rows", "temp_path", "write_json", "write_rows"]
