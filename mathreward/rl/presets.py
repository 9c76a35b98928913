"""Training configuration and the named presets (ppo, grpo, dapo, vc-ppo, vapo, t-ppo, pairwise-ppo).

A preset is a small function returning an :class:`RLConfig`; ``build_config(name, **overrides)`` applies command-line
or user overrides on top. Defaults follow the methods' papers (``docs/design/methods.md``), except where noted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PRESETS: dict[str, Callable[[], RLConfig]] = {}


@dataclass
class RLConfig:
    """Every knob of the trainer. Sizes count prompts (``batch_size``) and responses per prompt (``group_size``)."""

    preset: str = "custom"
    # rollout
    batch_size: int = 8  # prompts per training step (after dynamic sampling)
    gen_batch_size: int | None = None  # prompts per generation draw (default: batch_size)
    group_size: int = 8  # responses per prompt
    max_new_tokens: int = 256
    temperature: float = 1.0
    # Rollout temperature ramp: from ``temperature`` to ``temperature_final`` linearly over ``temperature_ramp_steps``
    # steps (None: constant). The training log-probs of a step use that step's rollout temperature.
    temperature_final: float | None = None
    temperature_ramp_steps: int = 0
    top_p: float = 1.0
    sampler: str = "cached"  # "cached" (our KV-cached loop) | "hf" (transformers.generate, the reference)
    rollout_logprobs: bool = True  # old log-probs from the sampler (no second forward) when no critic needs a pass
    share_prompts: bool = True  # training forwards read each distinct prompt once for its whole group (shared_prefix)
    # reward
    reward: str = "dapo"
    reward_kwargs: dict[str, Any] = field(default_factory=dict)
    overlong_buffer_frac: float = 0.0  # soft overlong punishment buffer as a share of max_new_tokens (0 = off)
    overlong_factor: float = 1.0
    verifier: str = "dapo"  # rule reward that measures correctness when the training reward does not (pairwise)
    # advantages
    advantage: str = "grpo"  # a name in algos.ADVANTAGE_ESTIMATORS
    gamma: float = 1.0
    lam_actor: float = 0.95
    lam_critic: float = 1.0
    lambda_alpha: float = 0.05
    adv_eps: float = 1e-6
    whiten_advantages: bool = False
    truncated_bootstrap: bool = False  # T-PPO extended GAE: unfinished responses bootstrap from V(s_T), no reward
    # policy loss
    policy_loss: str = "ppo-clip"
    eps_low: float = 0.2
    eps_high: float = 0.28
    dual_clip: float | None = None
    loss_agg: str = "token-mean"
    kl_coef: float = 0.0  # KL-to-reference loss coefficient (0: no reference model is kept)
    kl_kind: str = "k3"
    track_ref_kl: bool = False  # keep a frozen reference to log KL even when kl_coef is 0
    entropy_coef: float = 0.0
    nll_coef: float = 0.0  # VAPO positive-example LM loss weight
    # DAPO dynamic sampling
    dynamic_sampling: bool = False
    max_num_gen_batches: int = 10  # 0 = unlimited
    # at max_num_gen_batches draws without a full batch: "stop" (an error, as verl) or "train" (the step trains on the
    # mixed groups drawn so far, fewer than batch_size; an error only when there is none)
    on_draw_limit: str = "stop"
    # Pre-rollout filtering (as GRESO, arXiv 2506.02177): a prompt whose last group was all right or all wrong (zero
    # advantage, dropped by dynamic sampling) is skipped with this probability when it comes up again, so late steps
    # spend their generation on prompts that still teach something. 0 = off; < 1 so every prompt keeps a chance.
    skip_zero_variance: float = 0.0
    # critic
    critic: str = "none"  # "none" | "separate" (copy of the initial policy + linear head) | "head" (head on the policy)
    value_coef: float = 0.5
    value_clip: float | None = 0.2
    value_lr: float | None = None  # default: 10 x lr
    value_pretrain_steps: int = 0  # VC-PPO / VAPO: fit the critic on Monte-Carlo returns of the initial policy
    value_finished_only: bool = False  # T-PPO: the critic learns only from finished responses
    # optimisation
    steps: int = 100
    lr: float = 1e-6
    weight_decay: float = 0.1
    betas: tuple[float, float] = (0.9, 0.999)
    grad_clip: float = 1.0
    warmup_steps: int = 0
    ppo_epochs: int = 1
    mini_batch_size: int | None = None  # responses per optimiser step (default: the whole batch)
    seed: int = 0
    # output
    save_every: int = 0  # checkpoint every N steps (0: only at the end)
    report_to: str = "none"  # TRL's convention: "none", "all", or comma-separated "tensorboard,wandb"
    device: str = "auto"  # "auto" | "cpu" | "cuda" | "cuda:1" ...
    dtype: str = "auto"  # "auto" (bf16 on GPU when supported, else fp32) | "float32" | "bfloat16" | "float16"

    def validate(self) -> RLConfig:
        """Raise ``ValueError`` for inconsistent settings; returns self."""
        from mathreward.rl import algos

        if self.batch_size < 1 or self.group_size < 1 or self.max_new_tokens < 1 or self.steps < 0:
            raise ValueError("batch_size, group_size and max_new_tokens must be >= 1 and steps >= 0")
        for name, registry in (
            (self.advantage, algos.ADVANTAGE_ESTIMATORS),
            (self.policy_loss, algos.POLICY_LOSSES),
            (self.loss_agg, algos.AGGREGATIONS),
            (self.kl_kind, algos.KL_PENALTIES),
        ):
            if name not in registry:
                raise ValueError(f"unknown setting {name!r}; choose from {sorted(registry)}")
        from mathreward.rl.reporting import resolve_report_to

        resolve_report_to(self.report_to)
        if self.sampler not in ("cached", "hf"):
            raise ValueError(f"sampler must be cached or hf, got {self.sampler!r}")
        if self.critic not in ("none", "separate", "head"):
            raise ValueError(f"critic must be none, separate or head, got {self.critic!r}")
        if self.advantage in ("gae", "vc-ppo", "vapo") and self.critic == "none":
            raise ValueError(f"advantage {self.advantage!r} needs a critic (critic='separate' or 'head')")
        if self.on_draw_limit not in ("stop", "train"):
            raise ValueError(f"on_draw_limit must be stop or train, got {self.on_draw_limit!r}")
        if self.dynamic_sampling and self.group_size < 2:
            raise ValueError("dynamic sampling needs group_size >= 2")
        if self.temperature <= 0 or (self.temperature_final is not None and self.temperature_final <= 0):
            raise ValueError("temperature and temperature_final must be > 0")
        if not 0.0 <= self.skip_zero_variance < 1.0:
            raise ValueError("skip_zero_variance must be in [0, 1)")
        if self.temperature_ramp_steps < 0:
            raise ValueError("temperature_ramp_steps must be >= 0")
        if self.dual_clip is not None and self.dual_clip <= 1.0:
            raise ValueError("dual_clip must be > 1")
        return self

    def rollout_temperature(self, step: int) -> float:
        """The sampling temperature of RL step ``step`` (0-based): ``temperature``, moved linearly to
        ``temperature_final`` over ``temperature_ramp_steps`` steps when that is set."""
        if self.temperature_final is None:
            return self.temperature
        if self.temperature_ramp_steps <= 0:
            return self.temperature_final
        share = min(step / self.temperature_ramp_steps, 1.0)
        return self.temperature + share * (self.temperature_final - self.temperature)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def register_preset(name: str) -> Callable[[Callable[[], RLConfig]], Callable[[], RLConfig]]:
    """Decorator adding a preset factory to :data:`PRESETS`."""

    def decorator(fn: Callable[[], RLConfig]) -> Callable[[], RLConfig]:
        PRESETS[name] = fn
        return fn

    return decorator


def build_config(preset: str, **overrides: Any) -> RLConfig:
    """The preset's config with ``overrides`` applied (``None`` values are ignored), validated."""
    try:
        config = PRESETS[preset]()
    except KeyError:
        raise ValueError(f"unknown preset {preset!r}; choose from {sorted(PRESETS)}") from None
    known = {f.name for f in dataclasses.fields(RLConfig)}
    unknown = set(overrides) - known
    if unknown:
        raise ValueError(f"unknown config field(s) {sorted(unknown)}")
    config = dataclasses.replace(config, **{k: v for k, v in overrides.items() if v is not None})
    return config.validate()


