"""Rollouts: sample responses with ``generate``, keep them as per-sequence records, collate them into tensors, and
compute per-token log-probabilities, entropies and values with one forward pass."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from mathreward.rl.engine import llama_train, shared_prefix
from mathreward.rl.engine.generation import sample_tokens
from mathreward.rl.engine.token_logp import token_logp_entropy

SAMPLERS = ("cached", "hf")


@dataclass
class Sample:
    """One response to one prompt, unpadded."""

    prompt_ids: list[int]
    response_ids: list[int]  # includes the EOS token when the response finished
    finished: bool  # ended with EOS
    truncated: bool  # hit max_new_tokens without EOS
    group: int  # prompt index within the step (responses to the same prompt share it)
    prompt_text: str
    response_text: str
    gold: str | None
    score: float = 0.0
    correct: bool | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    logp: list[float] | None = None  # sampler's log-prob of each response token (logits / temperature), if kept


@dataclass
class Batch:
    """Collated samples: left-padded prompts followed by right-padded responses in one ``input_ids`` tensor."""

    input_ids: torch.Tensor  # [N, P + T]
    attention_mask: torch.Tensor  # [N, P + T]
    position_ids: torch.Tensor  # [N, P + T]
    response_mask: torch.Tensor  # [N, T] float
    prompt_len: int  # P
    lengths: torch.Tensor  # [N] response lengths

    @property
    def response_len(self) -> int:
        return self.response_mask.shape[1]

    def select(self, index: torch.Tensor) -> Batch:
        """The rows ``index`` (a mini-batch)."""
        return Batch(
            self.input_ids[index],
            self.attention_mask[index],
            self.position_ids[index],
            self.response_mask[index],
            self.prompt_len,
            self.lengths[index],
        )


def collate(samples: list[Sample], pad_id: int, device: torch.device | str = "cpu") -> Batch:
    """Pad prompts on the left and responses on the right so every response starts at the same column ``P``."""
    prompt_len = max(len(s.prompt_ids) for s in samples)
    response_len = max(max(len(s.response_ids) for s in samples), 1)
    n = len(samples)
    input_ids = torch.full((n, prompt_len + response_len), pad_id, dtype=torch.long)
    attention = torch.zeros((n, prompt_len + response_len), dtype=torch.long)
    response_mask = torch.zeros((n, response_len), dtype=torch.float32)
    for row, sample in enumerate(samples):
        p, r = len(sample.prompt_ids), len(sample.response_ids)
        input_ids[row, prompt_len - p : prompt_len] = torch.tensor(sample.prompt_ids, dtype=torch.long)
        attention[row, prompt_len - p : prompt_len] = 1
        if r:
            input_ids[row, prompt_len : prompt_len + r] = torch.tensor(sample.response_ids, dtype=torch.long)
            attention[row, prompt_len : prompt_len + r] = 1
            response_mask[row, :r] = 1.0
    position_ids = (attention.cumsum(-1) - 1).clamp(min=0)
    lengths = response_mask.sum(-1).long()
    return Batch(
        input_ids.to(device),
        attention.to(device),
        position_ids.to(device),
        response_mask.to(device),
        prompt_len,
        lengths.to(device),
    )


@torch.no_grad()
def generate_samples(
    model: Any,
    tokenizer: Any,
    prompt_texts: list[str],
    golds: list[str | None],
    *,
    group_size: int,
    max_new_tokens: int,
    temperature: float = 1.0,
    top_p: float = 1.0,
    do_sample: bool = True,
    group_offset: int = 0,
    add_special_tokens: bool = False,
    sampler: str = "cached",
) -> list[Sample]:
    """Sample ``group_size`` responses for each prompt and cut each at its first EOS.

    ``sampler``: ``cached`` (our KV-cached loop, :func:`mathreward.rl.engine.generation.sample_tokens`; it also keeps each
    token's log-prob in ``Sample.logp``) or ``hf`` (``transformers.generate``, the reference; same tokens under one
    seed). A response is ``finished`` when it produced EOS (kept as its last token) and ``truncated`` when it used all
    ``max_new_tokens`` without EOS. Prompts are tokenised as given (the chat template is applied beforehand).
    """
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; choose from {sorted(SAMPLERS)}")
    device = next(model.parameters()).device
    eos_ids = _eos_ids(model, tokenizer)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos_ids[0]
    encoded = [tokenizer(text, add_special_tokens=add_special_tokens)["input_ids"] for text in prompt_texts]
    prompt_ids = [ids for ids in encoded for _ in range(group_size)]
    width = max(len(ids) for ids in prompt_ids)
    input_ids = torch.full((len(prompt_ids), width), pad_id, dtype=torch.long)
    attention = torch.zeros_like(input_ids)
    for row, ids in enumerate(prompt_ids):
        input_ids[row, width - len(ids) :] = torch.tensor(ids, dtype=torch.long)
        attention[row, width - len(ids) :] = 1
    was_training = model.training
    # nn.Module's own switch: transformers' override also re-selects hub kernels, ~1 ms a call and unused here
    torch.nn.Module.train(model, False)
    logps = None
    if sampler == "cached":
        generated = sample_tokens(
            model,
            input_ids[::group_size].to(device),
            attention[::group_size].to(device),
            max_new_tokens=max_new_tokens,
            eos_ids=eos_ids,
            pad_id=pad_id,
            do_sample=do_sample,
            temperature=temperature,
            top_p=top_p,
            group_size=group_size,
        )
        responses = generated.tokens.cpu().tolist()
        logps = generated.logp.cpu().tolist()
    else:
        sampling = {"do_sample": True, "temperature": temperature, "top_p": top_p, "top_k": 0} if do_sample else {}
        output = model.generate(
            input_ids=input_ids.to(device),
            attention_mask=attention.to(device),
            max_new_tokens=max_new_tokens,
            eos_token_id=eos_ids,
            pad_token_id=pad_id,
            **({"do_sample": False} if not do_sample else sampling),
        )
        responses = output[:, width:].cpu().tolist()
    torch.nn.Module.train(model, was_training)
    samples = []
    for row, tokens in enumerate(responses):
        cut = next((i + 1 for i, tok in enumerate(tokens) if tok in eos_ids), None)
        finished = cut is not None
        tokens = tokens[:cut] if finished else tokens
        prompt_index = row // group_size
        samples.append(
            Sample(
                prompt_ids=prompt_ids[row],
                response_ids=tokens,
                finished=finished,
                truncated=not finished and len(tokens) >= max_new_tokens,
                group=group_offset + prompt_index,
                prompt_text=prompt_texts[prompt_index],
                response_text=tokenizer.decode(tokens, skip_special_tokens=True),
                gold=golds[prompt_index],
                logp=logps[row][: len(tokens)] if logps is not None else None,
            )
        )
    return samples


def _eos_ids(model: Any, tokenizer: Any) -> list[int]:
    ids = getattr(model.generation_config, "eos_token_id", None)
    if ids is None:
        ids = tokenizer.eos_token_id
    ids = ids if isinstance(ids, list) else [ids]
    ids = [i for i in ids if i is not None]
    if not ids:
        raise ValueError("the model and tokenizer define no EOS token; generation could never finish")
    return ids


def forward_response(
    model: Any,
    batch: Batch,
    *,
    temperature: float = 1.0,
    with_entropy: bool = False,
    entropy_grad: bool = False,
    with_hidden: bool = False,
    share_prompts: bool = False,
) -> dict[str, torch.Tensor]:
    """One forward pass over prompt + response; returns per-response-token ``logp`` [N, T] (of the sampled tokens
    under logits / temperature), optionally ``entropy`` [N, T] and ``hidden`` [N, T + 1, H] (the last hidden state at
    positions P-1 .. P+T-1, i.e. the states s_0 .. s_T that values are read from). The entropy carries gradients
    only when ``entropy_grad`` (an entropy bonus is used). ``share_prompts`` reads each distinct prompt once and
    runs its rows' responses on its keys/values (the same numbers up to rounding): :mod:`mathreward.rl.engine.llama_train`
    for Llama-architecture models (unless ``with_hidden``), :mod:`mathreward.rl.engine.shared_prefix` for the others."""
    prompt_of_row = None
    if share_prompts:
        prompt_of_row = shared_prefix.distinct_prompts(batch.input_ids, batch.attention_mask, batch.prompt_len)
    hidden = None
    if prompt_of_row is not None and not with_hidden and llama_train.supports(model):
        logits = llama_train.response_logits(model, batch, prompt_of_row)
    elif prompt_of_row is not None and shared_prefix.worth_sharing(prompt_of_row):
        logits, hidden = shared_prefix.response_logits(model, batch, prompt_of_row, with_hidden=with_hidden)
    else:
        output = model(
            input_ids=batch.input_ids,
            attention_mask=batch.attention_mask,
            position_ids=batch.position_ids,
            output_hidden_states=with_hidden,
            logits_to_keep=batch.response_len + 1,
            use_cache=False,
        )
        logits = output.logits[:, :-1]
        hidden = output.hidden_states[-1][:, batch.prompt_len - 1 :] if with_hidden else None
    logits = logits.float()
    if temperature != 1.0:
        logits = logits / temperature
    logp, entropy = token_logp_entropy(logits, batch.input_ids[:, batch.prompt_len :], entropy_grad=entropy_grad)
    result = {"logp": logp}
    if with_entropy:
        result["entropy"] = entropy
    if hidden is not None:
        result["hidden"] = hidden
    return result
