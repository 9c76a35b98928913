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
        and hasattr(getattr(inner, "norm", None), "variance_epsilon")
        and hasattr(model, "lm_head")
        and not model.training
    )


def _layer_kv(cache: Any, index: int) -> tuple[torch.Tensor, torch.Tensor]:
    if hasattr(cache, "layers"):
        layer = cache.layers[index]
        return layer.keys, layer.values
    return cache.key_cache[index], cache.value_cache[index]


class _Layer:
    """One decoder layer's weights and sizes, read once per generation (module attribute lookups cost more than a
    small model's arithmetic)."""

    def __init__(self, layer: Any) -> None:
        attn, mlp = layer.self_attn, layer.mlp
        self.norm1, self.norm2 = layer.input_layernorm, layer.post_attention_layernorm
        self.q, self.k, self.v, self.o = attn.q_proj, attn.k_proj, attn.v_proj, attn.o_proj
        self.gate, self.up, self.down, self.act = mlp.gate_proj, mlp.up_proj, mlp.down_proj, mlp.act_fn
        self.head_dim, self.scaling = attn.head_dim, attn.scaling


class LlamaDecoder:
    """Key/value buffers for ``max_new_tokens`` more positions after a prefill, and the decode step over them."""

    def __init__(self, model: Any, cache: Any, attention_mask: torch.Tensor, max_new_tokens: int) -> None:
        inner = model.model
        self.embed, self.norm, self.head = inner.embed_tokens, inner.norm, model.lm_head
        self.layers = [_Layer(layer) for layer in inner.layers]
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
        # rotary cos/sin of every position this decode can reach, read by index each step; the sine carries the
        # sign of rotate_half(x) = (-x2, x1), so that rotate_half(x) * sin == flip_halves(x) * signed_sin exactly
        reach = torch.arange(self.length + max_new_tokens, device=attention_mask.device)[None]
        cos, sin = inner.rotary_emb(self.embed.weight[:1, None], reach)
        half = sin.shape[-1] // 2
        self.cos, self.sin = cos[0], torch.cat([-sin[0, :, :half], sin[0, :, half:]], dim=-1)
        self.mask = torch.zeros(
            (attention_mask.shape[0], self.length + max_new_tokens), dtype=torch.bool, device=attention_mask.device
        )
        self.mask[:, : self.length] = attention_mask.bool()

    def select(self, index: torch.Tensor) -> None:
        """Keep only the rows ``index`` (rows that finished leave the batch): the kept rows' filled positions move to
        the front of the same buffers (no new buffers, no copy of positions not yet written)."""
        rows, filled = index.numel(), self.length
        for buffers in (self.keys, self.values):
            for layer, buffer in enumerate(buffers):
                buffer[:rows, :, :filled] = buffer[index, :, :filled]
                buffers[layer] = buffer[:rows]
        self.mask = self.mask[index]

    def step(self, tokens: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """Logits [B, V] after feeding ``tokens`` [B] at ``positions`` [B, 1]."""
        hidden = self.embed(tokens[:, None])
        batch = hidden.shape[0]
        cos, sin = self.cos[positions][:, None], self.sin[positions][:, None]
        at = self.length
        self.mask[:, at] = True
        mask = self.mask[:, None, None, : at + 1]
        for layer, keys, values in zip(self.layers, self.keys, self.values, strict=True):
            x = _norm(layer.norm1, hidden)
            q = _linear(layer.q, x).view(batch, -1, 1, layer.head_dim)  # [B, heads, 1, dim]: one position
            k = _linear(layer.k, x).view(batch, -1, 1, layer.head_dim)
            v = _linear(layer.v, x).view(batch, -1, 1, layer.head_dim)
            q = q * cos + _flip_halves(q) * sin
            k = k * cos + _flip_halves(k) * sin
            keys[:, :, at] = k[:, :, 0]
            values[:, :, at] = v[:, :, 0]
            k_all, v_all = keys[:, :, : at + 1], values[:, :, : at + 1]
            groups = q.shape[1] // k_all.shape[1]
            if groups > 1:
                k_all, v_all = k_all.repeat_interleave(groups, 1), v_all.repeat_interleave(groups, 1)
            out = F.scaled_dot_product_attention(q, k_all, v_all, attn_mask=mask, scale=layer.scaling)
            hidden = hidden + _linear(layer.o, out.view(batch, 1, -1))
            x = _norm(layer.norm2, hidden)
            hidden = hidden + _linear(layer.down, layer.act(_linear(layer.gate, x)) * _linear(layer.up, x))
        self.length += 1
        return _linear(self.head, _norm(self.norm, hidden))[:, -1]


def _flip_halves(x: torch.Tensor) -> torch.Tensor:
    """(x1, x2) -> (x2, x1) on the last dimension."""
    return x.unflatten(-1, (2, -1)).flip(-2).flatten(-2)


def _linear(module: Any, x: torch.Tensor) -> torch.Tensor:
    """``module(x)`` for an ``nn.Linear`` without the module call's overhead."""
    return F.linear(x, module.weight, module.bias)


def _norm(module: Any, x: torch.Tensor) -> torch.Tensor:
    """``module(x)`` for a Llama RMSNorm: the normalisation in float32 (one fused op), then the weight."""
    return module.weight * F.rms_norm(x.float(), module.weight.shape, eps=module.variance_epsilon).to(x.dtype)
