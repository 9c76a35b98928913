"""Pick the rule reward by ``data_source``, the way verl's ``default_compute_score`` routes rows.

- ``math_dapo``, ``math``, ``math_dapo_reasoning``, ``aime*``, ``DAPO*`` -> ``dapo`` (+1 / -1 on the ``Answer:`` line)
- ``lighteval/MATH``, ``DigitalLearningGmbH/MATH-lighteval``, ``HuggingFaceH4/MATH-500``, ``numina_*``
  -> ``boxed`` (1 / 0 on the last box)
- anything else (``openai/gsm8k``, no source) -> ``binary`` (1 / 0, the auto extractor)

``route(data_source)`` names the reward; ``RoutedReward`` (registered as ``routed``, the default of ``mathreward
score``) scores each row with the reward of its source.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mathreward.rewards.base import RESULT_FIELDS, Reward, RewardResult, check_batch
from mathreward.rewards.registry import build_reward

__all__ = ["BOXED_SOURCES", "DAPO_SOURCES", "RoutedReward", "route"]

DAPO_SOURCES = frozenset({"math_dapo", "math", "math_dapo_reasoning"})
BOXED_SOURCES = frozenset(
    {
        "lighteval/MATH",
        "DigitalLearningGmbH/MATH-lighteval",
        "HuggingFaceH4/MATH-500",
        "numina_aops_forum",
        "numina_synthetic_math",
        "numina_amc_aime",
        "numina_synthetic_amc",
        "numina_cn_k12",
        "numina_olympiads",
    }
)


def route(data_source: Any) -> str:
    """The reward name for a ``data_source``, following verl's ``default_compute_score`` routing (plus ``DAPO*``
    names such as the ``DAPO-17k`` copies of DAPO-Math-17k)."""
    source = "" if data_source is None else str(data_source)
    if source in DAPO_SOURCES or source.startswith(("aime", "DAPO", "dapo")):
        return "dapo"
    if source in BOXED_SOURCES:
        return "boxed"
    return "binary"


class RoutedReward(Reward):
    """Each row scored by the rule reward of its ``data_sources`` entry (see ``route``); without data sources every
    row gets ``binary`` (the auto extractor). ``style`` given -> every route uses that extraction style. The other
    options (``timeout``, ``workers``, ``budget``, equivalence options) reach every routed reward."""

    name = "routed"
    uses_prompts = False  # the rule rewards judge the response against the gold only

    def __init__(self, *, style: str | None = None, **options: Any) -> None:
        from mathreward.verifiers.extraction import STYLES

        if style is not None and style not in STYLES:
            raise ValueError(f"unknown extraction style {style!r}; choose from {', '.join(STYLES)}")
        self.style = style
        self.options = options
        self._rewards: dict[str, Reward] = {}

    def routes(self, data_sources: Sequence[Any] | None, n: int) -> list[str]:
        """The reward name of each of ``n`` rows."""
        if data_sources is None:
            return ["binary"] * n
        names: dict[Any, str] = {}  # a batch holds a few distinct sources: route each once
        out = []
        for source in data_sources:
            try:
                name = names[source]
            except KeyError:
                name = names[source] = route(source)
            except TypeError:  # an unhashable value
                name = route(source)
            out.append(name)
        return out

    def _reward(self, name: str) -> Reward:
        if name not in self._rewards:
            options = dict(self.options)
            if self.style is not None:
                options["style"] = self.style
            self._rewards[name] = build_reward(name, **options)
        return self._rewards[name]

    def score(
        self, prompts: Sequence[str] | None, responses: Sequence[str], golds: Sequence[str | None], **fields: Any
    ) -> list[RewardResult]:
        """Group rows by route, score each group with its reward, put the results back in row order."""
        prompt_list = check_batch(prompts, responses, golds, fields)
        groups: dict[str, list[int]] = {}
        for row, name in enumerate(self.routes(fields.get("data_sources"), len(responses))):
            groups.setdefault(name, []).append(row)
        if len(groups) == 1:  # one route: no regrouping
            return self._reward(next(iter(groups))).score(prompt_list, responses, golds, **fields)
        results: list[RewardResult | None] = [None] * len(responses)
        for name, rows in groups.items():
            picked = {
                key: [value[i] for i in rows] if isinstance(value, (list, tuple)) else value
                for key, value in fields.items()
            }
            scored = self._reward(name).score(
                [prompt_list[i] for i in rows], [responses[i] for i in rows], [golds[i] for i in rows], **picked
            )
            for row, result in zip(rows, scored, strict=True):
                results[row] = result
        return results  # type: ignore[return-value]

    def score_columns(
        self, prompts: Sequence[str] | None, responses: Sequence[str], golds: Sequence[str | None], **fields: Any
    ) -> dict[str, list[Any]]:
        """``score``'s results as columns: each route's reward gives its rows' columns (see ``Reward.score_columns``)."""
        prompt_list = check_batch(prompts, responses, golds, fields)
        groups: dict[str, list[int]] = {}
        for row, name in enumerate(self.routes(fields.get("data_sources"), len(responses))):
            groups.setdefault(name, []).append(row)
        if len(groups) == 1:  # one route: no regrouping
            return self._reward(next(iter(groups))).score_columns(prompt_list, responses, golds, **fields)
        out: dict[str, list[Any]] = {key: [None] * len(responses) for key in RESULT_FIELDS}
        for name, rows in groups.items():
            picked = {
                key: [value[i] for i in rows] if isinstance(value, (list, tuple)) else value
                for key, value in fields.items()
            }
            columns = self._reward(name).score_columns(
                [prompt_list[i] for i in rows], [responses[i] for i in rows], [golds[i] for i in rows], **picked
            )
            for key in RESULT_FIELDS:
                column = out[key]
                for row, value in zip(rows, columns[key], strict=True):
                    column[row] = value
        return out

    def close(self) -> None:
        """Close every routed reward built so far."""
        for reward in self._rewards.values():
            reward.close()

    def __repr__(self) -> str:
        return f"RoutedReward(style={self.style!r}, options={self.options!r})"
