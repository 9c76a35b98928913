"""A compact PPO-family trainer for causal LMs: rollout -> reward -> advantages -> clipped policy updates.

One step (``RLTrainer.step``) reads top to bottom like the papers' algorithm boxes:

1. draw prompts, sample ``group_size`` responses each (``generate``), score them with a ``rewards`` reward;
   with DAPO's dynamic sampling keep drawing until ``batch_size`` prompt groups with mixed accuracy are kept;
2. old / reference log-probs and values (no grad);
3. advantages from the registered estimator (GRPO group-normalised, GAE, VC-PPO decoupled, VAPO length-adaptive;
   T-PPO bootstraps unfinished responses from V(s_T));
4. ``ppo_epochs`` passes of mini-batch updates: clipped policy loss + optional KL, entropy, positive-example NLL and
   clipped value loss; AdamW with gradient clipping. The forwards read each distinct prompt of a mini-batch once
   (``share_prompts``, :mod:`mathreward.rl.engine.shared_prefix`).

Metrics go to ``metrics.jsonl`` and ``curves.png`` in the output folder; checkpoints use ``save_pretrained``.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from mathreward.devices import resolve_device, training_dtypes
from mathreward.divergence import check_finite, check_parameters
from mathreward.rl import algos
from mathreward.rl.critic import Critic
from mathreward.rl.dynamic_sampling import dynamic_sample
from mathreward.rl.engine import shared_prefix
from mathreward.rl.presets import RLConfig
from mathreward.rl.rollout import Batch, Sample, collate, forward_response, generate_samples
from mathreward.temp_files import folder_written_beside

METRIC_KEYS = (
    "step",
    "reward",
    "accuracy",
    "reward_verifier_disagreement",
    "response_length",
    "truncated_fraction",
    "clip_fraction",
    "entropy",
    "kl",
    "approx_kl",
    "policy_loss",
    "value_loss",
    "nll_loss",
    "grad_norm",
    "lr",
    "temperature",
    "num_samples",
    "num_gen_batches",
    "keep_rate",
    "prompts_skipped",
    "step_time",
    "rollout_time",
)


def seed_everything(seed: int) -> None:
    """Seed Python and torch (CPU and CUDA) RNGs."""
    random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def build_reward_for(config: RLConfig, reward: Any = None) -> Any:
    """The reward object: ``reward`` if given, else ``build_reward(config.reward, **config.reward_kwargs)``, wrapped
    in DAPO's soft overlong punishment when ``overlong_buffer_frac > 0``."""
    from mathreward.rewards import build_reward
    from mathreward.rewards.compose import overlong

    inner = reward if reward is not None else build_reward(config.reward, **config.reward_kwargs)
    if config.overlong_buffer_frac > 0:
        buffer = max(1, int(round(config.max_new_tokens * config.overlong_buffer_frac)))
        return overlong(inner, config.max_new_tokens, buffer, config.overlong_factor)
    return inner


