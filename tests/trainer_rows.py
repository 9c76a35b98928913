"""Generated math rollouts with every kind of ending, for the trainer integration tests (verl, OpenRLHF).

Deterministic for a seed: a gold integer, some reasoning filler of random length, then one of the endings below with
the right or a wrong value. The endings cover what the rewards treat differently: ``Answer:`` lines in their many
spellings, boxes (inside and outside the last 100 / 300 characters), both, several, none, truncated ones, thousands
separators, signs, units, and trailing whitespace.
"""

from __future__ import annotations

import random
from collections.abc import Callable

FILLER_WORDS = (
    "so", "we", "get", "the", "sum", "is", "then", "x", "=", "12", "+", "7", "\\frac{1}{2}", "$", "\\sqrt{3}",
    "hence", "check:", "\n", "...", "Answer", "box", "answer:", "\\boxed{", "}",
)  # fmt: skip

Ending = Callable[[str, str], str]
ENDINGS: dict[str, Ending] = {
    "answer": lambda v, w: f"Answer: {v}",
    "answer_newline": lambda v, w: f"Answer: {v}\n",
    "answer_lower": lambda v, w: f"answer :  {v}",
    "answer_bold": lambda v, w: f"**Answer:** {v}",
    "answer_dollars": lambda v, w: f"Answer: ${v}$",
    "answer_paren": lambda v, w: f"Answer: \\({v}\\)",
    "answer_boxed": lambda v, w: f"Answer: \\boxed{{{v}}}",
    "answer_equation": lambda v, w: f"Answer: x = {v}",
    "answer_unit": lambda v, w: f"Answer: {v} dollars",
    "answer_decimal": lambda v, w: f"Answer: {v}.0",
    "answer_leading_zero": lambda v, w: f"Answer: 0{v}",
    "answer_thousands": lambda v, w: f"Answer: {int(v):,}" if v.lstrip("-").isdigit() else f"Answer: {v}",
    "answer_split_digits": lambda v, w: "Answer: " + ", ".join(v),
    "answer_twice": lambda v, w: f"Answer: {w}\nAnswer: {v}",
    "answer_then_box": lambda v, w: f"Answer: {w}\nso \\boxed{{{v}}}",
    "answer_far_back": lambda v, w: f"Answer: {v}\n" + "and that is all we need to check. " * 10,
    "boxed": lambda v, w: f"so the answer is \\boxed{{{v}}}.",
    "boxed_bare": lambda v, w: f"\\boxed{{{v}}}",
    "boxed_spaced": lambda v, w: f"\\boxed{{ {v} }}",
    "boxed_twice": lambda v, w: f"\\boxed{{{w}}} or rather \\boxed{{{v}}}",
    "boxed_far_back": lambda v, w: f"\\boxed{{{v}}}" + " and we double-check every step." * 4,
    "boxed_unclosed": lambda v, w: f"so \\boxed{{{v}",
    "answer_is": lambda v, w: f"The answer is {v}.",
    "last_number": lambda v, w: f"so we get {v}",
    "truncated": lambda v, w: "Answer:",
    "nothing": lambda v, w: "",
    "unicode_minus": lambda v, w: f"Answer: \u2212{v.lstrip('-')}" if v.startswith("-") else f"Answer: {v}",
    "trailing_space": lambda v, w: f"Answer: {v}   \n\n",
}


def generated_rows(n: int, seed: int = 0, sources: tuple[str, ...] = ("math_dapo",)) -> list[dict[str, str]]:
    """``n`` rows ``{"data_source", "response", "gold", "ending"}``; every ending appears once every len(ENDINGS)."""
    rng = random.Random(seed)
    kinds = list(ENDINGS)
    rows = []
    for i in range(n):
        gold = str(rng.choice([rng.randint(0, 99), rng.randint(100, 99999), -rng.randint(1, 50)]))
        wrong = str(int(gold) + rng.choice([-2, -1, 1, 10]))
        value = gold if rng.random() < 0.6 else wrong
        filler = " ".join(rng.choice(FILLER_WORDS) for _ in range(rng.randint(0, 80)))
        kind = kinds[i % len(kinds)]
        rows.append(
            {
                "data_source": sources[i % len(sources)],
                "response": f"{filler}\n{ENDINGS[kind](value, wrong)}",
                "gold": gold,
                "ending": kind,
            }
        )
    return rows
