"""The files of a reward-model checkpoint besides its weights: the tokenizer and the small JSON config.

The layer below both models (``pairwise_model``, ``bt_model``) and ``loading``, which picks one of them.
"""

from __future__ import annotations

import json
from pathlib import Path

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


def load_tokenizer(path_or_id: str | Path):
    """``AutoTokenizer`` with a pad token (the eos token when the tokenizer has none)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(path_or_id))
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer
