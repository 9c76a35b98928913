"""verl adapter: ``compute_score`` for ``custom_reward_function`` and ``compute_score_batch`` for the batch manager.

Per-sample (naive / dapo reward managers)::

    custom_reward_function.path=<site-packages>/rewards/verl.py custom_reward_function.name=compute_score

Batched (``reward_model.reward_manager=batch``)::

    custom_reward_function.path=.../rewards/verl.py custom_reward_function.name=compute_score_batch

Both return verl's dict ``{"score": float, "acc": bool, "pred": str}`` (a list of them for the batch form). Rows are
routed by ``data_source`` the way verl's ``default_compute_score`` routes them, to our verifier-based rewards:

- ``math_dapo``, ``math``, ``math_dapo_reasoning``, ``aime*``  -> ``dapo`` (+1 / -1 on the ``Answer:`` line)
- ``lighteval/MATH``, ``DigitalLearningGmbH/MATH-lighteval``, ``HuggingFaceH4/MATH-500``, ``numina_*``
  -> ``boxed`` (1 / 0 on the last box)
- ``openai/gsm8k`` and any other source (verl raises NotImplementedError there) -> ``binary`` (1 / 0, auto extraction)

``reward_kwargs`` from the verl config reach us as keyword arguments: ``reward`` (a registry name overriding the
routing, e.g. ``dapo-verl`` to reproduce verl's own numbers), ``timeout`` (seconds per item), ``workers`` (verifier
processes), ``budget`` (seconds per call at most). verl's own extra keyword arguments (``sandbox_fusion_url``,
``reward_router_address``, ...) are ignored.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from mathreward.rewards.base import Reward, RewardResult
from mathreward.rewards.registry import build_reward_from_options

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

_cache: dict[tuple, Reward] = {}
_cache_lock = threading.Lock()


def route(data_source: Any) -> str:
    """The reward name for a ``data_source``, following verl's ``default_compute_score`` routing."""
    source = "" if data_source is None else str(data_source)
    if source in DAPO_SOURCES or source.startswith("aime"):
        return "dapo"
    if source in BOXED_SOURCES:
        return "boxed"
    return "binary"


def _reward(name: str, timeout: float, workers: int | None, budget: float | None) -> Reward:
    key = (name, timeout, workers, budget)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = build_reward_from_options(name, timeout=timeout, workers=workers, budget=budget)
        return _cache[key]


def _as_verl(result: RewardResult) -> dict[str, Any]:
    return {
        "score": float(result.score),
        "acc": bool(result.correct),
        "pred": "" if result.pred is None else result.pred,
    }


def compute_score_batch(
    data_sources: Sequence[Any],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[Any] | None = None,
    *,
    reward: str | None = None,
    timeout: float = 5.0,
    workers: int | None = None,
    budget: float | None = None,
    **_verl_kwargs: Any,
) -> list[dict[str, Any]]:
    """verl's batched custom reward: one dict per row, in order; rows of the same route are verified in one batch."""
    n = len(solution_strs)
    if len(data_sources) != n or len(ground_truths) != n:
        raise ValueError(
            f"data_sources ({len(data_sources)}), solution_strs ({n}) and ground_truths ({len(ground_truths)}) "
            "must have the same length"
        )
    groups: dict[str, list[int]] = {}
    for i, source in enumerate(data_sources):
        groups.setdefault(reward or route(source), []).append(i)
    out: list[dict[str, Any] | None] = [None] * n
    for name, rows in groups.items():
        golds = [None if ground_truths[i] is None else str(ground_truths[i]) for i in rows]
        results = _reward(name, timeout, workers, budget).score(
            None, [solution_strs[i] for i in rows], golds, data_sources=[data_sources[i] for i in rows]
        )
        for i, result in zip(rows, results, strict=True):
            out[i] = _as_verl(result)
    return out  # type: ignore[return-value]


def compute_score(
    data_source: Any,
    solution_str: str,
    ground_truth: Any,
    extra_info: Any = None,
    *,
    reward: str | None = None,
    timeout: float = 5.0,
    workers: int | None = None,
    budget: float | None = None,
    **verl_kwargs: Any,
) -> dict[str, Any]:
    """verl's per-sample custom reward: ``{"score", "acc", "pred"}`` for one response."""
    return compute_score_batch(
        [data_source],
        [solution_str],
        [ground_truth],
        [extra_info],
        reward=reward,
        timeout=timeout,
        workers=workers,
        budget=budget,
    )[0]
