"""The RL demo: a tiny model learns a toy arithmetic task from imperfect supervision, then DAPO (and GRPO, from the
same starting checkpoint) raise its held-out accuracy with the rule reward ``dapo`` (+1 / -1 on `Answer: N`).

``run_demo(out_dir, quick=False) -> dict`` writes the warmed-up and trained checkpoints, ``metrics.jsonl`` and
``curves.png`` per run, and ``accuracy.png`` comparing held-out accuracy before and after.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from mathreward.figures import pyplot, save_figure
from mathreward.rl.toy_task import Problem, make_problems, noisy_solution


@dataclass
class DemoSettings:
    """Sizes and budgets; ``quick`` shrinks everything to a smoke test."""

    train_problems: int = 4000
    heldout_problems: int = 200
    max_operand: int = 9
    vocab_size: int = 512  # room for every number of the task as one token (400 split 13..18 into two)
    individual_digits: bool = False  # one token per digit (as Qwen/Llama) instead of BPE-merged numbers
    copy_rate: float = 0.25  # extra warm-up examples (share of the problems) that repeat a list of numbers
    hidden_size: int = 96
    num_layers: int = 3
    num_heads: int = 4
    sft_steps: int = 800
    sft_batch: int = 32
    sft_lr: float = 2e-3
    wrong_rate: float = 0.2
    format_error_rate: float = 0.4
    # RL steps of each run, seeded: the same result on any machine (a slower one takes longer; no stage has a time
    # budget). The runs go at the same time, one process each: on 2 cores the three share both cores. 200 steps keep
    # the demo near 12 minutes on 2 cores; the 80 steps after them cost as much again (most take 20 draws) for 2-4
    # points of sampled accuracy (docs/benchmarks/2026-12-07-demo-fixed-steps.md).
    rl_steps: int = 200
    batch_size: int = 16
    group_size: int = 8
    max_new_tokens: int = 24
    # The RL recipe from the sweeps in docs/benchmarks/rl-sweeps.md: rollouts at T = 0.7 keep the
    # training samples near the greedy mode, so greedy accuracy dips less while the format is learnt, and still train
    # the tail that sampled accuracy at T = 1 needs; lr 1e-4 after a 25-update warm-up; about 400 steps.
    rl_lr: float = 1e-4
    rl_warmup_updates: int = 25
    rl_temperature: float = 0.7
    rl_betas: tuple[float, float] = (0.9, 0.999)
    eval_samples: int = 4
    eval_temperature: float = 1.0  # held-out sampled accuracy at T = 1 whatever the training temperature
    eval_every: int = 50
    # Dynamic sampling draws generation batches of 16 prompts until it holds batch_size groups with mixed accuracy, up
    # to 20 draws a step; a step that finds fewer trains on those it found (on_draw_limit "train"), so every run makes
    # its rl_steps steps. Stopping there cut runs short (2026-12-07: steps 213, 182 and 179 of 280), and with no limit
    # the last steps, where the policy solves almost every training problem, took 30-40 draws each.
    max_num_gen_batches: int = 20
    on_draw_limit: str = "train"
    # Late in a run most prompts come back all right: pass over those whose last group had no signal 9 times in 10
    # (pre-rollout filtering), so a step needs 1-2 generation draws instead of 5-10.
    skip_zero_variance: float = 0.9
    mini_batch_size: int = 32  # responses per optimiser step: 4 updates per step of 16 x 8 (DAPO: 16 per step)
    ppo_epochs: int = 1
    seed: int = 0
    # torch threads in every process of the policy and RL stages, whatever the machine's cores: results depend on the
    # thread count (how sums are split), not on the cores or the load.
    threads: int = 1
    report_to: str = "tensorboard"  # the runs side by side: tensorboard --logdir demo_out/rl


QUICK = DemoSettings(
    train_problems=300,
    heldout_problems=24,
    max_operand=3,
    hidden_size=32,
    num_layers=1,
    num_heads=2,
    sft_steps=300,
    sft_lr=5e-3,
    rl_steps=3,
    rl_warmup_updates=5,
    batch_size=4,
    group_size=4,
    eval_samples=2,
    eval_every=0,
)


def chat_prompt(tokenizer: Any, problem: Problem) -> str:
    """The DAPO-style prompt as one user message through the tokenizer's chat template."""
    from mathreward.rl.data import render_prompt

    return render_prompt(tokenizer, [{"role": "user", "content": problem.prompt}])


