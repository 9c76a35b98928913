"""The table of reward names -> factories, and building one reward from one name.

The bottom of the reward-building layers: ``compose`` builds its components by name through this module, and
``registry`` (the public entry) adds weighted specs such as ``"dapo+0.1*format"`` on top of both. Built-ins are
``"module:attr"`` strings imported on first use, so ``import mathreward.rewards`` stays light (no torch,
transformers).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
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


def accepted_options(factory: RewardFactory, options: Mapping[str, Any]) -> dict[str, Any]:
    """The ``options`` that ``factory`` accepts, None values dropped; all of them when it takes ``**kwargs``."""
    given = {key: value for key, value in options.items() if value is not None}
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError):  # builtins without a signature: pass everything
        return given
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return given
    return {key: value for key, value in given.items() if key in parameters}
