"""Rewards by name: ``build_reward("dapo")``, an import path ``"pkg.mod:attr"``, or a weighted spec
``"dapo+0.1*format"``.

The name table lives in ``catalog`` (registered names, lazy built-ins), weighted specs in ``compose``; this module
puts them behind one entry point. Lazy entries keep ``import rewards`` light: the pairwise reward model (torch,
transformers) is imported only when ``build_reward("pairwise", ...)`` is called.
"""

from __future__ import annotations

from typing import Any

from mathreward.rewards.base import Reward
from mathreward.rewards.catalog import (
    RewardFactory,
    available_rewards,
    fit_options,
    make_reward,
    register_lazy,
    register_reward,
    resolve_name,
)
from mathreward.rewards.compose import from_spec, is_spec

__all__ = [
    "RewardFactory",
    "available_rewards",
    "build_reward",
    "build_reward_from_options",
    "register_lazy",
    "register_reward",
    "resolve_factory",
]


def resolve_factory(name: str) -> RewardFactory:
    """The factory for ``name``: a registered name (imported if lazy), ``"pkg.mod:attr"``, or ``"dapo+0.1*format"``."""
    if is_spec(name):
        return lambda **options: from_spec(name, **options)
    return resolve_name(name)


def build_reward(name: str, **kwargs: Any) -> Reward:
    """Build the reward registered under ``name`` with ``kwargs`` (e.g. ``timeout``, ``workers``, ``max_len``)."""
    return make_reward(resolve_factory(name), name, **kwargs)


def build_reward_from_options(name: str, **options: Any) -> Reward:
    """Build ``name`` passing only the ``options`` its factory accepts (for CLIs with generic flags).

    ``options`` whose value is None are dropped; a factory taking ``**kwargs`` receives every option.
    """
    factory = resolve_factory(name)
    return make_reward(factory, name, **fit_options(factory, name, options))
