"""A toy integer-answer task for the RL demo and tests: short arithmetic word problems in the DAPO answer format.

Responses the model should learn: one line of working (``7 + 5 = 12``) then ``Answer: 12``. The supervised
warm-up data is deliberately imperfect (a share of wrong results and of answers in the wrong format), so the warmed-up
model is unreliable and RL has something to fix: the reward only pays for a correct ``Answer:`` line.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

NAMES = ("Ann", "Ben", "Cal", "Dee", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jon")
ITEMS = ("apples", "pens", "cards", "coins", "books", "shells", "stamps", "marbles")

# The DAPO template, shortened for a tiny model; the answer contract (last line `Answer: N`) is unchanged.
PROMPT_TEMPLATE = (
    "Solve the math problem. The last line of your response should be of the form Answer: $Answer.\n\n"
    "{problem}\n\n"
    'Remember to put your answer on its own line after "Answer:".'
)


@dataclass(frozen=True)
class Problem:
    """One word problem: ``a op b`` with its integer answer."""

    problem: str
    a: int
    b: int
    op: str  # "+" or "-"

    @property
    def answer(self) -> int:
        return self.a + self.b if self.op == "+" else self.a - self.b

    @property
    def prompt(self) -> str:
        return PROMPT_TEMPLATE.format(problem=self.problem)

    def solution(self, result: int | None = None, *, answer_line: bool = True) -> str:
        """The worked response; ``result`` overrides the computed value (noisy supervision); without
        ``answer_line`` the final line is free text that a DAPO reward does not accept."""
        value = self.answer if result is None else result
        final = f"Answer: {value}" if answer_line else f"So the total is {value}."
        return f"{self.a} {self.op} {self.b} = {value}\n{final}"


def make_problems(count: int, *, seed: int, max_operand: int = 20) -> list[Problem]:
    """``count`` distinct problems (additions and subtractions with a non-negative result)."""
    rng = random.Random(seed)
    seen: set[str] = set()
    problems: list[Problem] = []
    while len(problems) < count:
        name, item = rng.choice(NAMES), rng.choice(ITEMS)
        if rng.random() < 0.5:
            a, b = rng.randint(1, max_operand), rng.randint(1, max_operand)
            verb = rng.choice(("gets", "finds", "buys"))
            text = f"{name} has {a} {item}. {name} {verb} {b} more. How many {item} does {name} have now?"
            problem = Problem(text, a, b, "+")
        else:
            a = rng.randint(2, 2 * max_operand)
            b = rng.randint(1, a)
            verb = rng.choice(("gives away", "loses", "sells"))
            text = f"{name} has {a} {item}. {name} {verb} {b}. How many {item} does {name} have now?"
            problem = Problem(text, a, b, "-")
        if text not in seen:
            seen.add(text)
            problems.append(problem)
    return problems


def noisy_solution(problem: Problem, rng: random.Random, *, wrong_rate: float, format_error_rate: float) -> str:
    """A supervised target with a ``wrong_rate`` chance of an off-by-one/two result and a ``format_error_rate``
    chance of a final line without ``Answer:``."""
    result = problem.answer
    if rng.random() < wrong_rate:
        result = max(0, result + rng.choice((-2, -1, 1, 2)))
    return problem.solution(result, answer_line=rng.random() >= format_error_rate)


def problem_rows(problems: list[Problem], *, data_source: str = "toy_arithmetic") -> list[dict]:
    """Rows of the curated (verl/DAPO) schema for ``problems``: a one-message chat prompt, the gold answer under
    ``reward_model.ground_truth`` and the worked reference solution under ``extra_info.solution``."""
    return [
        {
            "data_source": data_source,
            "prompt": [{"content": p.prompt, "role": "user"}],
            "ability": "MATH",
            "reward_model": {"ground_truth": str(p.answer), "style": "rule"},
            "extra_info": {"index": index, "solution": p.solution()},
        }
        for index, p in enumerate(problems)
    ]