def supervised_warmup(
    model: Any, tokenizer: Any, prompts: list[str], responses: list[str], settings: DemoSettings
) -> list[float]:
    """Next-token cross-entropy on the response tokens only (prompt masked), AdamW with a cosine decay."""
    from tqdm.auto import tqdm

    from mathreward.rl.rollout import Sample, collate, forward_response

    rng = random.Random(settings.seed)
    eos = tokenizer.eos_token_id
    encoded = [
        (
            tokenizer(p, add_special_tokens=False)["input_ids"],
            tokenizer(r, add_special_tokens=False)["input_ids"] + [eos],
        )
        for p, r in zip(prompts, responses, strict=True)
    ]
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.sft_lr, weight_decay=0.01)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=settings.sft_lr, total_steps=max(settings.sft_steps, 1), pct_start=0.1
    )
    model.train()
    losses = []
    for _ in tqdm(range(settings.sft_steps), desc="supervised warm-up", unit="step", leave=False):
        rows = rng.sample(encoded, min(settings.sft_batch, len(encoded)))
        samples = [Sample(p, r, True, False, 0, "", "", None) for p, r in rows]
        batch = collate(samples, tokenizer.pad_token_id)
        logp = forward_response(model, batch)["logp"]
        loss = -(logp * batch.response_mask).sum() / batch.response_mask.sum()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
    return losses


def _evaluate(trainer: Any, prompts: list[str], golds: list[str], settings: DemoSettings) -> dict[str, float]:
    sampled = trainer.evaluate(
        prompts, golds, samples_per_prompt=settings.eval_samples, greedy=False, temperature=settings.eval_temperature
    )
    greedy = trainer.evaluate(prompts, golds, greedy=True)
    return {
        "sampled_accuracy": round(sampled["accuracy"], 4),
        "greedy_accuracy": round(greedy["accuracy"], 4),
        "sampled_no_answer": round(sampled["no_answer"], 4),
        "greedy_no_answer": round(greedy["no_answer"], 4),
        "sampled_answered_accuracy": round(sampled["answered_accuracy"], 4),
        "greedy_answered_accuracy": round(greedy["answered_accuracy"], 4),
        "response_length": round(sampled["response_length"], 2),
    }


def demo_config(preset: str, settings: DemoSettings, **overrides: Any) -> Any:
    """The demo's ``RLConfig`` for ``preset``: the settings' sizes and budgets on CPU, ``overrides`` last."""
    from mathreward.rl.presets import build_config

    fields: dict[str, Any] = {
        "steps": settings.rl_steps,
        "batch_size": settings.batch_size,
        "gen_batch_size": settings.batch_size,
        "group_size": settings.group_size,
        "max_new_tokens": settings.max_new_tokens,
        "lr": settings.rl_lr,
        "temperature": settings.rl_temperature,
        "betas": settings.rl_betas,
        "warmup_steps": settings.rl_warmup_updates,
        "weight_decay": 0.0,
        "max_num_gen_batches": settings.max_num_gen_batches,
        "on_draw_limit": settings.on_draw_limit,
        "skip_zero_variance": settings.skip_zero_variance,
        "mini_batch_size": settings.mini_batch_size,
        "ppo_epochs": settings.ppo_epochs,
        "seed": settings.seed,
        "device": "cpu",
    }
    return build_config(preset, **{**fields, **overrides})


