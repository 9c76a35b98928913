"""The RL algorithms of the seed papers as small, separately testable functions, kept in registries.

Tensors are ``[batch, tokens]`` over response tokens with a 0/1 ``mask`` unless noted. Formulas and worked numbers:
``docs/design/methods.md``. Registries (filled by decorators, looked up by name from presets):

- ``ADVANTAGE_ESTIMATORS``: ``fn(inputs: AdvantageInputs, cfg) -> (advantages [B,T], returns [B,T] | None)``
- ``POLICY_LOSSES``: ``fn(logp, old_logp, advantages, mask, **options) -> (loss, stats)``
- ``KL_PENALTIES``: ``fn(logp, ref_logp) -> [B,T]``
- ``AGGREGATIONS``: ``fn(values, mask, constant=None) -> scalar``
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

ADVANTAGE_ESTIMATORS: dict[str, Callable] = {}
POLICY_LOSSES: dict[str, Callable] = {}
KL_PENALTIES: dict[str, Callable] = {}
AGGREGATIONS: dict[str, Callable] = {}

LOG_RATIO_CLAMP = 20.0
K3_CLAMP = 10.0


def _register(registry: dict[str, Callable], *names: str) -> Callable[[Callable], Callable]:
    def decorator(fn: Callable) -> Callable:
        for name in names:
            if name in registry:
                raise ValueError(f"{name!r} is already registered")
            registry[name] = fn
        return fn

    return decorator


def _lookup(registry: dict[str, Callable], name: str, kind: str) -> Callable:
    try:
        return registry[name]
    except KeyError:
        raise ValueError(f"unknown {kind} {name!r}; choose from {sorted(registry)}") from None


def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``values`` over positions where ``mask`` is 1 (0 when the mask is empty)."""
    return (values * mask).sum() / mask.sum().clamp(min=1)


