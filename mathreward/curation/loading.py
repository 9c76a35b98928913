"""Load raw problems from jsonl / json / parquet / csv files, a saved `datasets` folder, or a hub dataset id."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mathreward import tables
from mathreward.tables import MISSING as _MISSING
from mathreward.tables import TableError, chat_text

PROBLEM_FIELDS = ("problem", "question", "prompt", "reward_model.ground_truth.question", "Problem", "query")
ANSWER_FIELDS = ("answer", "final_answer", "reward_model.ground_truth.target", "reward_model.ground_truth", "Answer")
SOLUTION_FIELDS = ("solution", "reward_model.ground_truth.solution", "Solution")


CurationError = TableError  # bad input: the message is one line naming the file, row and field


def read_rows(source: str) -> list[dict]:
    """Rows of one input as plain dicts, in file order: a table file (``mathreward.tables``), a saved `datasets`
    folder, or a hub dataset id."""
    path = Path(source)
    if path.is_dir():
        import datasets

        try:
            loaded = datasets.load_from_disk(str(path))
        except Exception as exc:  # noqa: BLE001 - any failure is a bad input
            raise CurationError(f"{source}: not a saved datasets folder ({type(exc).__name__}: {exc})") from exc
        if isinstance(loaded, datasets.DatasetDict):
            return [row for split in sorted(loaded) for row in loaded[split].to_list()]
        return loaded.to_list()
    if not path.exists():
        if "/" in source and not source.startswith((".", "/")) and path.suffix == "":
            return _load_hub(source)
        raise CurationError(f"{source}: file not found")
    return tables.read_rows(source)


def _load_hub(dataset_id: str) -> list[dict]:
    import datasets

    try:
        loaded = datasets.load_dataset(dataset_id, split="train")
    except Exception as exc:  # noqa: BLE001
        raise CurationError(f"{dataset_id}: cannot load dataset ({type(exc).__name__}: {exc})") from exc
    return loaded.to_list()


def get_field(row: dict, dotted: str) -> Any:
    """Value at a dotted path (``reward_model.ground_truth.target``); a missing path gives ``MISSING``."""
    return tables.get_field(row, dotted)


def as_text(value: Any, field_name: str) -> str | None:
    """Coerce a field's value to text: chat message lists give the last user message; structs with a ``target``
    give it; one-element lists give their element; numbers become their decimal text."""
    if value is None or value is _MISSING:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return str(int(value)) if isinstance(value, int) or float(value).is_integer() else repr(value)
    if isinstance(value, dict):
        for key in ("target", "content", "answer", "ground_truth"):
            if key in value:
                return as_text(value[key], field_name)
        return None
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(item, dict) and "content" in item for item in value):
            return chat_text(value, role="user")
        if len(value) == 1:
            return as_text(value[0], field_name)
        if not value:
            return None
        return "\n".join(str(item) for item in value) if field_name == "solution" else _MULTI
    return str(value)


_MULTI = "\x00multiple"


def pick(
    row: dict, explicit: str | None, defaults: tuple[str, ...], field_name: str, where: str, required: bool
) -> str | None:
    """The text of a field: the explicit path (must exist) or the first default path present."""
    if explicit:
        value = get_field(row, explicit)
        if value is _MISSING:
            if required:
                raise CurationError(f"{where}: field '{explicit}' missing")
            return None
        return as_text(value, field_name)
    for name in defaults:
        value = get_field(row, name)
        if value is not _MISSING and value is not None:
            return as_text(value, field_name)
    return None


def load_records(
    inputs: list[str],
    problem_field: str | None = None,
    answer_field: str | None = None,
    solution_field: str | None = None,
) -> list[dict]:
    """Read every input and map each row to a raw record (problem, answer, solution, provenance)."""
    records: list[dict] = []
    for source in inputs:
        rows = read_rows(source)
        if not rows:
            raise CurationError(f"{source}: no rows")
        label = Path(source).stem if Path(source).exists() else source
        without_problem = 0
        for number, row in enumerate(rows, start=1):
            where = f"{source}: row {number}"
            problem = pick(row, problem_field, PROBLEM_FIELDS, "problem", where, required=False)
            if problem is None or problem == _MULTI or not problem.strip():
                # one such row is rejected with its reason (the normalise step); a file where no row has one is an error
                without_problem += 1
                if without_problem == len(rows):
                    field = problem_field or "/".join(PROBLEM_FIELDS[:2])
                    raise CurationError(f"{source}: row 1: field '{field}' missing or empty in every row")
            answer = pick(row, answer_field, ANSWER_FIELDS, "answer", where, required=bool(answer_field))
            solution = pick(row, solution_field, SOLUTION_FIELDS, "solution", where, required=bool(solution_field))
            records.append(
                {
                    "idx": len(records),
                    "source": str(row.get("data_source") or row.get("source") or label),
                    "input": label,
                    "row": number,
                    "problem_raw": "" if problem is None or problem == _MULTI else problem,
                    "problem_multi": problem == _MULTI,
                    "answer_raw": None if answer == _MULTI else answer,
                    "answer_multi": answer == _MULTI,
                    "solution": solution if solution != _MULTI else None,
                }
            )
    return records