def run_rl(
    preset: str,
    start_dir: Path,
    out_dir: Path,
    train: tuple[list[str], list[str]],
    heldout: tuple[list[str], list[str]],
    settings: DemoSettings,
    *,
    reward: str | None = None,
    reward_kwargs: dict[str, Any] | None = None,
    questions: list[str] | None = None,
    references: list[str] | None = None,
    label: str | None = None,
    config_overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Train ``preset`` from the checkpoint in ``start_dir`` for exactly ``settings.rl_steps`` seeded steps; evaluate
    before, every ``settings.eval_every`` steps and after.

    ``reward`` / ``reward_kwargs`` replace the preset's reward (``pairwise`` with a reward-model folder); the judge reads
    ``questions`` and compares each response with its prompt's ``references`` (anchor solutions). Held-out accuracy
    is always the verifier's."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from mathreward.rl.curves import plot_curves, plot_heldout_run
    from mathreward.rl.trainer import RLTrainer

    tokenizer = AutoTokenizer.from_pretrained(start_dir)
    model = AutoModelForCausalLM.from_pretrained(start_dir)
    config = demo_config(
        preset,
        settings,
        reward=reward,
        reward_kwargs=reward_kwargs,
        report_to=settings.report_to,
        **(config_overrides or {}),
    )
    label = label or preset
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "metrics.jsonl").unlink(missing_ok=True)
    trainer = RLTrainer(
        model, tokenizer, config, train[0], train[1], out_dir=out_dir, questions=questions, references=references
    )
    before = _evaluate(trainer, *heldout, settings)
    curve = [{"step": 0, **before}]
    started = time.perf_counter()
    eval_seconds = 0.0
    while trainer.step_count < settings.rl_steps:
        metrics = trainer.step()
        if (
            settings.eval_every
            and trainer.step_count % settings.eval_every == 0
            and trainer.step_count < settings.rl_steps
        ):
            eval_started = time.perf_counter()
            point = _evaluate(trainer, *heldout, settings)
            eval_seconds += time.perf_counter() - eval_started
            curve.append({"step": trainer.step_count, **point})
            trainer.log_heldout(trainer.step_count, point)
        disagree = metrics.get("reward_verifier_disagreement")
        print(
            f"  {label} step {metrics['step']}: train acc {metrics['accuracy']:.3f} reward {metrics['reward']:.3f} "
            f"len {metrics['response_length']:.1f} gen batches {metrics['num_gen_batches']}"
            + (f" reward/verifier disagree {disagree:.3f}" if disagree is not None else ""),
            flush=True,
        )
    rl_seconds = time.perf_counter() - started - eval_seconds
    after = _evaluate(trainer, *heldout, settings)
    curve.append({"step": trainer.step_count, **after})
    trainer.log_heldout(trainer.step_count, after)
    plot_curves(
        trainer.history,
        out_dir / "curves.png",
        title=f"{label} on the toy task",
        extra={"held-out (greedy)": [(float(c["step"]), float(c["greedy_accuracy"])) for c in curve]},
    )
    plot_heldout_run(curve, out_dir / "heldout.png", title=f"{label}: held-out problems (verifier)")
    trainer.close()
    trainer.save(out_dir / "final")
    result = {"steps": trainer.step_count, "rl_seconds": round(rl_seconds, 1), "before": before, "after": after}
    result["eval_seconds"] = round(eval_seconds, 1)
    result["reward"] = config.reward
    recipe_keys = ("temperature", "lr", "warmup_steps", "batch_size", "group_size", "mini_batch_size")
    recipe_keys += ("dynamic_sampling", "skip_zero_variance", "eps_low", "eps_high", "loss_agg", "kl_coef")
    result["recipe"] = {key: getattr(config, key) for key in recipe_keys}
    result["heldout_curve"] = curve
    result["sampling"] = sampling_record(trainer.history, config)
    disagreements = [m["reward_verifier_disagreement"] for m in trainer.history]
    if any(d is not None for d in disagreements):
        values = [d for d in disagreements if d is not None]
        result["reward_verifier_disagreement"] = round(sum(values) / len(values), 4)
    return result