class RLTrainer:
    """Trains ``model`` (a transformers causal LM) on prompt texts with gold answers under ``config``.

    ``prompts`` are already rendered texts (see ``rl.data.render_prompt``). ``reward`` overrides the config's reward
    name (any object with the ``rewards.Reward`` ``score`` method). ``questions`` (the problem as a judge should read
    it, default: the rendered prompt) and ``references`` (an anchor solution per prompt) go to the reward; a judge
    reward (``pairwise``) compares each response with its prompt's reference. Correctness in the metrics and in
    :meth:`evaluate` always comes from a verifier: the reward's own, else ``config.verifier``.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        config: RLConfig,
        prompts: Sequence[str],
        golds: Sequence[str | None],
        *,
        reward: Any = None,
        out_dir: str | Path | None = None,
        add_special_tokens: bool | None = None,
        questions: Sequence[str] | None = None,
        references: Sequence[str | None] | None = None,
    ) -> None:
        self.config = config.validate()
        if len(prompts) != len(golds) or not prompts:
            raise ValueError("prompts and golds must be non-empty lists of the same length")
        seed_everything(config.seed)
        self.device = resolve_device(config.device)
        self.dtype, self.autocast_dtype = training_dtypes(config.dtype, self.device)
        self.policy = model.to(device=self.device, dtype=self.dtype)
        self.policy.train()
        self.tokenizer = tokenizer
        self.prompts = list(prompts)
        self.golds = list(golds)
        self.add_special_tokens = (
            not getattr(tokenizer, "chat_template", None) if add_special_tokens is None else add_special_tokens
        )
        for name, values in (("questions", questions), ("references", references)):
            if values is not None and len(values) != len(prompts):
                raise ValueError(f"{name} must have one entry per prompt")
        self.questions = list(questions) if questions is not None else None
        self.references = list(references) if references is not None else None
        self.reward = build_reward_for(config, reward)
        self._verifier = None
        self._judge: bool | None = None
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        self.ref = None
        if config.kl_coef > 0 or config.track_ref_kl:
            self.ref = copy.deepcopy(self.policy).eval().requires_grad_(False)
        self.critic = None
        if config.critic != "none":
            self.critic = Critic.from_policy(self.policy, separate=config.critic == "separate").to(self.device)
        groups = [{"params": [p for p in self.policy.parameters() if p.requires_grad], "lr": config.lr}]
        if self.critic is not None:
            critic_params = [p for p in self.critic.parameters() if p.requires_grad]
            groups.append({"params": critic_params, "lr": config.value_lr or 10 * config.lr})
        beta1, beta2 = config.betas
        self.optimizer = torch.optim.AdamW(groups, weight_decay=config.weight_decay, betas=(beta1, beta2))
        warmup = max(config.warmup_steps, 0)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, lambda step: min(1.0, (step + 1) / warmup) if warmup else 1.0
        )
        self.policy_loss_fn = algos.get_policy_loss(config.policy_loss)
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self._sinks: list[Any] = []
        if self.out_dir is not None:
            from mathreward.rl.reporting import open_sinks

            self._sinks = open_sinks(config.report_to, self.out_dir, self.out_dir.name, config.to_dict())
        elif config.report_to not in ("none", ""):
            raise ValueError("report_to needs an output folder (out_dir)")
        self.history: list[dict[str, Any]] = []
        self.step_count = 0
        self.last_checkpoint: str | None = None  # the folder of the last checkpoint saved (named when a run diverges)
        self._order: list[int] = []
        self._rng = random.Random(config.seed)
        self._zero_variance: set[int] = set()  # prompts whose last group was all right or all wrong
        self._skipped = 0  # prompts passed over by skip_zero_variance since the last step

    @property
    def temperature(self) -> float:
        """This step's rollout temperature (``RLConfig.rollout_temperature``), also the temperature of its training
        log-probs."""
        return self.config.rollout_temperature(self.step_count)

    @property
    def verifier(self) -> Any:
        """The rule reward (``config.verifier``) that measures correctness where the training reward does not."""
        if self._verifier is None:
            from mathreward.rewards import build_reward

            self._verifier = build_reward(self.config.verifier)
        return self._verifier

    def reward_is_judge(self) -> bool:
        """True when the training reward reports no correctness (a judge such as ``pairwise``); probed once on one
        made-up row, which a pairwise reward answers without running its model (the row is its own anchor)."""
        if self._judge is None:
            probe = self.reward.score(
                [""], ["Answer: 1"], ["1"], response_lengths=[3], group_ids=[0], references=[None]
            )  # no reference on the row: a pairwise reward anchors it on itself
            self._judge = probe[0].correct is None
        return self._judge

    def _amp(self) -> contextlib.AbstractContextManager:
        """Autocast for forward passes (mixed precision on GPU); a no-op on CPU."""
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.autocast_dtype)

    # ------------------------------------------------------------------------------------------------ rollout

    def _next_prompts(self, count: int) -> list[int]:
        """The next ``count`` prompt indices of a shuffled pass over the prompts; with ``skip_zero_variance`` a prompt
        whose last group had zero variance is passed over with that probability (it stays recorded)."""
        picked = []
        skip = self.config.skip_zero_variance
        while len(picked) < count:
            if not self._order:
                self._order = list(range(len(self.prompts)))
                self._rng.shuffle(self._order)
            index = self._order.pop()
            if skip and index in self._zero_variance and self._rng.random() < skip:
                self._skipped += 1
                continue
            picked.append(index)
        return picked

    def _record_variance(self, indices: list[int], groups: list[list[Sample]]) -> None:
        """Remember which of the drawn prompts (``indices``, by each group's position) got a zero-variance group."""
        for group in groups:
            index = indices[group[0].group]
            if len({_verdict_or_score(s) for s in group}) == 1:
                self._zero_variance.add(index)
            else:
                self._zero_variance.discard(index)

    def generate(
        self,
        prompts: Sequence[str],
        golds: Sequence[str | None],
        *,
        group_size: int,
        do_sample: bool = True,
        questions: Sequence[str] | None = None,
        references: Sequence[str | None] | None = None,
        with_reward: bool = True,
        temperature: float | None = None,
    ) -> list[Sample]:
        """Sample responses and score them. Every sample gets ``score`` (the training reward, shaped), ``correct``
        (raw correctness from the verifier) and ``extras["verdict"]`` (the training reward's own pass/fail, see
        :func:`reward_verdict`). ``questions`` (default: the prompts) and ``references`` (anchor solutions) are what
        a judge reward reads; ``with_reward=False`` (evaluation) skips a judge reward and runs only the verifier.
        ``temperature`` overrides the config's sampling temperature (evaluation at a fixed temperature)."""
        cfg = self.config
        with self._amp():
            samples = generate_samples(
                self.policy,
                self.tokenizer,
                list(prompts),
                list(golds),
                group_size=group_size,
                max_new_tokens=cfg.max_new_tokens,
                temperature=self.temperature if temperature is None else temperature,
                top_p=cfg.top_p,
                do_sample=do_sample,
                add_special_tokens=self.add_special_tokens,
                sampler=cfg.sampler,
            )
        responses = [s.response_text for s in samples]
        sample_golds = [s.gold for s in samples]
        fields: dict[str, Any] = {
            "response_lengths": [len(s.response_ids) for s in samples],
            "group_ids": [s.group for s in samples],
        }
        if references is not None:
            fields["references"] = [references[s.group] for s in samples]
        asked = [questions[s.group] for s in samples] if questions is not None else [s.prompt_text for s in samples]
        if with_reward or not self.reward_is_judge():
            results = self.reward.score(asked, responses, sample_golds, **fields)
        else:
            results = None  # evaluation of a judge-reward run: the verifier alone
        checked = results
        if results is None or any(r.correct is None for r in results):
            checked = self.verifier.score(asked, responses, sample_golds, **fields)
        assert checked is not None
        for index, sample in enumerate(samples):
            result = results[index] if results is not None else checked[index]
            sample.score = float(result.score)
            sample.correct = checked[index].correct if result.correct is None else result.correct
            sample.extras = {
                "status": checked[index].status,
                "pred": checked[index].pred,
                "verdict": reward_verdict(result),
            }
        return samples

    def _draw_groups(self, num_prompts: int, generated: list[Sample]) -> list[list[Sample]]:
        indices = self._next_prompts(num_prompts)
        samples = self.generate(
            [self.prompts[i] for i in indices],
            [self.golds[i] for i in indices],
            group_size=self.config.group_size,
            questions=[self.questions[i] for i in indices] if self.questions is not None else None,
            references=[self.references[i] for i in indices] if self.references is not None else None,
        )
        generated.extend(samples)
        groups: dict[int, list[Sample]] = {}
        for sample in samples:
            groups.setdefault(sample.group, []).append(sample)
        if self.config.skip_zero_variance:
            self._record_variance(indices, list(groups.values()))
        return list(groups.values())

    def collect(self) -> tuple[list[Sample], dict[str, Any]]:
        """One step's training samples (exactly ``batch_size`` prompt groups) and rollout metrics."""
        cfg = self.config
        generated: list[Sample] = []
        self._skipped = 0
        if cfg.dynamic_sampling:
            result = dynamic_sample(
                lambda: self._draw_groups(cfg.gen_batch_size or cfg.batch_size, generated),
                cfg.batch_size,
                accuracies_of=lambda group: [_verdict_or_score(s) for s in group],
                max_num_gen_batches=cfg.max_num_gen_batches,
                on_limit=cfg.on_draw_limit,
            )
            groups, draws, keep_rate = result.groups, result.num_draws, result.keep_rate
        else:
            groups, draws, keep_rate = self._draw_groups(cfg.batch_size, generated), 1, 1.0
        for new_id, group in enumerate(groups):  # renumber so groups from different draws never collide
            for sample in group:
                sample.group = new_id
        samples = [s for group in groups for s in group]
        metrics = {
            "reward": _mean([s.score for s in generated]),
            "accuracy": _mean([float(bool(s.correct)) for s in generated]),
            "reward_verifier_disagreement": _disagreement(generated),
            "response_length": _mean([len(s.response_ids) for s in generated]),
            "truncated_fraction": _mean([float(s.truncated) for s in generated]),
            "num_samples": len(samples),
            "num_gen_batches": draws,
            "keep_rate": keep_rate,
            "prompts_skipped": self._skipped,
        }
        return samples, metrics

    # ------------------------------------------------------------------------------------------------ update

    def _values(self, batch: Batch, policy_hidden: torch.Tensor | None = None) -> torch.Tensor:
        if self.critic is None:
            raise ValueError("this preset has no critic")
        return self.critic(batch, policy_hidden).float()

    def step(self) -> dict[str, Any]:
        """One full RL step; returns (and logs) its metrics."""
        cfg = self.config
        started = time.perf_counter()
        samples, metrics = self.collect()
        metrics["rollout_time"] = time.perf_counter() - started
        batch = collate(samples, self.pad_id, self.device)
        mask = batch.response_mask
        n = len(samples)
        scores = torch.tensor([s.score for s in samples], dtype=torch.float32, device=self.device)
        # The reward's own pass/fail (the verifier's correctness for a rule reward): what the positive-example loss uses.
        correct = torch.tensor([bool(s.extras.get("verdict")) for s in samples], device=self.device)
        truncated = torch.tensor([s.truncated for s in samples], device=self.device)
        mini = min(cfg.mini_batch_size or n, n)
        num_updates = cfg.ppo_epochs * math.ceil(n / mini)

        with torch.no_grad(), self._amp():
            need_old = num_updates > 1
            shared_critic = self.critic is not None and self.critic.shared
            old_logp = rollout_logp(samples, batch) if need_old and cfg.rollout_logprobs else None
            old_out = (
                forward_response(
                    self.policy,
                    batch,
                    temperature=self.temperature,
                    with_hidden=shared_critic,
                    share_prompts=cfg.share_prompts,
                )
                if (need_old and old_logp is None) or shared_critic
                else None
            )
            if need_old and old_logp is None and old_out is not None:
                old_logp = old_out["logp"]
            ref_logp = (
                forward_response(self.ref, batch, temperature=self.temperature, share_prompts=cfg.share_prompts)["logp"]
                if self.ref
                else None
            )
            values_full = bootstrap = None
            if self.critic is not None:
                values_full = self._values(batch, old_out.get("hidden") if old_out else None)
                bootstrap = values_full.gather(1, batch.lengths[:, None]).squeeze(1)
            if cfg.truncated_bootstrap:
                scores = torch.where(truncated, torch.zeros_like(scores), scores)
                bootstrap = (
                    torch.where(truncated, bootstrap, torch.zeros_like(bootstrap)) if bootstrap is not None else None
                )
            else:
                bootstrap = None
            inputs = algos.AdvantageInputs(
                scores=scores,
                mask=mask,
                group_ids=[s.group for s in samples],
                values=values_full[:, :-1] * mask if values_full is not None else None,
                bootstrap=bootstrap,
                truncated=truncated,
            )
            advantages, returns = algos.compute_advantages(cfg.advantage, inputs, cfg)
            if cfg.whiten_advantages:
                advantages = algos.masked_whiten(advantages, mask)
            value_mask = mask * (~truncated).float()[:, None] if cfg.value_finished_only else mask
            old_values = inputs.values

        sums: dict[str, float] = {}
        row_groups = torch.tensor([s.group for s in samples], device=self.device)
        for _ in range(cfg.ppo_epochs):
            # mini-batches of whole prompt groups (verl counts its mini-batch in prompts): each reads its prompts once
            order = shared_prefix.group_order(row_groups)
            for start in range(0, n, mini):
                idx = order[start : start + mini]
                stats = self._update(
                    batch.select(idx),
                    old_logp[idx] if old_logp is not None else None,
                    ref_logp[idx] if ref_logp is not None else None,
                    advantages[idx],
                    returns[idx] if returns is not None else None,
                    old_values[idx] if old_values is not None else None,
                    value_mask[idx],
                    correct[idx],
                )
                for key, value in stats.items():
                    sums[key] = sums.get(key, 0.0) + value
        metrics.update({key: value / num_updates for key, value in sums.items()})
        metrics["temperature"] = self.temperature
        self.step_count += 1
        metrics["step"] = self.step_count
        metrics["lr"] = self.optimizer.param_groups[0]["lr"]
        metrics["step_time"] = time.perf_counter() - started
        for key in METRIC_KEYS:
            metrics.setdefault(key, None)
        self.history.append(metrics)
        self._log(metrics)
        if self.out_dir is not None and cfg.save_every and self.step_count % cfg.save_every == 0:
            self.save(self.out_dir / f"checkpoint-{self.step_count}")
        return metrics

    def _update(
        self,
        batch: Batch,
        old_logp: torch.Tensor | None,
        ref_logp: torch.Tensor | None,
        advantages: torch.Tensor,
        returns: torch.Tensor | None,
        old_values: torch.Tensor | None,
        value_mask: torch.Tensor,
        correct: torch.Tensor,
    ) -> dict[str, float]:
        cfg = self.config
        mask = batch.response_mask
        shared_head = self.critic is not None and self.critic.shared
        with self._amp():
            out = forward_response(
                self.policy,
                batch,
                temperature=self.temperature,
                with_entropy=True,
                entropy_grad=cfg.entropy_coef > 0,
                with_hidden=shared_head,
                share_prompts=cfg.share_prompts,
            )
            values = self._values(batch, out.get("hidden"))[:, :-1] if self.critic is not None else None
        logp = out["logp"]
        old = old_logp if old_logp is not None else logp.detach()
        pg_loss, pg_stats = self.policy_loss_fn(
            logp,
            old,
            advantages,
            mask,
            eps_low=cfg.eps_low,
            eps_high=cfg.eps_high,
            dual_clip=cfg.dual_clip,
            agg=cfg.loss_agg,
        )
        loss = pg_loss
        stats = {"policy_loss": pg_loss.item(), **pg_stats}
        entropy = algos.aggregate(out["entropy"], mask, "token-mean")
        stats["entropy"] = entropy.item()
        if cfg.entropy_coef:
            loss = loss - cfg.entropy_coef * entropy
        if ref_logp is not None:
            kl = algos.aggregate(algos.kl_penalty(logp, ref_logp, cfg.kl_kind), mask, cfg.loss_agg)
            stats["kl"] = kl.item()
            if cfg.kl_coef:
                loss = loss + cfg.kl_coef * kl
        if cfg.nll_coef:
            nll = algos.positive_nll_loss(logp, mask, correct, agg=cfg.loss_agg)
            stats["nll_loss"] = nll.item()
            loss = loss + cfg.nll_coef * nll
        if values is not None and returns is not None and old_values is not None:
            v_loss, v_stats = algos.value_loss(values, old_values, returns, value_mask, clip_eps=cfg.value_clip)
            stats.update(value_loss=v_loss.item(), **v_stats)
            loss = loss + cfg.value_coef * v_loss
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(self.policy.parameters(), cfg.grad_clip)
        # a NaN or inf stops the run before the optimizer applies it (the weights stay those of the last step)
        check_finite(self.step_count + 1, self.last_checkpoint, loss=loss.item(), gradient_norm=float(grad_norm))
        if self.critic is not None and not self.critic.shared:
            torch.nn.utils.clip_grad_norm_(self.critic.parameters(), cfg.grad_clip)
        self.optimizer.step()
        self.scheduler.step()
        stats["grad_norm"] = float(grad_norm)
        return stats

    # ------------------------------------------------------------------------------------------------ value pretraining

    def pretrain_value(self, steps: int | None = None) -> list[float]:
        """VC-PPO / VAPO value pretraining: sample from the fixed initial policy and fit only the critic on
        Monte-Carlo returns (lambda 1.0). Returns the loss per step."""
        if self.critic is None:
            raise ValueError("value pretraining needs a critic")
        steps = self.config.value_pretrain_steps if steps is None else steps
        cfg = self.config
        critic_params = [p for p in self.critic.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(critic_params, lr=cfg.value_lr or 10 * cfg.lr, weight_decay=0.0)
        losses = []
        for _ in range(steps):
            samples = [s for group in self._draw_groups(cfg.batch_size, []) for s in group]
            batch = collate(samples, self.pad_id, self.device)
            scores = torch.tensor([s.score for s in samples], dtype=torch.float32, device=self.device)
            finished = torch.tensor([not s.truncated for s in samples], device=self.device).float()
            mask = batch.response_mask * (finished[:, None] if cfg.value_finished_only else 1.0)
            targets = algos.monte_carlo_returns(algos.outcome_token_rewards(scores, batch.response_mask), mask)
            with self._amp():
                hidden = None
                if self.critic.shared:
                    with torch.no_grad():
                        hidden = forward_response(self.policy, batch, with_hidden=True)["hidden"]
                values = self._values(batch, hidden)[:, :-1]
            loss, _ = algos.value_loss(values, values.detach(), targets, mask, clip_eps=None)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(critic_params, cfg.grad_clip)
            check_finite(0, self.last_checkpoint, value_pretraining_loss=loss.item())
            optimizer.step()
            losses.append(loss.item())
            self._log({"value_pretrain_loss": loss.item()})
        return losses

    # ------------------------------------------------------------------------------------------------ loop, eval, io

    def train(
        self,
        steps: int | None = None,
        *,
        callback: Callable[[RLTrainer, dict], None] | None = None,
        progress: bool = True,
    ) -> list[dict]:
        """Value pretraining (if configured), then ``steps`` RL steps with a progress bar (``progress``); writes
        curves and a final checkpoint when an output folder is set."""
        from tqdm.auto import tqdm

        steps = self.config.steps if steps is None else steps
        if self.critic is not None and self.config.value_pretrain_steps and self.step_count == 0:
            self.pretrain_value()
        bar = tqdm(range(steps), desc=f"rl {self.config.preset}", unit="step", leave=False, disable=not progress)
        for _ in bar:
            metrics = self.step()
            bar.set_postfix(reward=f"{metrics['reward']:.3f}", acc=f"{metrics['accuracy']:.3f}")
            if callback is not None:
                callback(self, metrics)
        if self.out_dir is not None:
            from mathreward.rl.curves import plot_curves

            plot_curves(self.history, self.out_dir / "curves.png", title=f"{self.config.preset}")
            self.save(self.out_dir / "final")
            self.close()
        return self.history

    @torch.no_grad()
    def evaluate(
        self,
        prompts: Sequence[str],
        golds: Sequence[str | None],
        *,
        samples_per_prompt: int = 1,
        greedy: bool = True,
        batch_prompts: int = 64,
        temperature: float | None = None,
    ) -> dict[str, float]:
        """Accuracy (raw correctness), no-answer rate, accuracy among answered responses (correctness apart from
        the format) and mean response length on held-out prompts, greedy or sampled (at ``temperature``, default the
        config's)."""
        results: list[Sample] = []
        for start in range(0, len(prompts), batch_prompts):
            results += self.generate(
                prompts[start : start + batch_prompts],
                golds[start : start + batch_prompts],
                group_size=1 if greedy else samples_per_prompt,
                do_sample=not greedy,
                with_reward=False,
                temperature=temperature,
            )
        answered = [s for s in results if s.extras.get("status") != "no_answer"]
        return {
            "accuracy": _mean([float(bool(s.correct)) for s in results]),
            "response_length": _mean([len(s.response_ids) for s in results]),
            "no_answer": _mean([float(s.extras.get("status") == "no_answer") for s in results]),
            "answered_accuracy": _mean([float(bool(s.correct)) for s in answered]),
        }

    def save(self, path: str | Path) -> Path:
        """``save_pretrained`` the policy and tokenizer (and the critic's weights) into ``path``."""
        check_parameters(self.step_count, self.policy, self.last_checkpoint)  # never a NaN checkpoint
        if self.critic is not None:
            check_parameters(self.step_count, self.critic, self.last_checkpoint)
        path = Path(path)
        with folder_written_beside(path) as folder:  # a new checkpoint appears whole or not at all
            self.policy.save_pretrained(folder)
            self.tokenizer.save_pretrained(folder)
            if self.critic is not None:
                from safetensors.torch import save_file

                state = {k: v.detach().contiguous().cpu() for k, v in self.critic.state_dict().items()}
                save_file(state, str(folder / "critic.safetensors"))
            (folder / "rl_config.json").write_text(json.dumps(self.config.to_dict(), indent=2, default=str) + "\n")
        self.last_checkpoint = str(path)
        return path

    def _log(self, record: dict[str, Any]) -> None:
        if self.out_dir is None:
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        with open(self.out_dir / "metrics.jsonl", "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
        for sink in self._sinks:
            sink.log(record, int(record.get("step") or self.step_count))

    def log_heldout(self, step: int, metrics: dict[str, Any]) -> None:
        """Log held-out evaluation ``metrics`` at ``step`` (``metrics.jsonl`` with a ``heldout/`` prefix, and every
        ``report_to`` sink)."""
        self._log({"step": step, **{f"heldout/{key}": value for key, value in metrics.items()}})

    def close(self) -> None:
        """Flush and close the ``report_to`` sinks (TensorBoard writers, wandb runs)."""
        for sink in self._sinks:
            sink.close()
        self._sinks = []


def rollout_logp(samples: Sequence[Sample], batch: Batch) -> torch.Tensor | None:
    """The sampler's log-probs of the response tokens as a [N, T] tensor laid out like ``batch`` (0 on padding), or
    ``None`` when a sample has none (``transformers.generate`` keeps none)."""
    if any(s.logp is None for s in samples):
        return None
    out = torch.zeros(batch.response_mask.shape, dtype=torch.float32)
    for row, sample in enumerate(samples):
        if sample.logp:
            out[row, : len(sample.logp)] = torch.tensor(sample.logp, dtype=torch.float32)
    return out.to(batch.response_mask.device)


def reward_verdict(result: Any) -> bool | None:
    """The reward's own pass/fail of one response: ``correct`` for a verifier reward, else the judge's
    ``extras["judged_correct"]`` (the pairwise reward against a reference anchor), else ``None``."""
    if result.correct is not None:
        return bool(result.correct)
    judged = result.extras.get("judged_correct")
    return None if judged is None else bool(judged)


def _verdict_or_score(sample: Sample) -> float:
    """What DAPO's dynamic sampling compares within a group: the reward's verdict, or its score without one."""
    verdict = sample.extras.get("verdict")
    return float(verdict) if verdict is not None else sample.score


def _disagreement(samples: Sequence[Sample]) -> float | None:
    """Share of responses whose reward verdict differs from the verifier's correctness (None without verdicts)."""
    pairs = [(s.extras.get("verdict"), bool(s.correct)) for s in samples if s.extras.get("verdict") is not None]
    return _mean([float(v != c) for v, c in pairs]) if pairs else None


def _mean(values: Sequence[float]) -> float:
    return float(sum(values) / len(values)) if values else 0.0
