"""Shared-prompt forward for the policy update: each distinct prompt of a batch is read once.

A GRPO-style batch holds ``group_size`` responses per prompt, and the plain forward reads every prompt once per
response. Here the distinct prompts run first (with gradients, as any forward), their key/value cache is indexed out
to the rows that share them, and the responses run on top of it. The logits of the response tokens, and so the loss
and its gradients, are those of the plain forward up to float rounding: a response token sees the same keys and values
at the same positions either way; the gradient of a prompt's keys/values is the sum over the rows that read them,
which the indexing's backward accumulates.

The model's own forward does both passes (any ``transformers`` causal LM whose cache can be indexed by rows), so
nothing about the architecture is repeated here.
"""

from __future__ import annotations

from typing import Any, Protocol

import torch

from mathreward.rl.engine.generation import cache_argument, cache_of


class PromptResponseRows(Protocol):
    """Rows of left-padded prompts (the first ``prompt_len`` columns) and right-padded responses, as ``rl.rollout``'s
    ``Batch`` holds them."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    position_ids: torch.Tensor
    prompt_len: int


def distinct_prompts(input_ids: torch.Tensor, attention_mask: torch.Tensor, prompt_len: int) -> torch.Tensor:
    """For each row, the index of its distinct prompt (ids and padding of the first ``prompt_len`` columns)."""
    key = torch.cat([input_ids[:, :prompt_len], attention_mask[:, :prompt_len]], dim=1)
    return torch.unique(key, dim=0, return_inverse=True)[1]


def group_order(group_of_row: torch.Tensor) -> torch.Tensor:
    """A random order of the rows that keeps each group's rows together: the groups in a random order (the global
    torch generator, so seeded runs repeat), each group's rows in their own order. Mini-batches cut from it hold
    whole groups when their size is a multiple of the group size."""
    groups, group_index = torch.unique(group_of_row, return_inverse=True)
    rank = torch.empty_like(group_index)
    rank[torch.randperm(groups.numel(), device=group_of_row.device)] = torch.arange(
        groups.numel(), device=group_of_row.device
    )
    # stable sort on the groups' random ranks keeps rows of a group in their order
    return torch.sort(rank[group_index], stable=True)[1]


def first_rows(prompt_of_row: torch.Tensor) -> torch.Tensor:
    """The first row of each distinct prompt (the row its prompt pass reads), from ``prompt_of_row``."""
    count = int(prompt_of_row.max()) + 1
    rows = prompt_of_row.numel()
    first = torch.full((count,), rows, dtype=torch.long, device=prompt_of_row.device)
    return first.scatter_reduce(0, prompt_of_row, torch.arange(rows, device=first.device), "amin")


def worth_sharing(prompt_of_row: torch.Tensor) -> bool:
    """True when some prompt is read by more than one row (otherwise the plain forward does less work)."""
    return int(prompt_of_row.max()) + 1 < prompt_of_row.numel()


def response_logits(
    model: Any, rows: PromptResponseRows, prompt_of_row: torch.Tensor, *, with_hidden: bool = False
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Logits [N, T, V] predicting each of the T response columns (columns ``prompt_len`` on of the left-padded
    prompt + right-padded response rows) and, with ``with_hidden``, the last hidden states [N, T + 1, H] at columns
    ``prompt_len - 1 ...`` (what the plain forward returns for the same rows).

    ``prompt_of_row`` maps each row to its distinct prompt (:func:`distinct_prompts`)."""
    input_ids, attention_mask = rows.input_ids, rows.attention_mask
    position_ids, prompt_len = rows.position_ids, rows.prompt_len
    first = first_rows(prompt_of_row)
    prompt = model(
        input_ids=input_ids[first, :prompt_len],
        attention_mask=attention_mask[first, :prompt_len],
        position_ids=position_ids[first, :prompt_len],
        use_cache=True,
        logits_to_keep=1,
        output_hidden_states=with_hidden,
    )
    cache = cache_of(prompt)
    cache.batch_select_indices(prompt_of_row)  # each row reads its prompt's keys/values (gradients sum back)
    response = model(
        input_ids=input_ids[:, prompt_len:],
        attention_mask=attention_mask,
        position_ids=position_ids[:, prompt_len:],
        use_cache=True,
        output_hidden_states=with_hidden,
        **{cache_argument(model): cache},
    )
    # The prompt's last column predicts the first response token; response column j predicts token j + 1.
    logits = torch.cat([prompt.logits[prompt_of_row, -1:], response.logits[:, :-1]], dim=1)
    hidden = None
    if with_hidden:
        hidden = torch.cat([prompt.hidden_states[-1][prompt_of_row, -1:], response.hidden_states[-1]], dim=1)
    return logits, hidden