def sampling_record(history: list[dict[str, Any]], config: Any) -> dict[str, Any]:
    """What dynamic sampling did in a run, from its steps' metrics: the draw rule of ``config`` (an ``RLConfig``),
    generation draws in all and at most in one step, the steps that trained on fewer than ``batch_size`` groups (at
    the draw limit) and the prompts passed over by pre-rollout filtering."""
    draws = [int(m["num_gen_batches"]) for m in history]
    full = config.batch_size * config.group_size
    if not config.max_num_gen_batches:
        rule = "draws until the batch is full"
    elif config.on_draw_limit == "train":
        rule = f"up to {config.max_num_gen_batches} draws a step, then trains on the groups found"
    else:
        rule = f"up to {config.max_num_gen_batches} draws a step, then stops"
    return {
        "rule": rule,
        "generation_draws": sum(draws),
        "most_draws_in_a_step": max(draws, default=0),
        "short_steps": sum(int(m["num_samples"]) < full for m in history),
        "prompts_skipped": sum(int(m["prompts_skipped"] or 0) for m in history),
    }


def plot_comparison(results: dict[str, dict[str, Any]], path: Path) -> None:
    """Bar chart of held-out accuracy (sampled and greedy) before and after each preset."""
    plt = pyplot()

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key in zip(axes, ("sampled_accuracy", "greedy_accuracy"), strict=True):
        labels = ["warm-up"] + list(results)
        first = next(iter(results.values()))
        values = [first["before"][key]] + [r["after"][key] for r in results.values()]
        bars = ax.bar(labels, values, color=["#999999"] + ["#1f77b4", "#ff7f0e", "#2ca02c"][: len(results)])
        for bar, value in zip(bars, values, strict=True):
            ax.text(bar.get_x() + bar.get_width() / 2, value + 0.01, f"{value:.2f}", ha="center")
        ax.set_ylim(0, 1.05)
        ax.set_title(f"held-out {key.replace('_', ' ')}")
    fig.tight_layout()
    save_figure(fig, path)


POLICY_FILES = ("warmup", "problems_train.parquet", "problems_heldout.parquet", "policy.json")


def _fingerprint(settings: DemoSettings) -> dict[str, Any]:
    """The settings a warm-up depends on: a saved policy is reused only when these match."""
    keys = ("train_problems", "heldout_problems", "max_operand", "vocab_size", "hidden_size", "num_layers")
    keys += ("num_heads", "sft_steps", "sft_batch", "sft_lr", "wrong_rate", "format_error_rate", "seed")
    keys += ("individual_digits", "copy_rate")
    return {key: getattr(settings, key) for key in keys}


def judge_corpus(problems: list[Problem], responses: list[str]) -> list[str]:
    """A few judge texts (the pairwise RM's templates filled with toy problems) for the tokenizer's training corpus,
    so the judge prompt is as compact in tokens as the task texts are."""
    from mathreward.reward_models.judge_prompt import TEMPLATES, named_template

    texts = []
    for name in TEMPLATES:
        template = named_template(name)
        texts += [
            template.render(p.prompt, r, p.solution(), str(p.answer)) + " A"
            for p, r in zip(problems[:100], responses[:100], strict=False)
        ]
    return texts


def copy_examples(count: int, settings: DemoSettings) -> tuple[list[str], list[str]]:
    """``count`` (prompt, response) pairs of a generic skill pretrained LMs have and the toy task never needs: repeat
    a list of numbers. Copying by content is what induction heads do; a judge reuses them to find the response whose
    answer is the reference."""
    rng = random.Random(settings.seed + 1)
    top = 4 * settings.max_operand
    prompts, responses = [], []
    for _ in range(count):
        numbers = " ".join(str(rng.randint(0, top)) for _ in range(rng.randint(3, 8)))
        prompts.append(f"Repeat: {numbers}")
        responses.append(numbers)
    return prompts, responses


