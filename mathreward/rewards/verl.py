"""verl adapter: ``compute_score`` for verl's custom reward function, ``compute_score_batch`` for old batch managers.

verl 0.7.1 and later (checked on 0.9.1) read the function from ``reward.custom_reward_function``::

    reward.custom_reward_function.path=$(python -c "import mathreward.rewards.verl as m; print(m.__file__)")
    reward.custom_reward_function.name=compute_score
    +reward.custom_reward_function.reward_kwargs.reward=dapo-verl     # optional: any reward option

verl 0.7.0 and earlier read the top-level ``custom_reward_function.path/name/reward_kwargs``; 0.7.1 to 0.8.x still
migrate those old keys, but 0.9's ``main_ppo`` ignores them without a word (it then scores with its own
``default_compute_score``). verl calls ``compute_score`` once per response, from several threads of its reward loop
workers. ``compute_score_batch`` is for the ``reward_model.reward_manager=batch`` manager of verl 0.7.0 and earlier
(later reward loops have no ``batch`` manager: "Unknown reward manager: batch").

Both return verl's dict ``{"score": float, "acc": bool, "pred": str}`` (a list of them for the batch form). Rows are
routed by ``data_source`` the way verl's ``default_compute_score`` routes them (``rewards/routing.py``): ``dapo``
for ``math_dapo`` / ``aime*`` sources, ``boxed`` for the MATH and NuminaMath ones, ``binary`` for any other.

``reward_kwargs`` from the verl config reach us as keyword arguments: ``reward`` (a registry name overriding the
routing, e.g. ``dapo-verl``), ``timeout`` (seconds per item), ``workers`` (verifier processes), ``budget`` (seconds
per call at most), and every other option of the chosen reward (``version="0.9"`` of ``dapo-verl`` reproduces verl
0.9's ``math_dapo`` bit for bit; ``wrong_score=0`` makes ``dapo`` 0/1). An option the reward does not take is an
error naming it. The keywords verl itself adds to the call (``sandbox_fusion_url``, ``concurrent_semaphore``,
``memory_limit_mb``, ``reward_router_address``, ``reward_model_tokenizer``) are ignored.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from mathreward.rewards.base import Reward, RewardResult
from mathreward.rewards.catalog import fit_options, make_reward
from mathreward.rewards.registry import resolve_factory
from mathreward.rewards.routing import BOXED_SOURCES, DAPO_SOURCES, route  # noqa: F401 - re-exported for verl users
from mathreward.tables import encodable_text

# Keywords verl's reward managers add to the call; they are not reward options.
VERL_CALL_KEYWORDS = frozenset(
    {"sandbox_fusion_url", "concurrent_semaphore", "memory_limit_mb", "reward_router_address", "reward_model_tokenizer"}
)
# Options every call has; a reward that does not take one simply does without it.
GENERIC_OPTIONS = ("timeout", "workers", "budget")

_cache: dict[tuple, Reward] = {}
_cache_lock = threading.Lock()


def _frozen(value: Any) -> Any:
    """A hashable stand-in for an option value (verl passes OmegaConf containers and lists too)."""
    try:
        hash(value)
        return value
    except TypeError:
        return repr(value)


def reward_options(options: dict[str, Any]) -> dict[str, Any]:
    """The reward options among a call's keywords: ``options`` less the keywords verl adds itself."""
    return {key: value for key, value in options.items() if key not in VERL_CALL_KEYWORDS}


def _build(name: str, options: dict[str, Any]) -> Reward:
    """Build ``name``: generic options where the factory takes them, every other option strictly."""
    factory = resolve_factory(name)
    fitted = fit_options(factory, name, options, optional=GENERIC_OPTIONS, origin=" (from reward_kwargs)")
    return make_reward(factory, name, **fitted)


def _reward(name: str, options: dict[str, Any]) -> Reward:
    key = (name, tuple(sorted((k, _frozen(v)) for k, v in options.items())))
    with _cache_lock:
        if key not in _cache:
            _cache[key] = _build(name, options)
        return _cache[key]


def _as_verl(result: RewardResult) -> dict[str, Any]:
    return {
        "score": float(result.score),
        "acc": bool(result.correct),
        "pred": "" if result.pred is None else encodable_text(result.pred),
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
    **options: Any,
) -> list[dict[str, Any]]:
    """verl's batched custom reward: one dict per row, in order; rows of the same route are verified in one batch.

    ``options``: the chosen reward's own options (e.g. ``version="0.9"``); verl's own call keywords are ignored.
    """
    n = len(solution_strs)
    if len(data_sources) != n or len(ground_truths) != n:
        raise ValueError(
            f"data_sources ({len(data_sources)}), solution_strs ({n}) and ground_truths ({len(ground_truths)}) "
            "must have the same length"
        )
    all_options = {"timeout": timeout, "workers": workers, "budget": budget, **reward_options(options)}
    groups: dict[str, list[int]] = {}
    for i, source in enumerate(data_sources):
        groups.setdefault(reward or route(source), []).append(i)
    out: list[dict[str, Any] | None] = [None] * n
    for name, rows in groups.items():
        golds = [None if ground_truths[i] is None else str(ground_truths[i]) for i in rows]
        results = _reward(name, all_options).score(
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
    **options: Any,
) -> dict[str, Any]:
    """verl's per-sample custom reward: ``{"score", "acc", "pred"}`` for one response.

    ``options``: the chosen reward's own options from ``reward_kwargs`` (e.g. ``version="0.9"`` with
    ``reward="dapo-verl"``); verl's own call keywords are ignored.
    """
    return compute_score_batch(
        [data_source],
        [solution_str],
        [ground_truth],
        [extra_info],
        reward=reward,
        timeout=timeout,
        workers=workers,
        budget=budget,
        **options,
    )[0]
