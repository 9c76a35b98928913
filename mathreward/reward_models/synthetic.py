"""Synthetic preference tasks for tests, the demo and the benchmark.

Questions are small additions ("What is 7+5?"), every pair carries the reference answer (the sum). Two kinds of
rejected response:

- ``"truncated"``: the rejected response is cut off before its final ``Answer:`` line (as a length-capped rollout
  is); the chosen one is complete and right. A randomly initialised 2-layer model learns this in a few hundred steps.
- ``"wrong_answer"``: the rejected response ends with a wrong sum near the right one. Judging it needs an equality
  check between the response's answer and the reference, which a randomly initialised tiny model does *not* find in
  a CPU-minutes budget (it sits at chance for 800+ steps; a pretrained LM has copy/induction heads already). It is
  here for users with real models and for the demo's honest second row.
- ``"mixed"``: half of each.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from mathreward.reward_models.data import PreferencePair

_CORRECT_STYLES = (
    "{a}+{b} = {c}. Answer: {c}",
    "Adding {a} and {b} gives {c}. Answer: {c}",
    "We add: {c}. Answer: {c}",
)
_WRONG_STYLES = (
    "{a}+{b} = {w}. Answer: {w}",
    "Adding {a} and {b} gives {w}. Answer: {w}",
    "We add: {w}. Answer: {w}",
)


def question(a: int, b: int) -> str:
    """The question text for a + b."""
    return f"What is {a}+{b}?"


def _truncate(text: str) -> str:
    """The response cut off before its final answer line, mid-sentence (a length-capped rollout)."""
    body = text.split(" Answer:")[0].rstrip(".")
    words = body.split(" ")
    return " ".join(words[: max(1, len(words) - 1)])


def arithmetic_pairs(
    n: int, *, seed: int = 0, max_operand: int = 20, with_reference: bool = True, kind: str = "truncated"
) -> list[PreferencePair]:
    """``n`` deterministic pairs of the chosen ``kind`` (see the module docstring)."""
    if kind not in ("truncated", "wrong_answer", "mixed"):
        raise ValueError(f"unknown kind {kind!r}; use 'truncated', 'wrong_answer' or 'mixed'")
    rng = random.Random(seed)
    pairs = []
    for index in range(n):
        a, b = rng.randint(0, max_operand), rng.randint(0, max_operand)
        c = a + b
        w = c + rng.choice((-5, -4, -3, -2, -1, 1, 2, 3, 4, 5))
        if w < 0:
            w = c + rng.randint(1, 5)
        chosen = rng.choice(_CORRECT_STYLES).format(a=a, b=b, c=c)
        rejected = rng.choice(_WRONG_STYLES).format(a=a, b=b, w=w)
        if kind == "truncated" or (kind == "mixed" and index % 2 == 0):
            rejected = _truncate(rng.choice(_CORRECT_STYLES).format(a=a, b=b, c=c))
        pairs.append(
            PreferencePair(
                prompt=question(a, b), chosen=chosen, rejected=rejected, reference=str(c) if with_reference else None
            )
        )
    return pairs


def corpus_texts(pairs: list[PreferencePair]) -> list[str]:
    """Texts to train a small tokenizer on: the judge templates filled with the pairs."""
    from mathreward.reward_models.judge_prompt import JudgeTemplate

    template = JudgeTemplate()
    texts = []
    for pair in pairs:
        texts.append(template.render(pair.prompt, pair.chosen, pair.rejected, pair.reference) + " A")
        texts.append(template.render(pair.prompt, pair.rejected, pair.chosen, pair.reference) + " B")
    return texts


def save_tiny_base_model(
    folder: str | Path,
    pairs: list[PreferencePair],
    *,
    vocab_size: int = 400,
    hidden_size: int = 64,
    num_layers: int = 2,
    num_heads: int = 4,
    seed: int = 0,
) -> tuple[Any, Any]:
    """Train a small tokenizer on the judge texts of ``pairs``, build a random tiny LM, save both into ``folder``.

    The folder then loads like any hub checkpoint (``--model folder``). Returns ``(model, tokenizer)``.
    """
    from mathreward.reward_models.tiny_lm import build_tiny_causal_lm, train_tokenizer

    tokenizer = train_tokenizer(corpus_texts(pairs), vocab_size=vocab_size)
    model = build_tiny_causal_lm(
        tokenizer, hidden_size=hidden_size, num_layers=num_layers, num_heads=num_heads, seed=seed
    )
    model.save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return model, tokenizer
