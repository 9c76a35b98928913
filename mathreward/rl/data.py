"""Training prompts: read the verl-schema parquet that ``mathreward curate`` writes and render prompts for a model."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mathreward.tables import MISSING, PARQUET_SUFFIXES, TableError, get_field, gold_text, read_rows


@dataclass
class PromptSet:
    """Prompts (a string or a list of chat messages each) with their gold answers, and each problem's
    ``extra_info.problem_id`` when the parquet has one (``mathreward curate`` writes it)."""

    prompts: list[Any]
    golds: list[str | None]
    problem_ids: list[str | None] | None = None

    def __len__(self) -> int:
        return len(self.prompts)

    def head(self, count: int) -> PromptSet:
        """The first ``count`` problems."""
        ids = self.problem_ids[:count] if self.problem_ids is not None else None
        return PromptSet(self.prompts[:count], self.golds[:count], ids)


def load_prompt_parquet(
    path: str | Path, *, prompt_field: str = "prompt", gold_field: str = "reward_model.ground_truth"
) -> PromptSet:
    """Read ``prompt`` (list of ``{role, content}`` or a string) and ``reward_model.ground_truth`` from a parquet.

    Bad input raises ``TableError``: one line naming the file, and the row (from 1) and field."""
    rows = read_rows(path, suffixes=PARQUET_SUFFIXES)
    if not rows:
        raise TableError(path, "no rows")
    prompts, golds, ids = [], [], []
    for row_number, row in enumerate(rows, start=1):
        prompt = get_field(row, prompt_field)
        if isinstance(prompt, str):
            if not prompt.strip():
                raise TableError(path, "is empty", row=row_number, field=prompt_field)
        elif isinstance(prompt, list) and prompt:
            for message in prompt:
                if not isinstance(message, dict) or not isinstance(message.get("content"), str):
                    raise TableError(path, "must hold {role, content} messages", row=row_number, field=prompt_field)
        else:
            raise TableError(path, "is missing or not a string/message list", row=row_number, field=prompt_field)
        gold = get_field(row, gold_field)
        if gold is MISSING or gold is None or str(gold).strip() == "":
            raise TableError(path, "is missing", row=row_number, field=gold_field)
        try:
            gold = gold_text(gold, gold_field)  # a verl object {question, solution, target}: its one answer
        except ValueError as exc:
            raise TableError(path, str(exc), row=row_number, field=gold_field) from None
        prompts.append(prompt)
        golds.append(gold)
        problem_id = get_field(row, "extra_info.problem_id")
        ids.append(str(problem_id) if problem_id is not MISSING and problem_id else None)
    return PromptSet(prompts, golds, ids if any(ids) else None)


ANCHOR_FORMAT = "Answer: {gold}"  # the DAPO answer format: the anchor when the data holds no reference solution


def anchor_solutions(path: str | Path, field: str | None, golds: list) -> list[str]:
    """The pairwise reward's anchor per row: the ``field`` column (a reference solution), else the gold answer in the
    task's answer format (``Answer: GOLD``). Raises ``TableError`` naming the row of a missing value."""
    if field is None:
        return [ANCHOR_FORMAT.format(gold=gold) for gold in golds]
    anchors = []
    for row_number, row in enumerate(read_rows(path, suffixes=PARQUET_SUFFIXES), start=1):
        value = get_field(row, field)
        if not isinstance(value, str) or not value.strip():
            raise TableError(path, "is missing or not a string", row=row_number, field=field)
        anchors.append(value)
    return anchors


def render_prompt(tokenizer: Any, prompt: Any) -> str:
    """Prompt text for generation: the tokenizer's chat template with a generation prompt when it has one, else the
    messages' contents joined by blank lines (or the string itself)."""
    messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return "\n\n".join(message["content"] for message in messages)
