"""Rewards by name: a registry of small classes/factories, built-ins resolved lazily ("module:attr").

Lazy entries keep ``import rewards`` light: the pairwise reward model (torch, transformers) is imported only when
``build_reward("pairwise", ...)`` is called.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
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


def resolve_factory(name: str) -> RewardFactory:
    """The factory for ``name``: a registered name (imported if lazy), ``"pkg.mod:attr"``, or ``"dapo+0.1*format"``."""
    key = _canonical(name)
    if key not in _REGISTRY and ("+" in name or "*" in name):  # a weighted spec such as "dapo+0.1*format"
        from mathreward.rewards.compose import from_spec

        return lambda **options: from_spec(name, **options)
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


def build_reward(name: str, **kwargs: Any) -> Reward:
    """Build the reward registered under ``name`` with ``kwargs`` (e.g. ``timeout``, ``workers``, ``max_len``)."""
    reward = resolve_factory(name)(**kwargs)
    if not isinstance(reward, Reward):
        raise TypeError(f"reward factory {name!r} returned {type(reward).__name__}, not a rewards.Reward")
    return reward


def build_reward_from_options(name: str, **options: Any) -> Reward:
    """Build ``name`` passing only the ``options`` its factory accepts (for CLIs with generic flags).

    ``options`` whose value is None are dropped; a factory taking ``**kwargs`` receives every option.
    """
    import inspect

    factory = resolve_factory(name)
    given = {key: value for key, value in options.items() if value is not None}
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError):  # builtins without a signature: pass everything
        return build_reward(name, **given)
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return build_reward(name, **given)
    return build_reward(name, **{key: value for key, value in given.items() if key in parameters})
