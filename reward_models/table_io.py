"""Reading and writing row files (jsonl / json / parquet) with one-line errors and atomic writes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path


class BadInput(ValueError):
    """Bad user input; ``str(error)`` is the one-line message the CLI prints (file, row, field)."""


def read_rows(path: str | Path) -> list[dict]:
    """All rows of a ``.jsonl`` / ``.json`` / ``.parquet`` file as dicts (rows numbered from 1 in errors)."""
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            return pq.read_table(path).to_pylist()
        except Exception as error:  # noqa: BLE001 - any pyarrow failure is a bad file for the user
            raise BadInput(f"{path}: cannot read parquet ({type(error).__name__}: {error})") from error
    if suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise BadInput(f"{path}: invalid JSON ({error})") from error
        if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
            raise BadInput(f"{path}: expected a JSON list of objects")
        return data
    if suffix == ".jsonl":
        rows = []
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as error:
                    raise BadInput(f"{path}: row {number}: invalid JSON ({error.msg})") from error
                if not isinstance(row, dict):
                    raise BadInput(f"{path}: row {number}: expected a JSON object")
                rows.append(row)
        return rows
    raise BadInput(f"{path}: unsupported file type {suffix!r} (use .jsonl, .json or .parquet)")


def temp_path(path: Path) -> Path:
    """The temporary sibling a file is written to before the atomic rename."""
    return path.with_name(f"{path.name}.tmp-{os.getpid()}")


def write_rows(path: str | Path, rows: Iterable[dict]) -> Path:
    """Write rows to ``.jsonl`` / ``.parquet`` atomically (temp file, then ``os.replace``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    rows = list(rows)
    try:
        if path.suffix.lower() == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.Table.from_pylist(rows), tmp)
        elif path.suffix.lower() == ".jsonl":
            with tmp.open("w", encoding="utf-8") as handle:
                for row in rows:
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            raise BadInput(f"{path}: unsupported output type {path.suffix!r} (use .jsonl or .parquet)")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_json(path: str | Path, data: dict) -> Path:
    """Write a JSON document atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    try:
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
