"""Turning judge texts into left-padded model inputs whose last position is the last real token of every row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

TRUNCATION_MARK = " ..."


def fit_responses(
    tokenizer: Any, render: Callable[[str, str], str], response_a: str, response_b: str, max_length: int | None
) -> str:
    """Render the judge text, shortening the two responses (tails cut, ``...`` marked) to fit ``max_length`` tokens.

    ``render(a, b)`` builds the judge text. The instructions, the question and the final line are never cut, so the
    verdict position survives; only the responses shrink, each to an equal share of the room left.
    """
    text = render(response_a, response_b)
    if max_length is None:
        return text
    n_tokens = len(tokenizer(text, add_special_tokens=True)["input_ids"])
    if n_tokens <= max_length:
        return text
    fixed = len(tokenizer(render("", ""), add_special_tokens=True)["input_ids"])
    mark = len(tokenizer(TRUNCATION_MARK, add_special_tokens=False)["input_ids"])
    share = max(1, (max_length - fixed) // 2 - mark - 1)
    shortened = []
    for response in (response_a, response_b):
        ids = tokenizer(response, add_special_tokens=False)["input_ids"]
        shortened.append(response if len(ids) <= share else tokenizer.decode(ids[:share]) + TRUNCATION_MARK)
    return render(*shortened)


def encode_left_padded(tokenizer: Any, texts: list[str], device: torch.device | str | None = None) -> dict:
    """Tokenize ``texts`` and left-pad them into ``input_ids``, ``attention_mask`` and ``position_ids``.

    Position ids count real tokens only (0 at each row's first real token), so a row gets the same positions, hence
    the same logits, whether it is alone or padded beside longer rows. The padding is done here rather than by the
    tokenizer so it is left padding whatever the tokenizer's own ``padding_side``.
    """
    if tokenizer.pad_token_id is None:
        raise ValueError("the tokenizer has no pad token; set tokenizer.pad_token (e.g. to the eos token) first")
    encoded = [tokenizer(text, add_special_tokens=True)["input_ids"] for text in texts]
    width = max(len(ids) for ids in encoded)
    input_ids = torch.full((len(texts), width), tokenizer.pad_token_id, dtype=torch.long)
    attention_mask = torch.zeros((len(texts), width), dtype=torch.long)
    for row, ids in enumerate(encoded):
        if ids:
            input_ids[row, width - len(ids) :] = torch.tensor(ids, dtype=torch.long)
            attention_mask[row, width - len(ids) :] = 1
    position_ids = (attention_mask.cumsum(dim=1) - 1).clamp(min=0)
    batch = {"input_ids": input_ids, "attention_mask": attention_mask, "position_ids": position_ids}
    if device is not None:
        batch = {key: value.to(device) for key, value in batch.items()}
    return batch
