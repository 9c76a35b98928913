"""The table of reward names -> factories, and building one reward from one name.

The bottom of the reward-building layers: ``compose`` builds its components by name through this module, and
``registry`` (the public entry) adds weighted specs such as ``"dapo+0.1*format"`` on top of both. Built-ins are
``"module:attr"`` strings imported on first use, so ``import mathreward.rewards`` stays light (no torch,
transformers).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Collection, Mapping
from typing import Any

from mathreward.rewards.base import Reward

RewardFactory = Callable[..., Reward]

# name -> factory, or "module:attr" resolved on first build.
_REGISTRY: dict[str, RewardFactory | str] = {
    "routed": "mathreward.rewards.routing:RoutedReward",  # by data_source: dapo / boxed / binary
    "dapo": "mathreward.rewards.rule_rewards:DapoReward",
    "binary": "mathreward.rewards.rule_rewards:BinaryReward",
    "boxed": "mathreward.rewards.rule_rewards:BoxedReward",
    "format": "mathreward.rewards.rule_rewards:FormatReward",
    "dapo-verl": "mathreward.rewards.dapo_verl:DapoVerlReward",
    "weighted": "mathreward.rewards.compose:weighted",
    "overlong": "mathreward.rewards.compose:overlong",
    "pairwise": "mathreward.rewards.pairwise:PairwiseReward",
}


def _canonical(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def register_reward(name: str) -> Callable[[RewardFactory], RewardFactory]:
    """Decorator registering a Reward class or factory under ``name`` (case-insensitive, ``_`` == ``-``).

    >>> @register_reward("always-one")
    ... class AlwaysOne(Reward): ...
    """

    def decorator(factory: RewardFactory) -> RewardFactory:
        _REGISTRY[_canonical(name)] = factory
        return factory

    return decorator


def register_lazy(name: str, target: str) -> None:
    """Register ``name`` as a ``"package.module:attr"`` factory imported only when first built."""
    if ":" not in target:
        raise ValueError(f"lazy reward target must look like 'package.module:attr', got {target!r}")
    _REGISTRY[_canonical(name)] = target


def available_rewards() -> list[str]:
    """Sorted names that ``build_reward`` accepts."""
    return sorted(_REGISTRY)


def is_registered(name: str) -> bool:
    """Whether ``name`` is in the table (case-insensitive, ``_`` == ``-``)."""
    return _canonical(name) in _REGISTRY


def resolve_name(name: str) -> RewardFactory:
    """The factory for one reward: a registered name (imported if lazy) or an import path ``"pkg.mod:attr"``."""
    key = _canonical(name)
    if key not in _REGISTRY and ":" in name:  # an import path "package.module:attr" used directly
        module_name, attr = name.split(":", 1)
        try:
            return getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise KeyError(f"cannot import reward factory {name!r}: {exc}") from exc
    if key not in _REGISTRY:
        raise KeyError(f"unknown reward {name!r}; available: {', '.join(available_rewards())}")
    entry = _REGISTRY[key]
    if isinstance(entry, str):
        module_name, attr = entry.split(":", 1)
        entry = getattr(importlib.import_module(module_name), attr)
        _REGISTRY[key] = entry
    return entry


def make_reward(factory: RewardFactory, name: str, **kwargs: Any) -> Reward:
    """Call ``factory`` (the one for ``name``) and check that it made a :class:`Reward`."""
    reward = factory(**kwargs)
    if not isinstance(reward, Reward):
        raise TypeError(f"reward factory {name!r} returned {type(reward).__name__}, not a rewards.Reward")
    return reward


def taken_options(factory: RewardFactory) -> tuple[str, ...] | None:
    """The keyword names ``factory`` takes, in its signature's order; None when it takes any (``**kwargs``, or a
    signature that cannot be read)."""
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):  # builtins without a signature
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return None
    keyword = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return tuple(p.name for p in parameters if p.kind in keyword)


def fit_options(
    factory: RewardFactory,
    name: str,
    options: Mapping[str, Any],
    *,
    optional: Collection[str] | None = None,
    origin: str = "",
) -> dict[str, Any]:
    """The keywords to build reward ``name`` with: the one check of reward options, for every caller.

    ``options`` whose value is None are dropped. An option named in ``optional`` (default: every option; e.g. the
    ``timeout`` and ``workers`` a command line always passes) is kept only where the factory takes it; any other
    option the factory does not take raises TypeError naming it (with ``origin``, where it came from) and the
    factory's options. The kept options are bound to the factory's signature, so a missing required option raises
    TypeError too, before anything is built. A factory taking ``**kwargs`` receives every option."""
    given = {key: value for key, value in options.items() if value is not None}
    taken = taken_options(factory)
    if taken is None:
        return given
    loose = given.keys() if optional is None else optional
    unknown = [key for key in given if key not in taken and key not in loose]
    if unknown:
        raise TypeError(
            f"reward {name!r} takes no option {', '.join(map(repr, sorted(unknown)))}{origin}; "
            f"its options: {', '.join(taken)}"
        )
    fitted = {key: value for key, value in given.items() if key in taken}
    try:
        inspect.signature(factory).bind(**fitted)
    except TypeError as exc:
        raise TypeError(f"reward {name!r}: {exc}") from None
    return fitted
