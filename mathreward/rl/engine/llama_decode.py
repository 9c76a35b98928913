"""A lean one-token decode step for Llama-architecture causal LMs, for the RL sampling loop.

``transformers``' forward spends most of a decode step of a small model in per-call machinery (mask building, cache
objects, output classes), far more than the model's arithmetic. This step does the same arithmetic as the model's own
modules in fewer, larger operations: the query/key/value projections (and gate/up) are one matrix product on weights
concatenated once per generation, the rotary embedding of the queries and keys is one batched product with a
per-position rotation matrix, the keys are kept transposed so attention is two batched products and a softmax, and the
residual additions are folded into the output products. The numbers are those of the model's own forward up to float
rounding. Models of another architecture keep the ``transformers`` forward.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from mathreward.rl.engine.llama_layers import fuses_weights, known_llama, rms_normalize, rotary_cos_sin


def supports(model: Any) -> bool:
    """True for a Llama-architecture model in eval mode whose modules this step knows."""
    return known_llama(model) and not model.training


def _layer_kv(cache: Any, index: int) -> tuple[torch.Tensor, torch.Tensor]:
    if hasattr(cache, "layers"):
        layer = cache.layers[index]
        return layer.keys, layer.values
    return cache.key_cache[index], cache.value_cache[index]


class _Projection:
    """``nn.Linear`` modules of one RMS-normalised input as one product. Small models: the weights concatenated once
    per generation, with the norm's weight (and per-module scales) folded in. Large models (where a copy of the weights
    would cost memory): the norm's weight applied to the input and the separate products concatenated."""

    def __init__(self, norm: Any, *modules: Any, fuse: bool, scales: tuple[float, ...] | None = None) -> None:
        self.eps = torch.tensor(norm.variance_epsilon, dtype=torch.float32, device=norm.weight.device)
        scales = scales or (1.0,) * len(modules)
        self.fused = fuse
        if fuse:
            self.weight = torch.cat([m.weight * s for m, s in zip(modules, scales, strict=True)]) * norm.weight
            biases = [m.bias * s if m.bias is not None else None for m, s in zip(modules, scales, strict=True)]
            self.bias = (
                torch.cat(
                    [
                        b if b is not None else m.weight.new_zeros(m.weight.shape[0])
                        for b, m in zip(biases, modules, strict=True)
                    ]
                )
                if any(b is not None for b in biases)
                else None
            )
        self.norm_weight = norm.weight
        self.parts = [(m.weight, m.bias, s) for m, s in zip(modules, scales, strict=True)]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """The products of the RMS-normalised ``x`` [B, H]."""
        normed = rms_normalize(x, self.eps)
        if self.fused:
            return F.linear(normed, self.weight, self.bias)
        normed = self.norm_weight * normed
        outputs = [F.linear(normed, w, b) if s == 1.0 else F.linear(normed, w, b) * s for w, b, s in self.parts]
        return torch.cat(outputs, dim=-1) if len(outputs) > 1 else outputs[0]


class _Layer:
    """One decoder layer's weights and sizes, read once per generation (module attribute lookups cost more than a
    small model's arithmetic). The query weights carry the attention scale."""

    def __init__(self, layer: Any, fuse: bool) -> None:
        attn, mlp = layer.self_attn, layer.mlp
        self.head_dim = attn.head_dim
        self.heads = attn.q_proj.weight.shape[0] // self.head_dim
        self.kv_heads = attn.k_proj.weight.shape[0] // self.head_dim
        self.qkv = _Projection(
            layer.input_layernorm, attn.q_proj, attn.k_proj, attn.v_proj, fuse=fuse, scales=(attn.scaling, 1.0, 1.0)
        )
        self.o_weight, self.o_bias = attn.o_proj.weight, attn.o_proj.bias
        self.gate_up = _Projection(layer.post_attention_layernorm, mlp.gate_proj, mlp.up_proj, fuse=fuse)
        self.down_weight, self.down_bias = mlp.down_proj.weight, mlp.down_proj.bias
        self.act = mlp.act_fn


def rotation_table(model: Any, length: int, device: torch.device) -> torch.Tensor:
    """[length, D, D] matrices R with ``x @ R[p]`` = the rotary embedding of a query/key row ``x`` at position ``p``
    (``x * cos + rotate_half(x) * sin``, as ``transformers``' Llama)."""
    cos, sin = rotary_cos_sin(model, length, device)  # [length, D]
    dim = cos.shape[-1]
    half = dim // 2
    table = torch.diag_embed(cos)
    columns = torch.arange(dim, device=device)
    # rotate_half(x)[j] = -x[j + half] for j < half, x[j - half] for j >= half
    table[:, (columns[:half] + half), columns[:half]] = -sin[:, :half]
    table[:, (columns[half:] - half), columns[half:]] = sin[:, half:]
    return table


