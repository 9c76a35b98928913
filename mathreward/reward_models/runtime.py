"""Device / dtype choice, the tokenizer, and the small JSON config saved next to every reward model's weights.

The layer below both models (``pairwise_model``, ``bt_model``) and ``loading``, which picks one of them.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

RM_CONFIG_NAME = "reward_model.json"


def pick_device(device: str | torch.device | None = None) -> torch.device:
    """The given device, else CUDA when available, else CPU."""
    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def pick_dtype(device: torch.device, dtype: str | torch.dtype | None = None) -> torch.dtype:
    """The given dtype, else bf16 on a GPU that supports it, fp16 on other GPUs, float32 on CPU."""
    if isinstance(dtype, torch.dtype):
        return dtype
    if isinstance(dtype, str):
        names = {"float32": torch.float32, "fp32": torch.float32, "bfloat16": torch.bfloat16, "bf16": torch.bfloat16}
        names.update({"float16": torch.float16, "fp16": torch.float16})
        if dtype not in names:
            raise ValueError(f"unknown dtype {dtype!r}; use one of {sorted(names)}")
        return names[dtype]
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


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
