"""Training objectives, one small registry entry each: how to build the model, the examples, a batch and the loss.

- ``pairwise``: the generative judge. Every pair becomes two examples (chosen first -> "A", chosen second -> "B");
  the loss is cross-entropy of the verdict letter as the next token over the *full vocabulary* (the LM stays a
  generator that actually says "A" or "B"; inference then reads the softmax restricted to the two letters, whose
  optimum coincides). ``letter_loss="two-letter"`` restricts the cross-entropy to the two letter logits instead.
- ``bt``: Bradley-Terry baseline, a scalar head on the last token; loss -log sigmoid(s_chosen - s_rejected).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F

from mathreward.reward_models.data import PreferencePair
from mathreward.reward_models.encoding import encode_left_padded

if TYPE_CHECKING:
    from mathreward.reward_models.bt_model import BTRewardModel
    from mathreward.reward_models.judge_prompt import JudgeTemplate
    from mathreward.reward_models.pairwise_model import PairwiseRM


@dataclass(frozen=True)
class Objective:
    """The pieces of one training objective; the training loop itself is shared."""

    name: str
    build_model: Callable  # (base_path, tokenizer) -> torch.nn.Module
    wrap: Callable  # (model, tokenizer, max_length, template) -> PairwiseRM | BTRewardModel
    examples: Callable  # (wrapper, pairs) -> list of examples
    collate: Callable  # (wrapper, examples) -> dict of tensors (on CPU)
    loss: Callable  # (model, batch, letter_loss) -> (loss tensor, number correct, number of examples)


# --- pairwise (generative judge) -------------------------------------------------------------------------------


def _build_causal_lm(base_path: str | Path, tokenizer: Any) -> Any:
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(base_path), dtype=torch.float32)
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    return model


def _wrap_pairwise(
    model: Any, tokenizer: Any, max_length: int | None, template: JudgeTemplate | None = None
) -> PairwiseRM:
    from mathreward.reward_models.pairwise_model import PairwiseRM

    return PairwiseRM(model, tokenizer, template, max_length=max_length)


def _pairwise_examples(rm: PairwiseRM, pairs: list[PreferencePair]) -> list[tuple[str, int]]:
    """(judge text, index of the correct letter) for both orders of every pair."""
    examples = []
    for pair in pairs:
        examples.append((rm.judge_text(pair.prompt, pair.chosen, pair.rejected, pair.reference), 0))
        examples.append((rm.judge_text(pair.prompt, pair.rejected, pair.chosen, pair.reference), 1))
    return examples


def _pairwise_collate(rm: PairwiseRM, examples: list[tuple[str, int]]) -> dict:
    batch = encode_left_padded(rm.tokenizer, [text for text, _ in examples])
    letter_ids = torch.tensor(rm.template.letter_token_ids, dtype=torch.long)
    batch["target_index"] = torch.tensor([target for _, target in examples], dtype=torch.long)
    batch["letter_ids"] = letter_ids
    return batch


def _pairwise_loss(model: Any, batch: dict, letter_loss: str = "full-vocab") -> tuple[torch.Tensor, int, int]:
    target_index, letter_ids = batch["target_index"], batch["letter_ids"]
    inputs = {key: batch[key] for key in ("input_ids", "attention_mask", "position_ids")}
    logits = model(**inputs, logits_to_keep=1).logits[:, -1, :].float()
    letters = logits[:, letter_ids]
    if letter_loss == "full-vocab":
        loss = F.cross_entropy(logits, letter_ids[target_index])
    elif letter_loss == "two-letter":
        loss = F.cross_entropy(letters, target_index)
    else:
        raise ValueError(f"unknown letter_loss {letter_loss!r}; use 'full-vocab' or 'two-letter'")
    correct = (letters.argmax(dim=-1) == target_index).sum().item()
    return loss, correct, len(target_index)


# --- Bradley-Terry baseline -------------------------------------------------------------------------------------


def _build_bt(base_path: str | Path, tokenizer: Any) -> Any:
    from mathreward.reward_models.bt_model import build_bt_model

    return build_bt_model(base_path, tokenizer)


def _wrap_bt(
    model: Any, tokenizer: Any, max_length: int | None, template: JudgeTemplate | None = None
) -> BTRewardModel:
    from mathreward.reward_models.bt_model import BTRewardModel

    if template is None:
        return BTRewardModel(model, tokenizer, max_length=max_length)
    return BTRewardModel(
        model,
        tokenizer,
        max_length=max_length,
        response_lines=template.response_lines,
        question_view=template.question_view,
    )


def _bt_examples(bt: BTRewardModel, pairs: list[PreferencePair]) -> list[tuple[str, str]]:
    return [(bt.text(p.prompt, p.chosen, p.reference), bt.text(p.prompt, p.rejected, p.reference)) for p in pairs]


def _bt_collate(bt: BTRewardModel, examples: list[tuple[str, str]]) -> dict:
    texts = [chosen for chosen, _ in examples] + [rejected for _, rejected in examples]
    return encode_left_padded(bt.tokenizer, texts)


def _bt_loss(model: Any, batch: dict, letter_loss: str = "full-vocab") -> tuple[torch.Tensor, int, int]:
    scores = model(**batch).logits[:, 0].float()
    n = scores.shape[0] // 2
    margin = scores[:n] - scores[n:]
    loss = -F.logsigmoid(margin).mean()
    return loss, (margin > 0).sum().item(), n


OBJECTIVES: dict[str, Objective] = {
    "pairwise": Objective(
        "pairwise", _build_causal_lm, _wrap_pairwise, _pairwise_examples, _pairwise_collate, _pairwise_loss
    ),
    "bt": Objective("bt", _build_bt, _wrap_bt, _bt_examples, _bt_collate, _bt_loss),
}


def get_objective(name: str) -> Objective:
    """The registered objective called ``name``."""
    if name not in OBJECTIVES:
        raise ValueError(f"unknown objective {name!r}; choose from {sorted(OBJECTIVES)}")
    return OBJECTIVES[name]
