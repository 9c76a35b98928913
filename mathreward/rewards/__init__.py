"""Reward functions built on the verifiers, and the adapters that put them behind each trainer's interface.

``import mathreward.rewards`` is light: no torch, transformers or fastapi. Build a reward by name::

    from mathreward.rewards import build_reward
    reward = build_reward("dapo")
    results = reward.score(prompts, responses, golds)   # list[RewardResult], one per row

The modules: ``base`` (the ``Reward`` contract, ``RewardResult``, the result columns), ``catalog`` (names ->
factories, and the one check of reward options), ``registry`` (``build_reward``: names, import paths and weighted
specs), ``compose`` (weighted sums, DAPO's overlong punishment), ``rule_rewards`` (dapo, binary, boxed, format),
``routing`` (the rule reward by ``data_source``, the default ``routed``), ``dapo_verl`` (verl's DAPO score number for
number), ``pairwise`` (the pairwise reward model as a reward); the adapters ``verl``, ``trl``, ``openrlhf`` and
``server`` (HTTP).
"""

from mathreward.rewards.base import Reward, RewardResult
from mathreward.rewards.registry import (
    available_rewards,
    build_reward,
    build_reward_from_options,
    register_lazy,
    register_reward,
)

__all__ = [
    "Reward",
    "RewardResult",
    "available_rewards",
    "build_reward",
    "build_reward_from_options",
    "register_lazy",
    "register_reward",
]
