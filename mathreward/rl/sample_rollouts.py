"""Rollouts from a checkpoint: K sampled responses per problem of a curated parquet, as rows `mathreward score` reads.

Each output row holds ``prompt`` (the problem as the user wrote it: the last user message of a chat prompt),
``response``, ``gold``, ``group`` (the problem's index: responses to the same problem share it), ``sample`` (index
within the group), ``response_length`` (tokens), ``truncated`` (hit the length limit without EOS), and
``problem_id`` when the problems parquet has ``extra_info.problem_id`` (``curate --pass-rates`` matches on it). The model sees the prompt through its tokenizer's chat template, as in ``rl train``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from mathreward.rl.data import PromptSet, render_prompt


def question_text(prompt: Any) -> str:
    """The problem text of a prompt: a string itself, or the content of the last user message of a chat list.

    This is what a judge (the pairwise reward model) reads as the question, in ``rl sample`` and during RL alike.
    """
    from mathreward.tables import chat_text

    return chat_text(prompt, role="user")


def load_policy(model: str | Path, device: str = "auto", dtype: str = "auto") -> tuple[Any, Any, torch.device]:
    """``(model, tokenizer, device)`` for sampling: a local folder or hub id; bf16 weights on a GPU by default.

    The tokenizer pads on the left (batched generation) and gets the EOS token as pad when it has none.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from mathreward.devices import inference_dtype, resolve_device

    where = resolve_device(device)
    weights = inference_dtype(where, dtype)
    tokenizer = AutoTokenizer.from_pretrained(str(model))
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"
    policy = AutoModelForCausalLM.from_pretrained(str(model), dtype=weights)
    policy = policy.to(where).eval()  # pyright: ignore[reportArgumentType]  (transformers' .to stub)
    return policy, tokenizer, where


def sample_rollouts(
    model: Any,
    tokenizer: Any,
    data: PromptSet,
    *,
    n: int,
    max_new_tokens: int,
    temperature: float = 1.0,
    top_p: float = 1.0,
    batch_prompts: int = 16,
    seed: int = 0,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """``n`` sampled responses for every prompt of ``data``, in problem order; one row per response (see module)."""
    from tqdm.auto import tqdm

    from mathreward.rl.rollout import generate_samples

    if n < 1 or max_new_tokens < 1:
        raise ValueError("n and max_new_tokens must be at least 1")
    torch.manual_seed(seed)
    add_special = not getattr(tokenizer, "chat_template", None)
    rendered = [render_prompt(tokenizer, prompt) for prompt in data.prompts]
    rows: list[dict[str, Any]] = []
    with tqdm(total=len(rendered) * n, desc="rl sample", unit="response", disable=not progress) as bar:
        for start in range(0, len(rendered), batch_prompts):
            end = min(len(rendered), start + batch_prompts)
            samples = generate_samples(
                model,
                tokenizer,
                rendered[start:end],
                list(data.golds[start:end]),
                group_size=n,
                max_new_tokens=max_new_tokens,
                temperature=temperature,
                top_p=top_p,
                do_sample=True,
                group_offset=start,
                add_special_tokens=add_special,
            )
            for index, sample in enumerate(samples):
                row = {
                    "prompt": question_text(data.prompts[sample.group]),
                    "response": sample.response_text,
                    "gold": sample.gold,
                    "group": sample.group,
                    "sample": index % n,
                    "response_length": len(sample.response_ids),
                    "truncated": sample.truncated,
                }
                if data.problem_ids is not None:  # curate's id, for `curate --pass-rates`
                    row["problem_id"] = data.problem_ids[sample.group]
                rows.append(row)
            bar.update(len(samples))
    return rows