def masked_whiten(values: torch.Tensor, mask: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Shift and scale ``values`` to mean 0, std 1 over the masked positions; masked-out positions become 0."""
    mean = masked_mean(values, mask)
    var = masked_mean((values - mean) ** 2, mask)
    return (values - mean) * torch.rsqrt(var + eps) * mask


# ----------------------------------------------------------------------------------------------- aggregation


@_register(AGGREGATIONS, "token-mean")
def _token_mean(values: torch.Tensor, mask: torch.Tensor, constant: float | None = None) -> torch.Tensor:
    return (values * mask).sum() / mask.sum().clamp(min=1)


@_register(AGGREGATIONS, "seq-mean-token-mean")
def _seq_mean_token_mean(values: torch.Tensor, mask: torch.Tensor, constant: float | None = None) -> torch.Tensor:
    per_seq = (values * mask).sum(-1) / mask.sum(-1).clamp(min=1)
    return per_seq.mean()


@_register(AGGREGATIONS, "seq-mean-token-sum")
def _seq_mean_token_sum(values: torch.Tensor, mask: torch.Tensor, constant: float | None = None) -> torch.Tensor:
    return (values * mask).sum(-1).mean()


@_register(AGGREGATIONS, "seq-mean-token-sum-norm")
def _seq_mean_token_sum_norm(values: torch.Tensor, mask: torch.Tensor, constant: float | None = None) -> torch.Tensor:
    return (values * mask).sum() / float(constant if constant is not None else mask.shape[-1])


def aggregate(values: torch.Tensor, mask: torch.Tensor, mode: str, *, constant: float | None = None) -> torch.Tensor:
    """Reduce per-token ``values`` to a scalar loss.

    ``token-mean`` (DAPO): sum over all masked tokens / their count; ``seq-mean-token-mean`` (GRPO): mean over
    sequences of each sequence's token mean; ``seq-mean-token-sum``: mean over sequences of token sums;
    ``seq-mean-token-sum-norm`` (Dr. GRPO): masked sum / ``constant`` (default: the padded token count, i.e. the
    max response length).
    """
    return _lookup(AGGREGATIONS, mode, "aggregation")(values, mask.to(values.dtype), constant)


# ----------------------------------------------------------------------------------------------- advantages


def gae(
    rewards: torch.Tensor,
    values: torch.Tensor,
    mask: torch.Tensor,
    *,
    gamma: float = 1.0,
    lam: float | torch.Tensor = 0.95,
    lam_critic: float | torch.Tensor | None = None,
    bootstrap: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised advantage estimation over response tokens; returns ``(advantages, returns)``.

    ``lam`` is a float or a ``[batch]`` tensor (VAPO's length-adaptive lambda). ``lam_critic`` (VC-PPO's decoupled
    GAE): the returns, the critic's targets, come from a second recursion with this lambda; the advantages keep
    ``lam``. ``bootstrap`` is a ``[batch]`` tensor of V(s_T), the value of the state after the last generated token,
    used as the value beyond the end of a truncated, unfinished response (T-PPO's extended GAE); put 0 for finished
    responses. Without it every response ends with value 0. Masked positions are skipped by the recursion and get 0
    in both outputs.
    """
    mask = mask.to(values.dtype)
    batch, length = values.shape

    def per_sequence(value: float | torch.Tensor) -> torch.Tensor:
        tensor = torch.as_tensor(value, dtype=values.dtype, device=values.device)
        return tensor.expand(batch) if tensor.dim() == 0 else tensor.reshape(batch)

    # one row of lambdas per recursion: [advantages' lambda] or [advantages' lambda, returns' lambda]
    lams = torch.stack([per_sequence(lam)] + ([] if lam_critic is None else [per_sequence(lam_critic)]))
    next_value = (
        torch.zeros(batch, dtype=values.dtype, device=values.device)
        if bootstrap is None
        else bootstrap.to(values.dtype).reshape(batch)
    )
    last_adv = torch.zeros_like(lams)
    advantages = torch.zeros((len(lams), batch, length), dtype=values.dtype, device=values.device)
    for t in reversed(range(length)):
        m = mask[:, t]
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        adv = delta + gamma * lams * last_adv
        advantages[:, :, t] = adv * m
        next_value = values[:, t] * m + next_value * (1 - m)
        last_adv = adv * m + last_adv * (1 - m)
    returns = (advantages[-1] + values) * mask
    return advantages[0], returns


def length_adaptive_lambda(lengths: torch.Tensor | Sequence[int], alpha: float = 0.05) -> torch.Tensor:
    """VAPO's per-sequence GAE lambda: ``1 - 1 / (alpha * length)``, clamped to [0, 1] (100 -> 0.8, 1000 -> 0.98)."""
    lengths = torch.as_tensor(lengths, dtype=torch.float32)
    return (1.0 - 1.0 / (alpha * lengths.clamp(min=1e-6))).clamp(0.0, 1.0)


def grpo_advantage(
    scores: torch.Tensor | Sequence[float],
    group_ids: torch.Tensor | Sequence[Any],
    *,
    norm_by_std: bool = True,
    eps: float = 1e-6,
) -> torch.Tensor:
    """Group-normalised outcome advantage: ``(R - mean_group) / (std_group + eps)``, ``[batch]``.

    ``std`` is the unbiased (n-1) one as in ``torch.std``; a group of one gets 0. ``norm_by_std=False`` gives
    Dr. GRPO's ``R - mean_group``. ``group_ids`` may be any hashable labels.
    """
    scores = torch.as_tensor(scores, dtype=torch.float32)
    if isinstance(group_ids, torch.Tensor):
        _, index = torch.unique(group_ids, return_inverse=True)
    else:
        labels: dict[Any, int] = {}
        index = torch.tensor([labels.setdefault(g, len(labels)) for g in group_ids], dtype=torch.long)
    index = index.to(scores.device)
    num_groups = int(index.max()) + 1 if index.numel() else 0
    count = torch.zeros(num_groups, device=scores.device).index_add_(0, index, torch.ones_like(scores))
    total = torch.zeros(num_groups, device=scores.device).index_add_(0, index, scores)
    mean = total / count
    centered = scores - mean[index]
    if not norm_by_std:
        advantages = centered
    else:
        sq = torch.zeros(num_groups, device=scores.device).index_add_(0, index, centered**2)
        std = torch.sqrt(sq / (count - 1).clamp(min=1))
        advantages = centered / (std[index] + eps)
    return torch.where(count[index] > 1, advantages, torch.zeros_like(advantages))


def monte_carlo_returns(rewards: torch.Tensor, mask: torch.Tensor, *, gamma: float = 1.0) -> torch.Tensor:
    """Discounted reward-to-go per token (the lambda 1.0 targets that value pretraining fits)."""
    zeros = torch.zeros_like(rewards, dtype=torch.float32)
    return gae(rewards.float(), zeros, mask, gamma=gamma, lam=1.0)[1]


def outcome_token_rewards(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Place each sequence's scalar score on its last response token (``[batch]`` -> ``[batch, tokens]``)."""
    mask = mask.to(torch.long)
    lengths = mask.sum(-1)
    rewards = torch.zeros(mask.shape, dtype=torch.float32, device=mask.device)
    last = (lengths - 1).clamp(min=0)
    has_tokens = (lengths > 0).float()
    rewards[torch.arange(mask.shape[0], device=mask.device), last] = scores.float().to(mask.device) * has_tokens
    return rewards


@dataclass
class AdvantageInputs:
    """What an advantage estimator may read; estimators use the fields they need."""

    scores: torch.Tensor  # [B] sequence rewards (shaped)
    mask: torch.Tensor  # [B, T] response mask
    group_ids: list[Any]  # [B] prompt group labels
    values: torch.Tensor | None = None  # [B, T] V(s_t) from the critic
    bootstrap: torch.Tensor | None = None  # [B] V(s_T) for truncated responses, 0 for finished ones
    truncated: torch.Tensor | None = None  # [B] bool


@_register(ADVANTAGE_ESTIMATORS, "grpo")
def _grpo_estimator(inputs: AdvantageInputs, cfg: Any) -> tuple[torch.Tensor, None]:
    adv = grpo_advantage(inputs.scores, inputs.group_ids, norm_by_std=True, eps=getattr(cfg, "adv_eps", 1e-6))
    return adv[:, None].to(inputs.mask.device) * inputs.mask, None


@_register(ADVANTAGE_ESTIMATORS, "grpo-no-std")
def _drgrpo_estimator(inputs: AdvantageInputs, cfg: Any) -> tuple[torch.Tensor, None]:
    adv = grpo_advantage(inputs.scores, inputs.group_ids, norm_by_std=False)
    return adv[:, None].to(inputs.mask.device) * inputs.mask, None


def _require_values(inputs: AdvantageInputs, name: str) -> torch.Tensor:
    if inputs.values is None:
        raise ValueError(f"advantage estimator {name!r} needs a critic (values)")
    return inputs.values


def _critic_gae(
    inputs: AdvantageInputs, cfg: Any, name: str, lam: float | torch.Tensor, lam_critic: float | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """GAE on the critic's values of the outcome reward placed on each response's last token."""
    rewards = outcome_token_rewards(inputs.scores, inputs.mask)
    gamma = getattr(cfg, "gamma", 1.0)
    values = _require_values(inputs, name)
    return gae(rewards, values, inputs.mask, gamma=gamma, lam=lam, lam_critic=lam_critic, bootstrap=inputs.bootstrap)


@_register(ADVANTAGE_ESTIMATORS, "gae")
def _gae_estimator(inputs: AdvantageInputs, cfg: Any) -> tuple[torch.Tensor, torch.Tensor]:
    return _critic_gae(inputs, cfg, "gae", getattr(cfg, "lam_actor", 0.95))


@_register(ADVANTAGE_ESTIMATORS, "vc-ppo")
def _vcppo_estimator(inputs: AdvantageInputs, cfg: Any) -> tuple[torch.Tensor, torch.Tensor]:
    return _critic_gae(inputs, cfg, "vc-ppo", getattr(cfg, "lam_actor", 0.95), getattr(cfg, "lam_critic", 1.0))


@_register(ADVANTAGE_ESTIMATORS, "vapo")
def _vapo_estimator(inputs: AdvantageInputs, cfg: Any) -> tuple[torch.Tensor, torch.Tensor]:
    lam = length_adaptive_lambda(inputs.mask.sum(-1).cpu(), alpha=getattr(cfg, "lambda_alpha", 0.05))
    return _critic_gae(inputs, cfg, "vapo", lam, getattr(cfg, "lam_critic", 1.0))


def compute_advantages(name: str, inputs: AdvantageInputs, cfg: Any) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Run the registered advantage estimator ``name``."""
    return _lookup(ADVANTAGE_ESTIMATORS, name, "advantage estimator")(inputs, cfg)


# ----------------------------------------------------------------------------------------------- losses


@_register(POLICY_LOSSES, "ppo-clip")
def policy_loss(
    logp: torch.Tensor,
    old_logp: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    *,
    eps_low: float = 0.2,
    eps_high: float = 0.28,
    dual_clip: float | None = None,
    agg: str = "token-mean",
    agg_constant: float | None = None,
) -> tuple[torch.Tensor, dict[str, float]]:
    """PPO clipped surrogate with decoupled clip range (clip-higher) and optional dual clip.

    ``l = max(-A rho, -A clip(rho, 1-eps_low, 1+eps_high))``; for ``A < 0`` and ``dual_clip = c`` also
    ``l = min(l, -A c)``. The log-ratio is clamped to [-20, 20] before ``exp``. ``advantages`` is ``[B, T]`` or
    ``[B]`` (broadcast over tokens). Returns the aggregated loss and stats: ``clip_fraction`` (share of tokens
    where the clipped term wins), ``dual_clip_fraction``, ``approx_kl`` (mean k3 between old and new), ``ratio_mean``.
    """
    mask = mask.to(logp.dtype)
    if advantages.dim() == 1:
        advantages = advantages[:, None]
    advantages = advantages.to(logp.dtype)
    log_ratio = (logp - old_logp).clamp(-LOG_RATIO_CLAMP, LOG_RATIO_CLAMP)
    ratio = torch.exp(log_ratio)
    loss_unclipped = -advantages * ratio
    loss_clipped = -advantages * ratio.clamp(1.0 - eps_low, 1.0 + eps_high)
    loss = torch.maximum(loss_unclipped, loss_clipped)
    dual_hit = torch.zeros_like(loss, dtype=torch.bool)
    if dual_clip is not None:
        if dual_clip <= 1.0:
            raise ValueError(f"dual_clip must be > 1, got {dual_clip}")
        bound = -advantages * dual_clip
        dual_hit = (advantages < 0) & (loss > bound)
        loss = torch.where(advantages < 0, torch.minimum(loss, bound), loss)
    total = aggregate(loss, mask, agg, constant=agg_constant)
    with torch.no_grad():
        stats = {
            "clip_fraction": masked_mean((loss_clipped > loss_unclipped).to(logp.dtype), mask).item(),
            "dual_clip_fraction": masked_mean(dual_hit.to(logp.dtype), mask).item(),
            "approx_kl": masked_mean(torch.exp(-log_ratio) - 1 + log_ratio, mask).item(),
            "ratio_mean": masked_mean(ratio, mask).item(),
        }
    return total, stats


@_register(POLICY_LOSSES, "reinforce")
def reinforce_loss(
    logp: torch.Tensor,
    old_logp: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    *,
    agg: str = "token-mean",
    agg_constant: float | None = None,
    **_unused: Any,
) -> tuple[torch.Tensor, dict[str, float]]:
    """Plain policy gradient ``-A * logp`` (no ratio, no clipping); for comparison and teaching."""
    if advantages.dim() == 1:
        advantages = advantages[:, None]
    loss = aggregate(-advantages.to(logp.dtype) * logp, mask, agg, constant=agg_constant)
    return loss, {"clip_fraction": 0.0, "dual_clip_fraction": 0.0, "approx_kl": 0.0, "ratio_mean": 1.0}


def value_loss(
    values: torch.Tensor,
    old_values: torch.Tensor,
    returns: torch.Tensor,
    mask: torch.Tensor,
    *,
    clip_eps: float | None = 0.2,
    agg: str = "token-mean",
) -> tuple[torch.Tensor, dict[str, float]]:
    """Clipped value loss ``0.5 * max((V - R)^2, (V_old + clip(V - V_old, -eps, eps) - R)^2)``, aggregated."""
    mask = mask.to(values.dtype)
    unclipped = (values - returns) ** 2
    if clip_eps is None:
        per_token = 0.5 * unclipped
        clipped_more = torch.zeros_like(unclipped)
    else:
        v_clip = old_values + (values - old_values).clamp(-clip_eps, clip_eps)
        clipped = (v_clip - returns) ** 2
        per_token = 0.5 * torch.maximum(unclipped, clipped)
        clipped_more = (clipped > unclipped).to(values.dtype)
    loss = aggregate(per_token, mask, agg)
    with torch.no_grad():
        stats = {"value_clip_fraction": masked_mean(clipped_more, mask).item()}
    return loss, stats


def positive_nll_loss(
    logp: torch.Tensor, mask: torch.Tensor, correct: torch.Tensor, *, agg: str = "token-mean"
) -> torch.Tensor:
    """VAPO's positive-example LM loss: mean token NLL over the responses judged correct (0 when there are none)."""
    positive = mask.to(logp.dtype) * correct.to(logp.dtype)[:, None]
    if positive.sum() == 0:
        return logp.sum() * 0.0
    return aggregate(-logp, positive, agg)


# ----------------------------------------------------------------------------------------------- KL


@_register(KL_PENALTIES, "k1", "kl")
def _k1(logp: torch.Tensor, ref_logp: torch.Tensor) -> torch.Tensor:
    return logp - ref_logp


@_register(KL_PENALTIES, "k2", "mse")
def _k2(logp: torch.Tensor, ref_logp: torch.Tensor) -> torch.Tensor:
    return 0.5 * (logp - ref_logp) ** 2


@_register(KL_PENALTIES, "k3", "low_var_kl")
def _k3(logp: torch.Tensor, ref_logp: torch.Tensor) -> torch.Tensor:
    x = logp - ref_logp
    return (torch.exp(-x) - 1 + x).clamp(-K3_CLAMP, K3_CLAMP)


def kl_penalty(logp: torch.Tensor, ref_logp: torch.Tensor, kind: str = "k3") -> torch.Tensor:
    """Per-token KL estimate between the policy and the reference: ``k1`` = x, ``k2`` = x^2/2,
    ``k3``/``low_var_kl`` = exp(-x) - 1 + x clamped to [-10, 10], with x = logp - ref_logp."""
    return _lookup(KL_PENALTIES, kind, "KL penalty")(logp, ref_logp)


def get_policy_loss(name: str) -> Callable:
    """The registered policy loss ``name``."""
    return _lookup(POLICY_LOSSES, name, "policy loss")