def prepare_policy(out_dir: Path, settings: DemoSettings) -> dict[str, Any]:
    """The shared policy checkpoint: a tiny Llama warmed up on noisy supervision, saved with its tokenizer in
    ``out_dir/warmup`` (a normal transformers folder), plus the train / held-out problems as curated-schema parquet.

    Written once: a later call with the same settings reuses the saved files (``policy.json`` records them), so the
    reward-model stage and the RL stage share one warm-up.
    """
    from mathreward.reward_models.tiny_lm import build_tiny_causal_lm, train_tokenizer
    from mathreward.rl.data import render_prompt
    from mathreward.rl.toy_task import problem_rows
    from mathreward.tables import write_rows

    out_dir = Path(out_dir)
    record_path = out_dir / "policy.json"
    fingerprint = _fingerprint(settings)
    if all((out_dir / name).exists() for name in POLICY_FILES):
        record = json.loads(record_path.read_text())
        if record.get("settings") == fingerprint:
            return {**record, "checkpoint": str(out_dir / "warmup"), "reused": True}
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(settings.threads)
    problems = make_problems(
        settings.train_problems + settings.heldout_problems, seed=settings.seed, max_operand=settings.max_operand
    )
    train_problems, heldout_problems = problems[: settings.train_problems], problems[settings.train_problems :]
    rng = random.Random(settings.seed)
    sft_responses = [
        noisy_solution(p, rng, wrong_rate=settings.wrong_rate, format_error_rate=settings.format_error_rate)
        for p in train_problems
    ]
    tokenizer = train_tokenizer(
        [p.prompt for p in train_problems]
        + [p.solution() for p in train_problems]
        + sft_responses
        + judge_corpus(train_problems, sft_responses)
        + copy_examples(round(settings.copy_rate * len(train_problems)), settings)[0],
        vocab_size=settings.vocab_size,
        individual_digits=settings.individual_digits,
    )
    model = build_tiny_causal_lm(
        tokenizer,
        hidden_size=settings.hidden_size,
        num_layers=settings.num_layers,
        num_heads=settings.num_heads,
        max_positions=256,
        seed=settings.seed,
    )
    train_prompts = [chat_prompt(tokenizer, p) for p in train_problems]
    copy_prompts, copy_responses = copy_examples(round(settings.copy_rate * len(train_problems)), settings)
    copy_prompts = [render_prompt(tokenizer, [{"role": "user", "content": text}]) for text in copy_prompts]
    sft_started = time.perf_counter()
    losses = supervised_warmup(model, tokenizer, train_prompts + copy_prompts, sft_responses + copy_responses, settings)
    start_dir = out_dir / "warmup"
    model.save_pretrained(start_dir)
    tokenizer.save_pretrained(start_dir)
    write_rows(out_dir / "problems_train.parquet", problem_rows(train_problems))
    write_rows(out_dir / "problems_heldout.parquet", problem_rows(heldout_problems))
    record = {
        "settings": fingerprint,
        "model": f"Llama {settings.num_layers} layers x {settings.hidden_size}, vocab {len(tokenizer)}",
        "warmup": {
            "steps": settings.sft_steps,
            "seconds": round(time.perf_counter() - sft_started, 1),
            "final_loss": round(sum(losses[-20:]) / max(len(losses[-20:]), 1), 4),
            "label_noise": {"wrong_rate": settings.wrong_rate, "format_error_rate": settings.format_error_rate},
        },
    }
    record_path.write_text(json.dumps(record, indent=2) + "\n")
    return {**record, "checkpoint": str(start_dir), "reused": False}


