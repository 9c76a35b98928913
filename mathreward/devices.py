"""Device and dtype choice for every model the package loads: the RL policy, the sampler and the reward models.

``resolve_device`` picks where a model runs; ``inference_dtype`` the weights' dtype of a model that only predicts
(sampling, scoring); ``training_dtypes`` the weights' and autocast dtypes of a model that is trained.
"""

from __future__ import annotations

import torch

DTYPES = {
    "float32": torch.float32,
    "fp32": torch.float32,
    "bfloat16": torch.bfloat16,
    "bf16": torch.bfloat16,
    "float16": torch.float16,
    "fp16": torch.float16,
}


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """The given device; ``None`` or ``"auto"``: the first CUDA device when available, else CPU."""
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def dtype_named(name: str) -> torch.dtype:
    """The torch dtype of a name in :data:`DTYPES` (``float32``/``fp32``, ``bfloat16``/``bf16``, ...)."""
    if name not in DTYPES:
        raise ValueError(f"unknown dtype {name!r}; use one of {sorted(DTYPES)}")
    return DTYPES[name]


def inference_dtype(device: torch.device, dtype: str | torch.dtype | None = None) -> torch.dtype:
    """The given dtype; ``None`` or ``"auto"``: bf16 on a GPU that supports it, fp16 on other GPUs, float32 on CPU."""
    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype is not None and dtype != "auto":
        return dtype_named(dtype)
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def training_dtypes(name: str, device: torch.device) -> tuple[torch.dtype, torch.dtype | None]:
    """(weight dtype, autocast dtype) of a model being trained. ``auto``: float32 weights with bfloat16 autocast on a
    GPU that supports it (mixed precision: small learning rates such as DAPO's 1e-6 still move fp32 weights), plain
    float32 on CPU. An explicit dtype puts the weights in that dtype without autocast."""
    if name == "auto":
        if device.type == "cuda" and torch.cuda.is_bf16_supported():
            return torch.float32, torch.bfloat16
        return torch.float32, None
    return dtype_named(name), None
