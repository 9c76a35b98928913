"""Training prompts: read the verl-schema parquet that ``mathreward curate`` writes and render prompts for a model."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


class DataError(ValueError):
    """A bad input file; the message is one line naming the file, row and field."""


@dataclass
class PromptSet:
    """Prompts (a string or a list of chat messages each) with their gold answers."""

    prompts: list[Any]
    golds: list[str | None]

    def __len__(self) -> int:
        return len(self.prompts)


def load_prompt_parquet(
    path: str | Path, *, prompt_field: str = "prompt", gold_field: str = "reward_model.ground_truth"
) -> PromptSet:
    """Read ``prompt`` (list of ``{role, content}`` or a string) and ``reward_model.ground_truth`` from a parquet."""
    import pyarrow.parquet as pq

    path = Path(path)
    try:
        rows = pq.read_table(path).to_pylist()
    except Exception as exc:  # unreadable, missing, not parquet
        raise DataError(f"{path}: cannot read parquet ({type(exc).__name__}: {exc})".splitlines()[0]) from None
    if not rows:
        raise DataError(f"{path}: no rows")
    prompts, golds = [], []
    for index, row in enumerate(rows):
        prompt = _get(row, prompt_field)
        if isinstance(prompt, str):
            if not prompt.strip():
                raise DataError(f"{path}: row {index}: field '{prompt_field}' is empty")
        elif isinstance(prompt, list) and prompt:
            for message in prompt:
                if not isinstance(message, dict) or not isinstance(message.get("content"), str):
                    raise DataError(f"{path}: row {index}: field '{prompt_field}' must hold {{role, content}} messages")
        else:
            raise DataError(f"{path}: row {index}: field '{prompt_field}' is missing or not a string/message list")
        gold = _get(row, gold_field)
        if gold is None or str(gold).strip() == "":
            raise DataError(f"{path}: row {index}: field '{gold_field}' is missing")
        prompts.append(prompt)
        golds.append(str(gold))
    return PromptSet(prompts, golds)


def _get(row: dict[str, Any], dotted: str) -> Any:
    value: Any = row
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def render_prompt(tokenizer: Any, prompt: Any) -> str:
    """Prompt text for generation: the tokenizer's chat template with a generation prompt when it has one, else the
    messages' contents joined by blank lines (or the string itself)."""
    messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return "\n\n".join(message["content"] for message in messages)