def run_policy_demo(out_dir: Path, quick: bool = False) -> dict[str, Any]:
    """Demo stage ``policy``: the shared warm-up checkpoint (see :func:`prepare_policy`)."""
    return prepare_policy(out_dir, QUICK if quick else DemoSettings())


def _problem_set(tokenizer: Any, path: Path) -> dict[str, list]:
    """Rendered prompts, golds, judge questions and anchor solutions of a curated-schema problems parquet."""
    from mathreward.rl.data import render_prompt
    from mathreward.rl.sample_rollouts import question_text
    from mathreward.tables import read_rows

    rows = read_rows(path)
    chats = [row["prompt"] for row in rows]
    return {
        "prompts": [render_prompt(tokenizer, chat) for chat in chats],
        "golds": [str(row["reward_model"]["ground_truth"]) for row in rows],
        "questions": [question_text(chat) for chat in chats],
        "references": [row["extra_info"]["solution"] for row in rows],
    }


def plot_heldout_curves(results: dict[str, dict[str, Any]], path: Path) -> None:
    """Held-out accuracy (the verifier's) of each run on one plot, measured every ``eval_every`` steps: greedy
    (solid) and sampled, 4 per problem (dashed)."""
    plt = pyplot()

    fig, ax = plt.subplots(figsize=(6.5, 4))
    for index, (name, result) in enumerate(results.items()):
        color = f"C{index}"
        curve = result["heldout_curve"]
        steps = [c["step"] for c in curve]
        label = f"{name} (reward {result['reward']})"
        ax.plot(steps, [c["greedy_accuracy"] for c in curve], "-o", color=color, label=f"{label}, greedy")
        ax.plot(steps, [c["sampled_accuracy"] for c in curve], "--s", color=color, label=f"{name}, sampled")
    ax.set_xlabel("RL step")
    ax.set_ylabel("held-out accuracy (verifier)")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    save_figure(fig, path)


@dataclass(frozen=True)
class DemoRun:
    """One RL run of the demo: its name, preset, whether the reward is the pairwise judge (else the preset's rule
    reward) and the ``RLConfig`` fields it sets on top of the preset and the demo's recipe."""

    label: str
    preset: str
    pairwise: bool = False
    overrides: tuple[tuple[str, Any], ...] = ()


def plan_runs(with_pairwise: bool) -> list[DemoRun]:
    """The demo's RL runs: DAPO and GRPO with the rule reward, and DAPO with the pairwise reward when there is a
    reward model.

    GRPO keeps its advantage, symmetric clip, sequence-mean loss and KL, and takes DAPO's dynamic sampling: without
    it the groups whose responses are all right (most of them after 100 steps) fill half of each batch with zero
    advantage, and plain GRPO stalls below DAPO (docs/benchmarks/rl-sweeps.md)."""
    runs = [DemoRun("dapo", "dapo"), DemoRun("grpo", "grpo", overrides=(("dynamic_sampling", True),))]
    if with_pairwise:
        runs.append(DemoRun("pairwise", "dapo", pairwise=True))
    return runs


def run_one(run: DemoRun, policy_dir: Path, out_dir: Path, settings: DemoSettings) -> dict[str, Any]:
    """``run`` from the warm-up in ``policy_dir``, in a process of its own with one torch thread (see
    :func:`run_rl`); the pairwise judge is ``out_dir/../reward_models/pairwise_rm``."""
    from transformers import AutoTokenizer

    torch.set_num_threads(settings.threads)
    start_dir = policy_dir / "warmup"
    tokenizer = AutoTokenizer.from_pretrained(start_dir)
    train = _problem_set(tokenizer, policy_dir / "problems_train.parquet")
    heldout_set = _problem_set(tokenizer, policy_dir / "problems_heldout.parquet")
    judge: dict[str, Any] = {}
    if run.pairwise:
        rm_dir = out_dir.parent / "reward_models" / "pairwise_rm"
        judge = {
            "reward": "pairwise",
            "reward_kwargs": {"model_path": str(rm_dir), "anchor": "reference", "device": "cpu", "answer_gate": "dapo"},
            "questions": train["questions"],
            "references": train["references"],
            "label": "dapo+pairwise",
        }
    return run_rl(
        run.preset,
        start_dir,
        out_dir / run.label,
        (train["prompts"], train["golds"]),
        (heldout_set["prompts"], heldout_set["golds"]),
        settings,
        config_overrides=dict(run.overrides),
        **judge,
    )


