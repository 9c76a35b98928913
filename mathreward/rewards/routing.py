"""Pick the rule reward by ``data_source``, the way verl's ``default_compute_score`` routes rows.

- ``math_dapo``, ``math``, ``math_dapo_reasoning``, ``aime*``, ``DAPO*`` -> ``dapo`` (+1 / -1 on the ``Answer:`` line)
- ``lighteval/MATH``, ``DigitalLearningGmbH/MATH-lighteval``, ``HuggingFaceH4/MATH-500``, ``numina_*``
  -> ``boxed`` (1 / 0 on the last box)
- anything else (``openai/gsm8k``, no source) -> ``binary`` (1 / 0, the auto extractor)

``route(data_source)`` names the reward; ``RoutedReward`` (registered as ``routed``, the default of ``mathreward
score``) scores each row with the reward of its source.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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
        for name in ("dapo", "boxed", "binary"):  # built now (cheap): a wrong option fails here, not in a batch
            self._reward(name)

    def routes(self, data_sources: Sequence[Any] | None, n: int) -> list[str]:
        """The reward name of each of ``n`` rows."""
        if data_sources is None:
            return ["binary"] * n
        single = _single_route(data_sources)
        if single is not None:
            return [single] * n
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

    def _by_route(
        self,
        method: str,
        prompts: Sequence[str] | None,
        responses: Sequence[str],
        golds: Sequence[str | None],
        fields: dict[str, Any],
    ) -> Iterator[tuple[list[int] | None, Any]]:
        """Each route's rows and what its reward's ``method`` (``score`` or ``score_columns``) gives for them; a batch
        of one route yields once, with rows None (every row, in order: no regrouping)."""
        prompt_list = check_batch(prompts, responses, golds, fields)
        sources = fields.get("data_sources")
        single = "binary" if sources is None else _single_route(sources)
        if single is not None:  # one route for the whole batch (the common case): no per-row grouping
            yield None, getattr(self._reward(single), method)(prompt_list, responses, golds, **fields)
            return
        groups: dict[str, list[int]] = {}
        for row, name in enumerate(self.routes(fields.get("data_sources"), len(responses))):
            groups.setdefault(name, []).append(row)
        if len(groups) == 1:
            yield None, getattr(self._reward(next(iter(groups))), method)(prompt_list, responses, golds, **fields)
            return
        for name, rows in groups.items():
            picked = {
                key: [value[i] for i in rows] if isinstance(value, (list, tuple)) else value
                for key, value in fields.items()
            }
            batch = ([prompt_list[i] for i in rows], [responses[i] for i in rows], [golds[i] for i in rows])
            yield rows, getattr(self._reward(name), method)(*batch, **picked)

    def score(
        self, prompts: Sequence[str] | None, responses: Sequence[str], golds: Sequence[str | None], **fields: Any
    ) -> list[RewardResult]:
        """Group rows by route, score each group with its reward, put the results back in row order."""
        results: list[Any] = [None] * len(responses)
        for rows, scored in self._by_route("score", prompts, responses, golds, fields):
            if rows is None:
                return scored
            _place(results, rows, scored)
        return results

    def score_columns(
        self, prompts: Sequence[str] | None, responses: Sequence[str], golds: Sequence[str | None], **fields: Any
    ) -> dict[str, list[Any]]:
        """``score``'s results as columns: each route's reward gives its rows' columns (see ``Reward.score_columns``)."""
        out: dict[str, list[Any]] = {key: [None] * len(responses) for key in RESULT_FIELDS}
        for rows, columns in self._by_route("score_columns", prompts, responses, golds, fields):
            if rows is None:
                return columns
            for key in RESULT_FIELDS:
                _place(out[key], rows, columns[key])
        return out

    def close(self) -> None:
        """Close every routed reward built so far."""
        for reward in self._rewards.values():
            reward.close()

    def __repr__(self) -> str:
        return f"RoutedReward(style={self.style!r}, options={self.options!r})"


def _single_route(data_sources: Sequence[Any]) -> str | None:
    """The one route of every row when all of ``data_sources`` route alike (found from their distinct values, in
    one pass in C), else None."""
    try:
        distinct = set(data_sources)
    except TypeError:  # an unhashable value: routed row by row
        return None
    names = {route(source) for source in distinct}
    return names.pop() if len(names) == 1 else None


def _place(out: list[Any], rows: list[int], values: Sequence[Any]) -> None:
    """``values[k]`` into ``out[rows[k]]`` for every k (the two the same length)."""
    for row, value in zip(rows, values, strict=True):
        out[row] = value
