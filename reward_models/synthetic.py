"""A learnable synthetic preference task for tests, the demo and the benchmark.

Questions are small additions ("What is 7+5?"); the chosen response ends with the right sum, the rejected one with
a wrong sum near it. Every pair carries the reference answer (the sum), as rows from curated RL data do, so a tiny
model can learn the judgement by comparing each response's final answer with the reference.
"""

from __future__ import annotations

import random

from reward_models.data import PreferencePair

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


def arithmetic_pairs(
    n: int, *, seed: int = 0, max_operand: int = 20, with_reference: bool = True
) -> list[PreferencePair]:
    """``n`` deterministic pairs: chosen ends with a + b, rejected with a wrong value 1..5 away from it."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        a, b = rng.randint(0, max_operand), rng.randint(0, max_operand)
        c = a + b
        w = c + rng.choice((-5, -4, -3, -2, -1, 1, 2, 3, 4, 5))
        if w < 0:
            w = c + rng.randint(1, 5)
        chosen = rng.choice(_CORRECT_STYLES).format(a=a, b=b, c=c)
        rejected = rng.choice(_WRONG_STYLES).format(a=a, b=b, w=w)
        pairs.append(
            PreferencePair(
                prompt=question(a, b), chosen=chosen, rejected=rejected, reference=str(c) if with_reference else None
            )
        )
    return pairs


def corpus_texts(pairs: list[PreferencePair]) -> list[str]:
    """Texts to train a small tokenizer on: the judge templates filled with the pairs."""
    from reward_models.template import JudgeTemplate

    template = JudgeTemplate()
    texts = []
    for pair in pairs:
        texts.append(template.render(pair.prompt, pair.chosen, pair.rejected, pair.reference) + " A")
        texts.append(template.render(pair.prompt, pair.rejected, pair.chosen, pair.reference) + " B")
    return texts
