"""A lean one-token decode step for Llama-architecture causal LMs, for the RL sampling loop.

``transformers``' forward spends most of a decode step of a small model in per-call machinery (mask building, cache
objects, output classes): about 5 ms a token for a 2-layer model whose arithmetic takes a fraction of that. This step
runs the same modules (embedding, RMSNorms, projections, rotary embedding, MLP, head) on preallocated key/value
buffers filled from the prefill's cache, with one boolean padding mask; the numbers are those of the model's own
forward up to float rounding. Models of another architecture keep the ``transformers`` forward.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F


def supports(model: Any) -> bool:
    """True for a Llama-architecture model in eval mode whose modules this step knows."""
    config = getattr(model, "config", None)
    inner = getattr(model, "model", None)
    return (
        getattr(config, "model_type", None) == "llama"
        and inner is not None
        and hasattr(inner, "rotary_emb")
        and hasattr(model, "lm_head")
        and not model.training
    )


def _layer_kv(cache: Any, index: int) -> tuple[torch.Tensor, torch.Tensor]:
    if hasattr(cache, "layers"):
        layer = cache.layers[index]
        return layer.keys, layer.values
    return cache.key_cache[index], cache.value_cache[index]


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class LlamaDecoder:
    """Key/value buffers for ``max_new_tokens`` more positions after a prefill, and the decode step over them."""

    def __init__(self, model: Any, cache: Any, attention_mask: torch.Tensor, max_new_tokens: int) -> None:
        self.model = model
        self.layers = list(model.model.layers)
        self.keys: list[torch.Tensor] = []
        self.values: list[torch.Tensor] = []
        for index in range(len(self.layers)):
            keys, values = _layer_kv(cache, index)
            batch, heads, length, dim = keys.shape
            k = keys.new_empty((batch, heads, length + max_new_tokens, dim))
            v = values.new_empty((batch, heads, length + max_new_tokens, values.shape[-1]))
            k[:, :, :length] = keys
            v[:, :, :length] = values
            self.keys.append(k)
            self.values.append(v)
        self.length = attention_mask.shape[1]
        self.mask = torch.zeros(
            (attention_mask.shape[0], self.length + max_new_tokens), dtype=torch.bool, device=attention_mask.device
        )
        self.mask[:, : self.length] = attention_mask.bool()

    def select(self, index: torch.Tensor) -> None:
        """Keep only the rows ``index`` (rows that finished leave the batch)."""
        self.keys = [k[index] for k in self.keys]
        self.values = [v[index] for v in self.values]
        self.mask = self.mask[index]

    def step(self, tokens: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """Logits [B, V] after feeding ``tokens`` [B] at ``positions`` [B, 1]."""
        inner = self.model.model
        hidden = inner.embed_tokens(tokens[:, None])
        batch = hidden.shape[0]
        cos, sin = inner.rotary_emb(hidden, positions)
        cos, sin = cos[:, None], sin[:, None]
        at = self.length
        self.mask[:, at] = True
        mask = self.mask[:, None, None, : at + 1]
        for layer, keys, values in zip(self.layers, self.keys, self.values, strict=True):
            attn = layer.self_attn
            x = layer.input_layernorm(hidden)
            q = attn.q_proj(x).view(batch, 1, -1, attn.head_dim).transpose(1, 2)
            k = attn.k_proj(x).view(batch, 1, -1, attn.head_dim).transpose(1, 2)
            v = attn.v_proj(x).view(batch, 1, -1, attn.head_dim).transpose(1, 2)
            q = q * cos + _rotate_half(q) * sin
            k = k * cos + _rotate_half(k) * sin
            keys[:, :, at] = k[:, :, 0]
            values[:, :, at] = v[:, :, 0]
            k_all, v_all = keys[:, :, : at + 1], values[:, :, : at + 1]
            groups = q.shape[1] // k_all.shape[1]
            if groups > 1:
                k_all, v_all = k_all.repeat_interleave(groups, 1), v_all.repeat_interleave(groups, 1)
            out = F.scaled_dot_product_attention(q, k_all, v_all, attn_mask=mask, scale=attn.scaling)
            hidden = hidden + attn.o_proj(out.transpose(1, 2).reshape(batch, 1, -1))
            hidden = hidden + layer.mlp(layer.post_attention_layernorm(hidden))
        self.length += 1
        return self.model.lm_head(inner.norm(hidden))[:, -1]
