"""Time per RL training step: our DAPO preset against TRL's GRPOTrainer, same tiny model, batch, group and lengths.

Both sides: the same locally built tiny Llama (random weights, so every response runs to the length limit), the same
prompts, ``batch_size`` prompts x ``group_size`` responses per step, ``max_new_tokens`` response tokens, temperature 1,
the same ``dapo`` reward from our registry (TRL through ``mathreward.rewards.trl.reward_func``), no KL / no reference model,
one update per batch. TRL is configured as close to DAPO as it allows: ``loss_type="dapo"`` (token-level),
``epsilon=0.2``, ``epsilon_high=0.28``, ``beta=0``, group-normalised advantages. Our dynamic sampling is switched
off so both sides do the same amount of generation per step (it draws extra batches only when groups are uniform).

    python bench/rl_step_bench.py [--steps 6] [--warmup 2] [--batch-size 4] [--group-size 8] [--max-new-tokens 64]
                                  [--sequential]

By default the two trainers take turns, one of our steps after each of TRL's (a TRL callback runs it, outside TRL's
timing), so that load from other jobs on a shared machine falls on both alike; a TRL step is timed from its
``on_step_begin`` to its ``on_step_end``. ``--sequential`` runs all of TRL's steps first, then ours, and times a TRL
step until the next one begins (its per-step logging included), as the first versions of this bench did.

Prints seconds per step for each and the ratio ours / TRL (target: <= 0.5).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path


def build_model(folder: Path, hidden: int, layers: int):
    from mathreward.reward_models.tiny_lm import build_tiny_causal_lm, train_tokenizer

    texts = [
        f"What is {a} + {b}? The last line of your response should be Answer: N." for a in range(30) for b in range(30)
    ]
    tok = train_tokenizer(texts, vocab_size=512)
    model = build_tiny_causal_lm(tok, hidden_size=hidden, num_layers=layers, num_heads=4, max_positions=512, seed=0)
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    questions = [
        (f"What is {a} + {b}? The last line of your response should be Answer: N.", str(a + b))
        for a in range(8)
        for b in range(8)
    ]
    return questions


def build_ours(folder: Path, questions, args):
    """Our DAPO trainer on the bench model (dynamic sampling off, see the module docstring)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from mathreward.rl.data import render_prompt
    from mathreward.rl.presets import build_config
    from mathreward.rl.trainer import RLTrainer

    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder)
    config = build_config(
        "dapo",
        batch_size=args.batch_size,
        group_size=args.group_size,
        max_new_tokens=args.max_new_tokens,
        dynamic_sampling=False,
        lr=1e-6,
        device="cpu",
    )
    prompts = [render_prompt(tok, q) for q, _ in questions]
    return RLTrainer(model, tok, config, prompts, [g for _, g in questions])


class OursTimer:
    """Runs and times our steps: ``step()`` appends (seconds, rollout seconds) of one step."""

    def __init__(self, trainer) -> None:
        self.trainer = trainer
        self.times: list[float] = []
        self.rollout: list[float] = []

    def step(self) -> None:
        started = time.perf_counter()
        metrics = self.trainer.step()
        self.times.append(time.perf_counter() - started)
        self.rollout.append(metrics["rollout_time"])


def time_trl(folder: Path, questions, args, out_dir: Path, between=None) -> list[float]:
    """TRL's seconds per step (from ``on_step_begin`` to ``on_step_end``); ``between()``, if given, runs after each
    TRL step (outside its timing), so that our steps interleave with TRL's and both see the same machine load."""
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
    from trl import GRPOConfig, GRPOTrainer  # pyright: ignore[reportPrivateImportUsage]

    from mathreward.rewards.trl import reward_func

    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder)
    dataset = Dataset.from_list([{"prompt": [{"role": "user", "content": q}], "gold": g} for q, g in questions])
    stamps: list[float] = []

    durations: list[float] = []

    class StepTimer(TrainerCallback):
        def on_step_begin(self, *_, **__):
            stamps.append(time.perf_counter())

        def on_step_end(self, *_, **__):
            durations.append(time.perf_counter() - stamps[-1])
            if between is not None:
                between()

        def on_train_end(self, *_, **__):
            stamps.append(time.perf_counter())

    config = GRPOConfig(
        output_dir=str(out_dir),
        per_device_train_batch_size=args.batch_size * args.group_size,
        gradient_accumulation_steps=1,
        num_generations=args.group_size,
        max_completion_length=args.max_new_tokens,
        temperature=1.0,
        learning_rate=1e-6,
        beta=0.0,
        loss_type="dapo",
        epsilon=0.2,
        epsilon_high=0.28,
        num_iterations=1,
        max_steps=args.warmup + args.steps,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        use_cpu=True,
        bf16=False,
        seed=0,
        disable_tqdm=True,
    )
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=[reward_func("dapo", gold_column="gold")],
        args=config,
        train_dataset=dataset,
        processing_class=tok,
        callbacks=[StepTimer()],
    )
    trainer.train()
    if between is None:  # back to back: each step until the next one begins (includes TRL's per-step logging)
        durations = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    return durations[args.warmup :]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--group-size", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--sequential",
        action="store_true",
        help="all TRL steps, then all of ours (default: interleaved, one of ours after each of TRL's)",
    )
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    logging.getLogger("transformers").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "model"
        questions = build_model(folder, args.hidden, args.layers)
        ours = OursTimer(build_ours(folder, questions, args))
        if args.sequential:  # TRL's steps, then ours
            trl_times = time_trl(folder, questions, args, Path(tmp) / "trl_out")
            for _ in range(args.warmup + args.steps):
                ours.step()
        else:  # one of our steps after each of TRL's: machine load drifts alike for both
            trl_times = time_trl(folder, questions, args, Path(tmp) / "trl_out", between=ours.step)
        ours_times, ours_rollout = ours.times[args.warmup :], ours.rollout[args.warmup :]
    ours, theirs = statistics.median(ours_times), statistics.median(trl_times)
    rollout = statistics.median(ours_rollout)
    print(
        f"setup: tiny Llama {args.layers}x{args.hidden}, {args.batch_size} prompts x {args.group_size} responses, "
        f"{args.max_new_tokens} new tokens, {args.threads} thread(s), median of {args.steps} steps after {args.warmup} warm-up, "
        f"{'sequential' if args.sequential else 'interleaved'}"
    )
    print(f"ours (dapo preset):       {ours:.3f} s/step  {[round(t, 3) for t in ours_times]}")
    print(f"TRL GRPOTrainer (dapo):   {theirs:.3f} s/step  {[round(t, 3) for t in trl_times]}")
    print(f"ratio ours / TRL: {ours / theirs:.2f}  (target <= 0.5)")
    print(
        f"ours split: rollout (generate + reward) {rollout:.3f} s, update {ours - rollout:.3f} s; TRL time beyond our "
        f"rollout time: {theirs - rollout:.3f} s (ratio of the non-generation parts ~{(ours - rollout) / max(theirs - rollout, 1e-9):.2f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
