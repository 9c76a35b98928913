"""A reward-model checkpoint's files: the weights, the tokenizer and the small JSON config, and ``SavedRewardModel``,
the saving and device both reward models share.

The layer below both models (``pairwise_model``, ``bt_model``) and ``loading``, which picks one of them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

RM_CONFIG_NAME = "reward_model.json"


def read_rm_config(path: str | Path) -> dict:
    """The reward model's JSON config (objective, template, temperature, ...); empty for a plain base model."""
    file = Path(path) / RM_CONFIG_NAME
    if not file.is_file():
        return {}
    return json.loads(file.read_text(encoding="utf-8"))


def write_rm_config(path: str | Path, config: dict) -> None:
    """Write the reward model's JSON config into the model folder."""
    from mathreward.tables import write_json

    write_json(Path(path) / RM_CONFIG_NAME, config)


def load_tokenizer(path_or_id: str | Path) -> Any:
    """``AutoTokenizer`` with a pad token (the eos token when the tokenizer has none)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(path_or_id))
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


class SavedRewardModel:
    """A transformers ``model`` and its ``tokenizer`` saved as one folder with the reward-model JSON config
    (``config_dict``): the base of ``PairwiseRM`` and ``BTRewardModel``."""

    model: Any
    tokenizer: Any

    def config_dict(self) -> dict:
        """What is saved next to the weights (each model says)."""
        raise NotImplementedError

    def save_pretrained(self, path: str | Path) -> None:
        """Save weights (safetensors), tokenizer and the reward-model JSON config into ``path``."""
        Path(path).mkdir(parents=True, exist_ok=True)
        self.model.save_pretrained(str(path), safe_serialization=True)
        self.tokenizer.save_pretrained(str(path))
        write_rm_config(path, self.config_dict())

    @property
    def device(self) -> torch.device:
        """The device of the model's weights."""
        return next(self.model.parameters()).device