class LlamaDecoder:
    """Key/value buffers for ``max_new_tokens`` more positions after a prefill, and the decode step over them."""

    def __init__(
        self, model: Any, cache: Any, attention_mask: torch.Tensor, max_new_tokens: int, group_size: int = 1
    ) -> None:
        """``cache``: the prefill's cache of the distinct prompts; with ``group_size`` > 1 each prompt's keys and
        values are copied to its ``group_size`` rows here (``attention_mask`` is the rows' mask)."""
        inner = model.model
        fuse = fuses_weights(model)
        self.embed = inner.embed_tokens
        self.layers = [_Layer(layer, fuse) for layer in inner.layers]
        self.head = _Projection(inner.norm, model.lm_head, fuse=fuse)
        self.length = attention_mask.shape[1]
        reach = self.length + max_new_tokens
        self.keys_t: list[torch.Tensor] = []  # [B, kv_heads, D, reach]: keys transposed, for scores = q @ keys_t
        self.values: list[torch.Tensor] = []  # [B, kv_heads, reach, D]
        for index in range(len(self.layers)):
            keys, values = _layer_kv(cache, index)
            prompts, heads, length, dim = keys.shape
            k = keys.new_empty((prompts * group_size, heads, dim, reach))
            v = values.new_empty((prompts * group_size, heads, reach, values.shape[-1]))
            # transposed once per prompt (contiguous), then copied to its rows in runs of contiguous positions
            k.view(prompts, group_size, heads, dim, reach)[..., :length] = keys.transpose(-1, -2).contiguous()[:, None]
            v.view(prompts, group_size, heads, reach, -1)[:, :, :, :length] = values[:, None]
            self.keys_t.append(k)
            self.values.append(v)
        dtype = self.values[0].dtype if self.values else self.embed.weight.dtype
        self.rotation = rotation_table(model, reach, attention_mask.device).to(dtype)
        # additive padding mask of each row's keys (the dtype's minimum on padding, 0 elsewhere), repeated for the
        # key heads so that it adds to the [B * kv_heads, ...] scores in one product; None when nothing is padded
        self.mask: torch.Tensor | None = None
        if not bool(attention_mask.all()):
            kv_heads = self.layers[0].kv_heads
            mask = torch.zeros((attention_mask.shape[0], kv_heads, 1, reach), dtype=dtype, device=attention_mask.device)
            padding = ~attention_mask.bool()[:, None, None, :].expand(-1, kv_heads, -1, -1)
            mask[..., : self.length].masked_fill_(padding, torch.finfo(dtype).min)
            self.mask = mask

    def select(self, index: torch.Tensor) -> None:
        """Keep only the rows ``index`` (rows that finished leave the batch): the kept rows' filled positions move to
        the front of the same buffers (no new buffers, no copy of positions not yet written)."""
        rows, filled = index.numel(), self.length
        for layer in range(len(self.layers)):
            keys_t, values = self.keys_t[layer], self.values[layer]
            keys_t[:rows, ..., :filled] = keys_t[index, ..., :filled]
            values[:rows, :, :filled] = values[index, :, :filled]
            self.keys_t[layer], self.values[layer] = keys_t[:rows], values[:rows]
        if self.mask is not None:
            self.mask = self.mask[index]

    def step(self, tokens: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """Logits [B, V] after feeding ``tokens`` [B] at ``positions`` [B, 1]."""
        hidden = F.embedding(tokens, self.embed.weight)  # [B, H]
        batch = hidden.shape[0]
        rotation = self.rotation.index_select(0, positions.view(-1))  # [B, D, D]
        at = self.length
        filled = at + 1
        mask = None if self.mask is None else self.mask.view(-1, 1, self.mask.shape[-1])[..., :filled]
        for layer, keys_t, values in zip(self.layers, self.keys_t, self.values, strict=True):
            dim, heads, kv_heads = layer.head_dim, layer.heads, layer.kv_heads
            qkv = layer.qkv(hidden)
            # queries and keys rotated together: [B, heads + kv_heads, D] @ [B, D, D]
            qk = torch.bmm(qkv[:, : (heads + kv_heads) * dim].view(batch, heads + kv_heads, dim), rotation)
            keys_t[..., at] = qk[:, heads:]
            values[:, :, at] = qkv[:, (heads + kv_heads) * dim :].view(batch, kv_heads, dim)
            # grouped-query attention without repeating keys: the query heads of one key head are its rows
            q = qk[:, :heads].reshape(batch * kv_heads, heads // kv_heads, dim)
            keys = keys_t.view(batch * kv_heads, dim, -1)[..., :filled]
            scores = torch.bmm(q, keys) if mask is None else torch.baddbmm(mask, q, keys)
            out = torch.bmm(scores.softmax(-1), values.view(batch * kv_heads, -1, dim)[:, :filled])
            hidden = _linear_add(hidden, out.view(batch, heads * dim), layer.o_weight, layer.o_bias)
            gate, up = layer.gate_up(hidden).chunk(2, dim=-1)
            hidden = _linear_add(hidden, layer.act(gate) * up, layer.down_weight, layer.down_bias)
        self.length += 1
        return self.head(hidden)


def _linear_add(
    residual: torch.Tensor, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None
) -> torch.Tensor:
    """``residual + F.linear(x, weight, bias)`` for 2-D ``x`` in one product."""
    if bias is not None:
        residual = residual + bias
    return torch.addmm(residual, x, weight.t())