def run_all(runs: list[DemoRun], policy_dir: Path, out_dir: Path, settings: DemoSettings) -> dict[str, Any]:
    """Every run at the same time, each in a process of its own (:func:`mathreward.signals.run_in_processes`); on
    fewer cores than runs they share the cores. Results by label, in ``runs`` order."""
    from mathreward.signals import run_in_processes

    results = run_in_processes(run_one, [(run, policy_dir, out_dir, settings) for run in runs])
    return {run.label: result for run, result in zip(runs, results, strict=True)}


def run_demo(out_dir: Path, quick: bool = False, settings: DemoSettings | None = None) -> dict[str, Any]:
    """From the shared warm-up (``out_dir/../policy``, made here when missing): DAPO and GRPO with the rule reward,
    and DAPO with the pairwise reward model of the ``reward_models`` stage (``out_dir/../reward_models/pairwise_rm``,
    when it is there), same start, same recipe, at the same time (:func:`run_all`); returns the summary."""
    settings = settings or (QUICK if quick else DemoSettings())
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # Tiny models: one thread avoids OpenMP oversubscription on shared cores (several times faster than two there).
    torch.set_num_threads(settings.threads)
    started = time.perf_counter()
    policy_dir = out_dir.parent / "policy"
    policy = prepare_policy(policy_dir, settings)
    rm_dir = out_dir.parent / "reward_models" / "pairwise_rm"
    with_pairwise = (rm_dir / "reward_model.json").exists()
    if not with_pairwise:
        print(f"no reward model at {rm_dir}: the pairwise-reward run is skipped (run the reward_models stage)")
    runs = plan_runs(with_pairwise)
    print(f"RL: {', '.join(run.label for run in runs)} at the same time, one process each", flush=True)
    results = run_all(runs, policy_dir, out_dir, settings)
    plot_comparison(results, out_dir / "accuracy.png")
    plot_heldout_curves(
        {k: v for k, v in results.items() if k in ("dapo", "pairwise")}, out_dir / "heldout_dapo_vs_pairwise.png"
    )
    gains = {
        preset: {
            "gain_sampled_points": round(
                100 * (result["after"]["sampled_accuracy"] - result["before"]["sampled_accuracy"]), 1
            ),
            "gain_greedy_points": round(
                100 * (result["after"]["greedy_accuracy"] - result["before"]["greedy_accuracy"]), 1
            ),
        }
        for preset, result in results.items()
    }
    summary = {
        "task": f"toy arithmetic word problems (operands <= {settings.max_operand}), DAPO answer format",
        "model": policy["model"],
        "warmup": policy["warmup"],
        "warmup_reused": policy["reused"],
        "heldout_problems": settings.heldout_problems,
        "rl_steps": settings.rl_steps,
        "torch_threads": settings.threads,
        "rl_runs_at_once": [run.label for run in runs],
        **{preset: {**result, **gains[preset]} for preset, result in results.items()},
        "gains_sampled_points": {preset: gain["gain_sampled_points"] for preset, gain in gains.items()},
        "plots": [
            str(out_dir / name)
            for name in (
                "accuracy.png",
                "heldout_dapo_vs_pairwise.png",
                *(f"{label}/{plot}" for label in results for plot in ("curves.png", "heldout.png")),
            )
            if (out_dir / name).exists()
        ],
        "seconds": round(time.perf_counter() - started, 1),
    }
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary
