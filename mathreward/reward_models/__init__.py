"""The generative pairwise reward model (Pairwise-RL) and its Bradley-Terry baseline.

``PairwiseRM``, ``BTRewardModel`` and ``load_reward_model`` are imported lazily (they need torch), so importing the
package, or ``mathreward --help``, stays light.

- the models: ``pairwise_model`` (``PairwiseRM``: a causal LM answering "A" or "B"), ``bt_model`` (the
  Bradley-Terry baseline), ``judge_prompt`` (the judge's prompt text and verdict letters), ``encoding`` (left-padded
  inputs), ``checkpoint_files`` (tokenizer, JSON config, saving), ``loading`` (a folder as the model it names).
- training: ``data`` (preference pairs), ``objectives`` (one registry entry per objective), ``train`` (the loop),
  ``calibration`` (temperature), ``synthetic`` and ``tiny_lm`` (local tasks and models for tests and the demo).
- evaluation: ``metrics``, ``evaluate`` (held-out report), ``plots``; ``commands`` (``mathreward rm``), ``demo``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the lazy names' definitions, for editors and type checkers; at run time imported on first use
    from mathreward.reward_models.bt_model import BTRewardModel
    from mathreward.reward_models.data import PreferencePair, load_pairs
    from mathreward.reward_models.judge_prompt import JudgeTemplate
    from mathreward.reward_models.loading import load_reward_model
    from mathreward.reward_models.pairwise_model import PairwiseRM

_LAZY = {
    "PairwiseRM": "mathreward.reward_models.pairwise_model",
    "BTRewardModel": "mathreward.reward_models.bt_model",
    "load_reward_model": "mathreward.reward_models.loading",
    "PreferencePair": "mathreward.reward_models.data",
    "load_pairs": "mathreward.reward_models.data",
    "JudgeTemplate": "mathreward.reward_models.judge_prompt",
}

__all__ = ["BTRewardModel", "JudgeTemplate", "PairwiseRM", "PreferencePair", "load_pairs", "load_reward_model"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'reward_models' has no attribute {name!r}")
