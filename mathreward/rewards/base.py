"""The reward contract every trainer adapter calls: ``Reward.score`` over a batch -> one ``RewardResult`` per row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RewardResult:
    """The reward of one rollout.

    ``score`` is what the trainer optimises; ``correct`` is the raw correctness (None when the reward does not judge
    correctness, e.g. a format reward or a row without a gold answer) so that dynamic sampling can filter on it even
    when ``score`` is shaped; ``status`` is the verifier's status ("correct", "wrong", "no_answer", "timeout",
    "error") or a reward-specific one ("no_gold", "formatted", "unformatted"); ``extras`` holds per-component values.
    """

    score: float
    correct: bool | None
    pred: str | None
    status: str
    extras: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict of the result (extras flattened under their own keys)."""
        return {"score": self.score, "correct": self.correct, "pred": self.pred, "status": self.status, **self.extras}


class Reward:
    """Base class of every reward: a batched ``score`` with one result per row, in input order.

    Subclasses implement ``score(prompts, responses, golds, **fields)``. ``fields`` are per-row lists named by column
    (``response_lengths``, ``references``, ``group_ids``, ``data_sources``, ...); a reward reads the ones it needs and
    ignores the rest.
    """

    name: str = "reward"

    def score(
        self, prompts: Sequence[str] | None, responses: Sequence[str], golds: Sequence[str | None], **fields: Any
    ) -> list[RewardResult]:
        """Score a batch; must return exactly ``len(responses)`` results in order."""
        raise NotImplementedError

    def __call__(
        self, prompts: Sequence[str] | None, responses: Sequence[str], golds: Sequence[str | None], **fields: Any
    ) -> list[RewardResult]:
        return self.score(prompts, responses, golds, **fields)

    def score_columns(
        self, prompts: Sequence[str] | None, responses: Sequence[str], golds: Sequence[str | None], **fields: Any
    ) -> dict[str, list[Any]]:
        """The batch's results as columns (``RESULT_FIELDS``: score, correct, pred, status), equal to ``score``'s
        results read field by field; rewards that can skip building ``RewardResult`` objects override it."""
        return result_columns(self.score(prompts, responses, golds, **fields))

    def score_one(self, prompt: str | None, response: str, gold: str | None, **fields: Any) -> RewardResult:
        """Score a single rollout; ``fields`` are scalar values for that row (wrapped into one-element lists)."""
        return self.score([prompt or ""], [response], [gold], **{key: [value] for key, value in fields.items()})[0]

    def close(self) -> None:
        """Release resources (worker pools, models); the default has none."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


RESULT_FIELDS = ("score", "correct", "pred", "status")  # the columns of ``Reward.score_columns``


def result_columns(results: Sequence[RewardResult]) -> dict[str, list[Any]]:
    """``RewardResult`` objects as the columns of ``Reward.score_columns`` (score a float, correct None or a bool,
    status a string)."""
    return {
        "score": [float(r.score) for r in results],
        "correct": [None if r.correct is None else bool(r.correct) for r in results],
        "pred": [r.pred for r in results],
        "status": [str(r.status) for r in results],
    }


def check_batch(
    prompts: Sequence[str] | None, responses: Sequence[str], golds: Sequence[str | None], fields: dict[str, Any]
) -> list[str]:
    """Validate batch shapes and return the prompts as a list (empty strings when ``prompts`` is None).

    Raises ValueError naming the first list whose length differs from ``responses``.
    """
    n = len(responses)
    prompt_list = [""] * n if prompts is None else list(prompts)
    if len(prompt_list) != n:
        raise ValueError(f"prompts has {len(prompt_list)} rows but responses has {n}")
    if len(golds) != n:
        raise ValueError(f"golds has {len(golds)} rows but responses has {n}")
    for key, value in fields.items():
        if isinstance(value, (list, tuple)) and len(value) != n:
            raise ValueError(f"field {key!r} has {len(value)} rows but responses has {n}")
    return prompt_list
