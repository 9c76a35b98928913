"""TRL adapter: ``reward_func(name)`` -> a reward function for ``GRPOTrainer(reward_funcs=[...])``.

TRL calls ``fn(prompts=..., completions=..., completion_ids=..., **columns)`` where every dataset column other than
``prompt`` arrives as a keyword list (one entry per completion). We read the gold answer from ``gold_column``
(default ``"solution"``, the column name TRL's own ``accuracy_reward`` uses), take the text of plain completions or
the content of the last assistant message of conversational ones (``tables.chat_text``), score through the rewards registry, and return one
float per completion (None for a row without a gold answer, which TRL treats as "not applicable").

The function is a picklable callable object whose ``__name__`` is the reward name, so TRL logs it as
``rewards/<name>/mean``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from mathreward.rewards.base import Reward
from mathreward.rewards.registry import build_reward
from mathreward.tables import chat_text, encodable_text


class TRLRewardFunction:
    """A GRPOTrainer reward function wrapping a registry reward (see ``reward_func``)."""

    def __init__(
        self,
        name: str | Reward = "dapo",
        gold_column: str = "solution",
        *,
        log_details: bool = True,
        func_name: str | None = None,
        **reward_kwargs: Any,
    ) -> None:
        self.reward_name = name if isinstance(name, str) else name.name
        self.gold_column = gold_column
        self.log_details = log_details
        self.reward_kwargs = reward_kwargs
        self._reward: Reward | None = name if isinstance(name, Reward) else None
        self._built_here = isinstance(name, str)
        self.__name__ = func_name or self.reward_name.replace("-", "_")

    @property
    def reward(self) -> Reward:
        """The underlying Reward, built on first use (so the function pickles without worker pools)."""
        if self._reward is None:
            self._reward = build_reward(self.reward_name, **self.reward_kwargs)
        return self._reward

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if self._built_here:
            state["_reward"] = None  # rebuilt lazily after unpickling; worker pools do not pickle
        return state

    def __call__(self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float | None]:
        """Score one TRL batch; returns one float (or None when the row has no gold) per completion."""
        if self.gold_column not in kwargs:
            columns = sorted(
                k for k in kwargs if k not in ("trainer_state", "log_extra", "log_metric", "completion_ids")
            )
            raise KeyError(
                f"reward {self.__name__!r}: gold column {self.gold_column!r} not among the dataset columns {columns}; "
                "pass gold_column= to reward_func"
            )
        golds = [None if g is None else str(g) for g in kwargs[self.gold_column]]
        responses = [chat_text(c, role="assistant") for c in completions]
        fields: dict[str, Any] = {}
        completion_ids = kwargs.get("completion_ids")
        if completion_ids is not None:
            fields["response_lengths"] = [len(ids) for ids in completion_ids]
        results = self.reward.score([chat_text(p, role="user") for p in prompts], responses, golds, **fields)
        log_extra: Callable[[str, list], None] | None = kwargs.get("log_extra")
        if self.log_details and log_extra is not None:
            log_extra(f"{self.__name__}_pred", [encodable_text(r.pred) for r in results])
            log_extra(f"{self.__name__}_status", [r.status for r in results])
        log_metric: Callable[[str, float], None] | None = kwargs.get("log_metric")
        judged = [r.correct for r in results if r.correct is not None]
        if log_metric is not None and judged:
            log_metric(f"{self.__name__}/accuracy", sum(judged) / len(judged))
        return [None if r.status == "no_gold" else float(r.score) for r in results]

    def __repr__(self) -> str:
        return f"TRLRewardFunction({self.reward_name!r}, gold_column={self.gold_column!r})"


def reward_func(name: str | Reward = "dapo", gold_column: str = "solution", **kwargs: Any) -> TRLRewardFunction:
    """A GRPOTrainer reward function for the registry reward ``name`` (or a Reward object).

    ``kwargs`` go to ``build_reward`` (e.g. ``timeout=5.0, workers=2``); ``func_name=`` overrides the logged name.

    >>> trainer = GRPOTrainer(model=..., reward_funcs=[reward_func("dapo", gold_column="answer")], ...)
    """
    return TRLRewardFunction(name, gold_column, **kwargs)
