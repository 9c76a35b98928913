"""A lean shared-prompt training forward for Llama-architecture causal LMs (the policy update's forward).

The same arithmetic as ``transformers``' Llama forward on the trainer's layout (left-padded prompts, right-padded
responses), without its per-call machinery (mask and cache objects, output classes, hooks), and in fewer operations:
the query/key/value projections (and gate/up) are one product on weights concatenated in the graph, with the RMSNorm
weight and the attention scale folded in; queries and keys get the rotary embedding together from a table; attention
is ``F.scaled_dot_product_attention``. As :mod:`mathreward.rl.engine.shared_prefix`, each distinct prompt runs once and its
keys/values are indexed out to the rows that share it (the indexing's backward sums the rows' gradients), and the
output head runs once over the response positions. Logits, and so losses and every parameter's gradient, are those of
the model's own forward up to float rounding (``tests/test_rl_lean_llama.py``). Other architectures, larger models
(the fused weights are extra copies), dropout in attention, or rotary variants whose table depends on the sequence
length keep the model's own forward.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from mathreward.rl.engine.llama_layers import fuses_weights, known_llama, rms_normalize, rotary_cos_sin
from mathreward.rl.engine.shared_prefix import PromptResponseRows, first_rows


def supports(model: Any) -> bool:
    """True for a Llama-architecture model (up to 64M parameters in its layers) this forward reproduces, in train or
    eval mode."""
    return (
        known_llama(model)
        and not (model.training and getattr(model.config, "attention_dropout", 0.0))
        # the fused weights are copies kept for the backward: worth it for the small models this loop trains on CPU
        and fuses_weights(model)
    )


def _rotary_table(model: Any, positions: torch.Tensor) -> torch.Tensor:
    """Complex rotations [*positions.shape, 1, D / 2]: ``cos + i sin`` of each frequency at each position. With the
    query/key weights' rows interleaved (:func:`_interleave`), the rotary embedding of a head is one complex product:
    Llama rotates the pairs (j, j + D / 2) by the angle of frequency j."""
    cos, sin = rotary_cos_sin(model, int(positions.max()) + 1, positions.device)
    half = cos.shape[-1] // 2
    table = torch.complex(cos[:, :half], sin[:, :half])
    return table[positions].unsqueeze(-2)


def _interleave(weight: torch.Tensor, dim: int) -> torch.Tensor:
    """Rows of a query/key projection reordered within each head: (0, D/2, 1, D/2 + 1, ...), so that the pairs the
    rotary embedding rotates together are adjacent (real and imaginary part of one complex number). Queries and keys
    both reordered leave every attention score as it was."""
    shape = weight.shape
    return weight.view(-1, 2, dim // 2, *shape[1:]).transpose(1, 2).reshape(shape)


class _Weights:
    """A layer's weights for one forward: the RMSNorm weights and the attention scale folded into the fused
    projections (differentiable: the products and concatenations are part of the graph)."""

    def __init__(self, layer: Any) -> None:
        attn, mlp = layer.self_attn, layer.mlp
        self.dim = attn.head_dim
        self.heads = attn.q_proj.weight.shape[0] // self.dim
        self.kv_heads = attn.k_proj.weight.shape[0] // self.dim
        self.eps1 = _eps(layer.input_layernorm)
        self.eps2 = _eps(layer.post_attention_layernorm)
        q, k, v = attn.q_proj, attn.k_proj, attn.v_proj
        dim = self.dim
        self.qkv = torch.cat([_interleave(q.weight * attn.scaling, dim), _interleave(k.weight, dim), v.weight])
        self.qkv = self.qkv * layer.input_layernorm.weight
        self.qkv_bias = (
            torch.cat([_interleave(_bias(q) * attn.scaling, dim), _interleave(_bias(k), dim), _bias(v)])
            if any(m.bias is not None for m in (q, k, v))
            else None
        )
        self.o, self.o_bias = attn.o_proj.weight, attn.o_proj.bias
        gate, up = mlp.gate_proj, mlp.up_proj
        self.gate_up = torch.cat([gate.weight, up.weight]) * layer.post_attention_layernorm.weight
        self.gate_up_bias = (
            torch.cat([_bias(gate), _bias(up)]) if gate.bias is not None or up.bias is not None else None
        )
        self.down, self.down_bias = mlp.down_proj.weight, mlp.down_proj.bias
        self.act = mlp.act_fn
        # transformers' SiLUActivation or torch's SiLU: both F.silu
        self.silu = isinstance(mlp.act_fn, torch.nn.SiLU) or type(mlp.act_fn).__name__ == "SiLUActivation"


class _Mask:
    """A boolean attention mask (True: attend) as the additive mask of each dtype it is used in, made once."""

    def __init__(self, allowed: torch.Tensor) -> None:
        self.allowed = allowed
        self.additive: dict[torch.dtype, torch.Tensor] = {}

    def get(self, dtype: torch.dtype) -> torch.Tensor:
        if dtype not in self.additive:
            mask = torch.zeros(self.allowed.shape, dtype=dtype, device=self.allowed.device)
            self.additive[dtype] = mask.masked_fill_(~self.allowed, torch.finfo(dtype).min)
        return self.additive[dtype]


def _glu(act: Any, gate_up: torch.Tensor) -> torch.Tensor:
    gate, up = gate_up.chunk(2, dim=-1)
    return act(gate) * up


class _SwiGLU(torch.autograd.Function):
    """``silu(gate) * up`` of the fused [..., 2 I] gate/up product, whose backward writes both halves' gradients
    into one [..., 2 I] tensor (autograd's would compute them apart and concatenate them: two more passes)."""

    @staticmethod
    def forward(ctx: Any, gate_up: torch.Tensor) -> torch.Tensor:
        gate, up = gate_up.chunk(2, dim=-1)
        act = F.silu(gate)
        ctx.save_for_backward(gate_up, act)
        return act * up

    @staticmethod
    def backward(ctx: Any, *grads: torch.Tensor) -> torch.Tensor:
        (grad,) = grads
        gate_up, act = ctx.saved_tensors
        gate, up = gate_up.chunk(2, dim=-1)
        out = torch.empty_like(gate_up)
        grad_gate, grad_up = out.chunk(2, dim=-1)
        torch.mul(grad, act, out=grad_up)
        torch.ops.aten.silu_backward.grad_input(grad * up, gate, grad_input=grad_gate)
        return out


def _bias(linear: Any) -> torch.Tensor:
    return linear.bias if linear.bias is not None else linear.weight.new_zeros(linear.weight.shape[0])


def _eps(norm: Any) -> torch.Tensor:
    return torch.tensor(norm.variance_epsilon, dtype=torch.float32, device=norm.weight.device)


def _layer(
    w: _Weights,
    hidden: torch.Tensor,
    rotation: torch.Tensor,
    mask: _Mask,
    past: tuple[torch.Tensor, torch.Tensor] | None,
) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
    """One decoder layer over ``hidden`` [B, L, H]; ``past`` keys/values [B, kv_heads, P, D] come before these
    positions. Returns the new hidden states and this pass's keys/values."""
    batch, length, _ = hidden.shape
    heads, kv_heads, dim = w.heads, w.kv_heads, w.dim
    qkv = F.linear(rms_normalize(hidden, w.eps1), w.qkv, w.qkv_bias).view(batch, length, heads + 2 * kv_heads, dim)
    # split (not slices): the backward joins the parts' gradients in one pass instead of zero-filling qkv per slice
    qk, v = qkv.split([heads + kv_heads, kv_heads], dim=2)
    exact = qk.dtype in (torch.float32, torch.float64)  # complex numbers of half-precision parts: rotate in float32
    rotated = torch.view_as_complex((qk if exact else qk.float()).unflatten(-1, (dim // 2, 2))) * rotation
    qk = torch.view_as_real(rotated).flatten(-2)
    qk = qk if exact else qk.to(qkv.dtype)
    q, k = (part.transpose(1, 2) for part in qk.split([heads, kv_heads], dim=2))
    v = v.transpose(1, 2)
    keys, values = k, v
    if past is not None:
        keys, values = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
    if heads != kv_heads:
        keys = keys.repeat_interleave(heads // kv_heads, dim=1)
        values = values.repeat_interleave(heads // kv_heads, dim=1)
    out = F.scaled_dot_product_attention(
        q, keys, values, attn_mask=mask.get(q.dtype), scale=1.0
    )  # the scale is in the weights
    hidden = hidden + F.linear(out.transpose(1, 2).reshape(batch, length, heads * dim), w.o, w.o_bias)
    gate_up = F.linear(rms_normalize(hidden, w.eps2), w.gate_up, w.gate_up_bias)
    hidden = hidden + F.linear(_SwiGLU.apply(gate_up) if w.silu else _glu(w.act, gate_up), w.down, w.down_bias)
    return hidden, (k, v)


def response_logits(model: Any, rows: PromptResponseRows, prompt_of_row: torch.Tensor) -> torch.Tensor:
    """Logits [N, T, V] predicting each of the T response columns (columns ``prompt_len`` on), as
    :func:`mathreward.rl.engine.shared_prefix.response_logits`; ``prompt_of_row`` maps each row to its distinct prompt."""
    input_ids, attention_mask = rows.input_ids, rows.attention_mask
    position_ids, prompt_len = rows.position_ids, rows.prompt_len
    inner = model.model
    count = prompt_of_row.numel()
    first = first_rows(prompt_of_row)
    weight = inner.embed_tokens.weight
    rotation = _rotary_table(model, position_ids)
    prompt_valid = attention_mask[:, :prompt_len].bool()
    # prompt pass: causal over its valid tokens; a padding query sees itself only (its output is never read)
    causal = torch.ones((prompt_len, prompt_len), dtype=torch.bool, device=input_ids.device).tril()
    eye = torch.eye(prompt_len, dtype=torch.bool, device=input_ids.device)
    prompt_mask = _Mask((causal & prompt_valid[first][:, None, None, :]) | eye)
    # response pass: every valid prompt key, then causal over the response (its padding only follows a response)
    response_len = input_ids.shape[1] - prompt_len
    response_causal = torch.ones((response_len, response_len), dtype=torch.bool, device=input_ids.device).tril()
    padded = not bool(prompt_valid.all())  # without padding one [T, P + T] mask serves every row
    response_mask = _Mask(
        torch.cat(
            [
                (prompt_valid if padded else prompt_valid[:1])[:, None, None, :].expand(-1, 1, response_len, -1),
                response_causal[None, None].expand(count if padded else 1, 1, -1, -1),
            ],
            dim=-1,
        )
    )
    layers = [_Weights(layer) for layer in inner.layers]
    prompt_hidden = F.embedding(input_ids[first, :prompt_len], weight)
    hidden = F.embedding(input_ids[:, prompt_len:], weight)
    prompt_rotation, response_rotation = rotation[first, :prompt_len], rotation[:, prompt_len:]
    for w in layers:
        prompt_hidden, (keys, values) = _layer(w, prompt_hidden, prompt_rotation, prompt_mask, None)
        past = (keys.index_select(0, prompt_of_row), values.index_select(0, prompt_of_row))
        hidden, _ = _layer(w, hidden, response_rotation, response_mask, past)
    # the prompt's last column predicts response token 0; response column j predicts token j + 1
    final = torch.cat([prompt_hidden[:, -1:].index_select(0, prompt_of_row), hidden[:, :-1]], dim=1)
    final = rms_normalize(final, _eps(inner.norm)) * inner.norm.weight
    return F.linear(final, model.lm_head.weight, model.lm_head.bias)
