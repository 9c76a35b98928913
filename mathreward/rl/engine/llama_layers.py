"""What the lean Llama decode step (``llama_decode``) and training forward (``llama_train``) share: which models they
know, when weights are fused, the RMSNorm without its weight, and the rotary embedding's angles."""

from __future__ import annotations

from typing import Any

import torch

ROPE_TYPES = ("default", "linear", "llama3")  # rotary tables that do not depend on the sequence length
FUSE_LIMIT = 1 << 26  # fuse the projections of models up to this many parameters in their layers (fused copies)


def known_llama(model: Any) -> bool:
    """True for a Llama-architecture model whose modules the lean decode and training forwards know."""
    config = getattr(model, "config", None)
    inner = getattr(model, "model", None)
    rotary = getattr(inner, "rotary_emb", None)
    return (
        getattr(config, "model_type", None) == "llama"
        and inner is not None
        and rotary is not None
        and getattr(rotary, "rope_type", "default") in ROPE_TYPES
        and hasattr(getattr(inner, "norm", None), "variance_epsilon")
        and hasattr(model, "lm_head")
    )


def fuses_weights(model: Any) -> bool:
    """Whether the model is small enough (``FUSE_LIMIT`` parameters in its layers) for fused weight copies."""
    return sum(p.numel() for p in model.model.layers.parameters()) <= FUSE_LIMIT


def rms_normalize(x: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """``x / sqrt(mean(x ** 2) + eps)`` over the last dimension, in float32 (a Llama RMSNorm without its weight), in
    four operations: the mean square is ``|x| ** 2 / n``."""
    normed = x.float()
    size = torch.linalg.vector_norm(normed, dim=-1, keepdim=True)
    return (normed * torch.addcmul(eps, size, size, value=1.0 / x.shape[-1]).rsqrt_()).to(x.dtype)


def rotary_cos_sin(model: Any, length: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """The cosines and sines [length, D] in float32 that the model's rotary embedding applies at positions
    ``0 .. length - 1`` (each frequency twice: columns j and j + D / 2), from the model's own ``rotary_emb``."""
    inner = model.model
    probe = inner.embed_tokens.weight[:1, None].float()
    cos, sin = inner.rotary_emb(probe, torch.arange(length, device=device)[None])
    return cos[0], sin[0]
