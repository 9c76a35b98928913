"""Load a trained reward model folder as the model its saved config names."""

from __future__ import annotations

from pathlib import Path

import torch

from mathreward.reward_models.bt_model import BTRewardModel
from mathreward.reward_models.checkpoint_files import read_rm_config
from mathreward.reward_models.pairwise_model import PairwiseRM


def load_reward_model(
    path: str | Path, device: str | torch.device | None = None, dtype: str | torch.dtype | None = None
) -> PairwiseRM | BTRewardModel:
    """Load a trained reward model folder as :class:`PairwiseRM` or :class:`BTRewardModel` by its saved objective."""
    objective = read_rm_config(path).get("objective", "pairwise")
    if objective == "bt":
        return BTRewardModel.from_pretrained(path, device=device, dtype=dtype)
    return PairwiseRM.from_pretrained(path, device=device, dtype=dtype)
