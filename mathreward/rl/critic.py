"""Value models: a linear head on a causal LM's last hidden state, either on the policy itself or on a copy."""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn

from mathreward.rl.rollout import Batch, forward_response


class ValueHead(nn.Module):
    """``hidden [.., H] -> value [..]``; starts at zero output so the first advantages are the raw returns."""

    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.linear = nn.Linear(hidden_size, 1)
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.linear(hidden.to(self.linear.weight.dtype)).squeeze(-1)


class Critic(nn.Module):
    """V(s_t) for t = 0..T over a response. ``backbone`` is a causal LM (a copy of the initial policy for a
    separate critic) or ``None`` when the head reads the policy's own hidden states (shared trunk)."""

    def __init__(self, hidden_size: int, backbone: Any | None = None) -> None:
        super().__init__()
        self.backbone = backbone
        self.head = ValueHead(hidden_size)

    @classmethod
    def from_policy(cls, policy: Any, separate: bool) -> Critic:
        hidden = policy.config.hidden_size
        backbone = copy.deepcopy(policy) if separate else None
        if backbone is not None:
            backbone.requires_grad_(True)
        critic = cls(hidden, backbone)
        return critic.to(next(policy.parameters()).device)

    @property
    def shared(self) -> bool:
        return self.backbone is None

    def forward(self, batch: Batch, policy_hidden: torch.Tensor | None = None) -> torch.Tensor:
        """Values ``[N, T + 1]``: column t is V(s_t), the state after t response tokens (column T: after the last
        padded position; read a row's V(s_T) at its own length)."""
        if self.shared:
            if policy_hidden is None:
                raise ValueError("a shared value head needs the policy's hidden states")
            return self.head(policy_hidden)
        hidden = forward_response(self.backbone, batch, with_hidden=True)["hidden"]
        return self.head(hidden)
