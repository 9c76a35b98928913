"""Read and write tables of rows (jsonl, json, parquet, csv), streaming, with one error type and atomic writes.

Used by every command that reads rows (``score``, ``curate``, ``rm``, ``rl``) and by the Ray path. The modules, one
job each (``from mathreward.tables import X`` reaches every public name):

- ``errors``: ``TableError``, one line naming the file, and the row (numbered from 1) and field when there is one.
- ``fields``: dotted field access (``get_field``, ``MISSING``), chat messages as text (``chat_text``), and ``Batch``
  (consecutive rows of one file, as Arrow or as dicts).
- ``reading``: ``read_batches`` / ``read_rows`` / ``read_table`` for jsonl, json, parquet and csv, in file order.
- ``writing``: ``TableWriter``, ``write_rows``, ``write_json``: a temp file renamed on success, so a failed run leaves
  no file; parquet output from parquet input keeps the input schema and appends the new columns.
- ``slices``: ``plan_slices`` / ``read_slice``: parts of one file that workers read on their own; row numbers in
  errors stay those of the whole file (``global_row_error``).
- ``parts``: ``part_writer`` and ``join_parts``: the workers' part files put together in order as one file.
"""

from mathreward.tables.errors import TableError
from mathreward.tables.fields import GOLD_KEYS, MISSING, Batch, chat_text, get_field, gold_text
from mathreward.tables.parts import join_parts, part_writer
from mathreward.tables.reading import (
    PARQUET_SUFFIXES,
    READ_SUFFIXES,
    check_input,
    count_rows,
    read_batches,
    read_rows,
    read_table,
)
from mathreward.tables.slices import DECODE_SHARE, Slice, global_row_error, plan_slices, read_slice, top_columns
from mathreward.tables.writing import (
    WRITE_SUFFIXES,
    TableWriter,
    check_output_path,
    encodable_text,
    records_table,
    temp_path,
    write_json,
    write_rows,
)

__all__ = [
    "encodable_text",
    "DECODE_SHARE",
    "MISSING",
    "PARQUET_SUFFIXES",
    "READ_SUFFIXES",
    "WRITE_SUFFIXES",
    "Batch",
    "Slice",
    "TableError",
    "TableWriter",
    "chat_text",
    "GOLD_KEYS",
    "gold_text",
    "check_input",
    "check_output_path",
    "count_rows",
    "get_field",
    "global_row_error",
    "join_parts",
    "part_writer",
    "plan_slices",
    "read_batches",
    "read_rows",
    "read_slice",
    "read_table",
    "records_table",
    "temp_path",
    "top_columns",
    "write_json",
    "write_rows",
]