@register_preset("grpo")
def grpo() -> RLConfig:
    """GRPO: group-normalised outcome advantage, symmetric clip, sample-level loss, k3 KL to the reference."""
    return RLConfig(
        preset="grpo", advantage="grpo", eps_low=0.2, eps_high=0.2, loss_agg="seq-mean-token-mean", kl_coef=0.001
    )


@register_preset("dapo")
def dapo() -> RLConfig:
    """DAPO: clip-higher (0.2/0.28), dual clip 10, token-level loss, no KL, dynamic sampling, soft overlong
    punishment (buffer 20% of the max length, as 4096 of 20480 in the recipe), lr 1e-6, weight decay 0.1."""
    return RLConfig(
        preset="dapo",
        advantage="grpo",
        eps_low=0.2,
        eps_high=0.28,
        dual_clip=10.0,
        loss_agg="token-mean",
        kl_coef=0.0,
        dynamic_sampling=True,
        max_num_gen_batches=10,
        overlong_buffer_frac=0.2,
        group_size=16,
    )


@register_preset("ppo")
def ppo() -> RLConfig:
    """PPO: a separate critic, GAE (lambda 0.95 for actor and critic), whitened advantages, symmetric clip."""
    return RLConfig(
        preset="ppo",
        advantage="gae",
        critic="separate",
        lam_actor=0.95,
        lam_critic=0.95,
        eps_low=0.2,
        eps_high=0.2,
        whiten_advantages=True,
        group_size=1,
        batch_size=32,
    )


