"""A KV-cached batched sampling loop for the embedded RL trainer (``transformers.generate`` stays the reference).

One prefill over the distinct left-padded prompts (the responses of one prompt share one read of it: its cache is
copied to its group's rows), then one forward per new token. Rows that ended with EOS wait in the batch (their tokens
are discarded) until half of the batch has ended, then leave it (their KV cache rows are dropped); the loop ends when
every row has finished or ``max_new_tokens`` is reached. Token choice follows ``generate`` exactly: temperature, then
top-p (the same rule as ``TopPLogitsWarper``), then ``torch.multinomial``'s draw (:func:`draw_one`) over the whole
original batch (rows that left get a stale distribution), so the random stream is consumed as ``generate`` consumes it
and one seed gives the same tokens.

Besides the tokens it returns each sampled token's log-probability under ``logits / temperature`` (before top-p),
which is what the trainer's old-policy pass would recompute; the trainer can reuse it instead of a second forward.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec

import torch

from mathreward.rl.engine import llama_decode

P = ParamSpec("P")


@dataclass
class Generated:
    """``tokens`` [B, T] (pad after EOS; T <= max_new_tokens, the longest row) and ``logp`` [B, T] of the sampled
    tokens under logits / temperature (0 after EOS)."""

    tokens: torch.Tensor
    logp: torch.Tensor


def top_p_filter(scores: torch.Tensor, top_p: float) -> torch.Tensor:
    """Nucleus filtering as ``transformers``' ``TopPLogitsWarper``: drop the tokens whose ascending cumulative
    probability is <= 1 - top_p (the most likely token always stays)."""
    if top_p >= 1.0:
        return scores
    sorted_logits, sorted_indices = torch.sort(scores, descending=False)
    cumulative = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    remove = cumulative <= (1 - top_p)
    remove[..., -1:] = False
    remove = remove.scatter(1, sorted_indices, remove)
    return scores.masked_fill(remove, -float("inf"))


def _exponential_argmax(probs: torch.Tensor) -> torch.Tensor:
    q = torch.empty_like(probs).exponential_()
    return torch.div(probs, q, out=q).argmax(dim=-1)


_SAME_AS_MULTINOMIAL: dict[str, bool] = {}


def draw_one(probs: torch.Tensor) -> torch.Tensor:
    """One token per row of ``probs`` [B, V], the draw of ``torch.multinomial(probs, 1)`` with the same random
    numbers: PyTorch draws one sample as argmax(probs / q), q ~ Exp(1) over the whole tensor. Doing that here skips
    multinomial's input validation (a reduction and a sync per token). Checked once per device type against
    ``torch.multinomial`` on a forked random state; where they differ (another PyTorch), ``torch.multinomial`` is used."""
    kind = probs.device.type
    if kind not in _SAME_AS_MULTINOMIAL:
        with torch.random.fork_rng(devices=[probs.device] if kind == "cuda" else []):
            sample = torch.rand((16, 97), device=probs.device, dtype=probs.dtype).pow(4)
            state = torch.random.get_rng_state() if kind == "cpu" else torch.cuda.get_rng_state(probs.device)
            reference = torch.multinomial(sample, num_samples=1).squeeze(1)
            after_reference = torch.rand(3, device=probs.device)
            if kind == "cpu":
                torch.random.set_rng_state(state)
            else:
                torch.cuda.set_rng_state(state, probs.device)
            ours = _exponential_argmax(sample)
            same = torch.equal(ours, reference) and torch.equal(torch.rand(3, device=probs.device), after_reference)
        _SAME_AS_MULTINOMIAL[kind] = bool(same)
    if _SAME_AS_MULTINOMIAL[kind]:
        return _exponential_argmax(probs)
    return torch.multinomial(probs, num_samples=1).squeeze(1)


def _can_drop_rows(cache: Any) -> bool:
    return hasattr(cache, "batch_select_indices")


def _can_repeat_rows() -> bool:
    from transformers import DynamicCache

    return hasattr(DynamicCache, "batch_repeat_interleave")


def cache_argument(model: Any) -> str:
    """The forward argument that takes the KV cache: ``cache`` in newer transformers, ``past_key_values`` before."""
    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"


def cache_of(output: Any) -> Any:
    """The KV cache a forward with ``use_cache=True`` returned (``cache`` or ``past_key_values``)."""
    cache = getattr(output, "cache", None)
    return cache if cache is not None else output.past_key_values


def _ordinary_tensors(sample: Callable[P, Generated]) -> Callable[P, Generated]:
    """``sample`` run in ``torch.inference_mode`` (less per-operation bookkeeping than ``no_grad``), its tensors
    returned as ordinary ones (inference tensors cannot enter autograd later)."""

    @functools.wraps(sample)
    def run(*args: P.args, **kwargs: P.kwargs) -> Generated:
        with torch.inference_mode():
            generated = sample(*args, **kwargs)
        return Generated(generated.tokens.clone(), generated.logp.clone())

    return run


@_ordinary_tensors
def sample_tokens(
    model: Any,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    *,
    max_new_tokens: int,
    eos_ids: list[int],
    pad_id: int,
    do_sample: bool = True,
    temperature: float = 1.0,
    top_p: float = 1.0,
    drop_finished: bool = True,
    group_size: int = 1,
    lean_decode: bool = True,
) -> Generated:
    """Sample up to ``max_new_tokens`` tokens after left-padded prompts with the model's KV cache (see the module
    docstring). ``do_sample=False`` is greedy. ``drop_finished=False`` keeps finished rows in the batch (fed the pad
    token, as ``generate`` does); the tokens are the same either way. ``group_size`` > 1 samples that many rows per
    prompt: each distinct prompt is read once and its cache repeated (rows ``i * group_size ...`` belong to prompt
    ``i``), as ``generate`` on the prompts repeated ``group_size`` times. Llama-architecture models decode with
    :mod:`mathreward.rl.engine.llama_decode` (the same numbers without ``transformers``' per-call machinery) unless
    ``lean_decode=False``. Runs in ``torch.inference_mode`` (less per-operation bookkeeping than ``no_grad``); the
    returned tensors are ordinary ones."""
    batch = input_ids.shape[0] * group_size
    device = input_ids.device
    tokens_out = torch.full((batch, max_new_tokens), pad_id, dtype=torch.long, device=device)
    logp_out = torch.zeros((batch, max_new_tokens), dtype=torch.float32, device=device)
    eos = torch.tensor(eos_ids, dtype=torch.long, device=device)
    mask = attention_mask.long()
    if group_size > 1 and not _can_repeat_rows():  # older transformers: read each prompt group_size times
        input_ids, mask, group_size = (
            input_ids.repeat_interleave(group_size, 0),
            mask.repeat_interleave(group_size, 0),
            1,
        )
    positions = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1)
    output = model(input_ids=input_ids, attention_mask=mask, position_ids=positions, use_cache=True, logits_to_keep=1)
    cache = cache_of(output)
    cache_arg = cache_argument(model)
    logits = output.logits[:, -1, :]
    lean = lean_decode and llama_decode.supports(model)
    if group_size > 1:
        if not lean:  # the lean decoder copies each prompt's cache to its rows itself
            cache.batch_repeat_interleave(group_size)
        mask, positions = mask.repeat_interleave(group_size, 0), positions.repeat_interleave(group_size, 0)
        logits = logits.repeat_interleave(group_size, 0)
    # position of each row's token at every step (rows that leave the batch leave this table too)
    step_positions = positions[:, -1:] + 1 + torch.arange(max_new_tokens, device=device)
    rows = torch.arange(batch, device=device)  # original row of each row in the batch
    finished = torch.zeros(batch, dtype=torch.bool, device=device)  # rows past their EOS
    decoder = llama_decode.LlamaDecoder(model, cache, mask, max_new_tokens, group_size) if lean else None
    drop = drop_finished and (decoder is not None or _can_drop_rows(cache))
    compacted = False  # some rows have left the batch
    draw_from = None  # (once rows left) the whole batch's distributions: rows that left keep a stale one
    record: list[
        tuple[torch.Tensor | None, torch.Tensor, torch.Tensor]
    ] = []  # per step: rows (None: all), tokens, logp
    steps = 0
    for step in range(max_new_tokens):
        logits = logits.float()
        scaled = logits / temperature if temperature != 1.0 else logits
        logp_all = torch.log_softmax(scaled, dim=-1)
        if do_sample:
            probs = top_p_filter(scaled, top_p).softmax(dim=-1)
            if draw_from is not None:  # draw for the whole original batch: the random stream of generate
                chosen = draw_one(draw_from.index_copy_(0, rows, probs))[rows]
            else:
                chosen = draw_one(probs)
        else:
            chosen = logits.argmax(dim=-1)
        if not drop_finished:  # rows past their EOS are fed the pad token, as generate does
            chosen = chosen.masked_fill(finished, pad_id)
        record.append((rows if compacted else None, chosen, logp_all.gather(1, chosen[:, None]).squeeze(1)))
        finished = finished | (chosen == eos_ids[0] if len(eos_ids) == 1 else torch.isin(chosen, eos))
        steps = step + 1
        done = int(finished.sum())
        if done == finished.numel() or step + 1 == max_new_tokens:
            break
        # Finished rows stay in the batch (their tokens are discarded) until half of it has finished: a smaller batch
        # saves little per step on a small model, and dropping rows costs copies of every key/value buffer.
        if drop and 2 * done >= finished.numel():
            index = (~finished).nonzero().squeeze(1)
            if decoder is not None:
                decoder.select(index)
            else:
                cache.batch_select_indices(index)
            rows, mask, step_positions = rows[index], mask[index], step_positions[index]
            chosen, finished = chosen[index], finished[index]
            compacted = True
            if draw_from is None and do_sample:
                draw_from = torch.ones((batch, logits.shape[-1]), dtype=torch.float32, device=device)
        next_position = step_positions[:, step : step + 1]
        if decoder is not None:
            logits = decoder.step(chosen, next_position)
        else:
            mask = torch.cat([mask, mask.new_ones((mask.shape[0], 1))], dim=1)
            output = model(
                input_ids=chosen[:, None],
                attention_mask=mask,
                position_ids=next_position,
                use_cache=True,
                **{cache_arg: cache},
            )
            logits = output.logits[:, -1, :]
    _write_steps(tokens_out, logp_out, record)
    # tokens after a row's first EOS (sampled while it waited in the batch) become padding, their log-probs 0
    tokens, logp = tokens_out[:, :steps], logp_out[:, :steps]
    is_eos = torch.isin(tokens, eos)
    after = (is_eos.cumsum(1) - is_eos.long()) > 0
    return Generated(tokens.masked_fill(after, pad_id), logp.masked_fill(after, 0.0))


def _write_steps(
    tokens_out: torch.Tensor,
    logp_out: torch.Tensor,
    record: list[tuple[torch.Tensor | None, torch.Tensor, torch.Tensor]],
) -> None:
    """Write each step's tokens and log-probs into column ``step``: the steps of the whole batch stacked in one go,
    the later ones at their rows."""
    whole = [step for step, (rows, _, _) in enumerate(record) if rows is None]  # a prefix of the steps
    if whole:
        tokens_out[:, : len(whole)] = torch.stack([record[step][1] for step in whole], dim=1)
        logp_out[:, : len(whole)] = torch.stack([record[step][2] for step in whole], dim=1)
    for step in range(len(whole), len(record)):
        rows, tokens, logp = record[step]
        tokens_out[rows, step] = tokens
        logp_out[rows, step] = logp
