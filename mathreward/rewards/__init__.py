"""Reward functions built on the verifiers, and the adapters that put them behind each trainer's interface.

``import mathreward.rewards`` is light: no torch, transformers or fastapi. Build a reward by name::

    from mathreward.rewards import build_reward
    reward = build_reward("dapo")
    results = reward.score(prompts, responses, golds)   # list[RewardResult], one per row
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