@register_preset("vc-ppo")
def vc_ppo() -> RLConfig:
    """VC-PPO: value pretraining on Monte-Carlo returns, decoupled GAE (critic lambda 1.0, actor lambda 0.95)."""
    return dataclasses.replace(ppo(), preset="vc-ppo", advantage="vc-ppo", lam_critic=1.0, value_pretrain_steps=10)


@register_preset("vapo")
def vapo() -> RLConfig:
    """VAPO: value pretraining, decoupled GAE with length-adaptive actor lambda, clip-higher, token-level loss,
    group sampling and the positive-example LM loss (mu 0.1)."""
    return RLConfig(
        preset="vapo",
        advantage="vapo",
        critic="separate",
        lam_critic=1.0,
        lambda_alpha=0.05,
        value_pretrain_steps=10,
        eps_low=0.2,
        eps_high=0.28,
        loss_agg="token-mean",
        nll_coef=0.1,
        group_size=8,
    )


@register_preset("t-ppo")
def t_ppo() -> RLConfig:
    """T-PPO: responses still running when the generation window (max_new_tokens) ends are trained on at once with
    extended GAE (bootstrapping from V(s_T)); the critic learns only from finished responses."""
    return RLConfig(
        preset="t-ppo",
        advantage="vc-ppo",
        critic="separate",
        lam_actor=0.95,
        lam_critic=1.0,
        truncated_bootstrap=True,
        value_finished_only=True,
        eps_low=0.2,
        eps_high=0.28,
        loss_agg="token-mean",
        group_size=4,
    )


@register_preset("pairwise-ppo")
def pairwise_ppo() -> RLConfig:
    """PPO whose reward is the pairwise reward model's judgement against an anchor response (Pairwise-RL); pass
    ``reward_kwargs={"model_path": ...}`` (CLI: ``--reward-model PATH``)."""
    default_batch = RLConfig().batch_size
    return dataclasses.replace(
        ppo(), preset="pairwise-ppo", reward="pairwise", lam_critic=1.0, group_size=4, batch_size=default_batch
    )
