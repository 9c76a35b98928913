"""Demo stage: the pairwise reward model built the way the product describes it, from the policy up.

1. the policy checkpoint of the ``policy`` stage (a tiny Llama warmed up on the toy task, saved with its tokenizer);
2. ``mathreward rl sample``: K responses per training problem from that checkpoint;
3. ``mathreward score`` (the rule verifier) then ``mathreward rm pairs``: correct vs wrong answer and correct vs no
   answer / truncated, within a problem, reference answer in the judge prompt, problems split between training and
   held-out pairs;
4. the pairwise RM *from the policy checkpoint* (LM head kept, both orders of every pair) and the Bradley-Terry
   baseline from the same checkpoint on the same pairs, each calibrated; held-out metrics overall and per kind.

Steps 2-3 run as the real commands (subprocesses), so the demo exercises what a user types. The reward model lands in
``pairwise_rm/``, where the RL stage's pairwise run picks it up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mathreward.reward_models.data import PreferencePair
    from mathreward.reward_models.train import TrainConfig


@dataclass
class RMDemoSettings:
    """Sizes of the reward-model stage; ``quick`` shrinks them to a smoke test."""

    problems: int = 600  # training problems the policy samples on
    samples: int = 8  # responses per problem
    max_new_tokens: int = 24
    max_pairs_per_prompt: int = 4
    heldout_fraction: float = 0.25  # share of problems whose pairs are held out
    epochs: float = 6.0
    lr: float = 1e-3
    bt_lr: float = 1e-3
    batch_size: int = 16
    max_length: int = 256
    val_split: float = 0.15  # share of training pairs used to fit the temperature
    template: str = "reference-before"  # judge prompt (see reward_models/judge_prompt.py)
    response_lines: int | None = 1  # the judge (and the BT baseline) read the last N lines of each response
    question_view: str = "problem"
    letter_loss: str = "two-letter"  # cross-entropy over the two verdict letters (what the reward reads)
    seed: int = 0


QUICK = RMDemoSettings(problems=60, samples=4, epochs=1.0, max_pairs_per_prompt=2)


def _command(*args: str) -> dict:
    """Run ``mathreward ARGS`` in a subprocess (one thread: tiny models); returns the last JSON line it printed."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    code = "import sys; from mathreward import cli; sys.exit(cli.main())"
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"mathreward {' '.join(args[:2])} failed: {done.stderr.strip()[-2000:]}")
    print(done.stdout.strip().splitlines()[0] if done.stdout.strip() else "", flush=True)
    for line in reversed(done.stdout.strip().splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                break
    return {}


def build_pairs(policy: Path, problems: Path, out_dir: Path, settings: RMDemoSettings) -> dict:
    """Steps 2-3 as commands: sample, score, pairs (training and held-out files, no problem in both)."""
    rollouts, scored = out_dir / "rollouts.parquet", out_dir / "scored.parquet"
    _command(
        "rl", "sample", str(problems), "--model", str(policy), "-n", str(settings.samples),
        "-o", str(rollouts), "--limit", str(settings.problems), "--max-new-tokens", str(settings.max_new_tokens),
        "--seed", str(settings.seed), "--device", "cpu", "--no-progress",
    )  # fmt: skip
    _command("score", str(rollouts), "-o", str(scored), "--reward", "dapo", "--workers", "1", "--no-progress")
    return _command(
        "rm", "pairs", str(scored), "-o", str(out_dir / "train_pairs.jsonl"),
        "--heldout-output", str(out_dir / "test_pairs.jsonl"), "--heldout-fraction", str(settings.heldout_fraction),
        "--max-pairs-per-prompt", str(settings.max_pairs_per_prompt), "--reference-field", "gold",
        "--seed", str(settings.seed),
    )  # fmt: skip


def train_one_thread(pairs: list[PreferencePair], config: TrainConfig) -> dict:
    """``train_reward_model(pairs, config)`` on one torch thread (a process of its own, beside the other model):
    the same numbers on any machine, as the thread count sets how sums are split."""
    import torch

    from mathreward.reward_models.train import train_reward_model

    torch.set_num_threads(1)
    return train_reward_model(pairs, config)


def run_demo(out_dir: Path, quick: bool = False, settings: RMDemoSettings | None = None) -> dict:
    """Run the chain on the ``policy`` stage's checkpoint (``out_dir/../policy``); returns the headline numbers."""
    import torch

    from mathreward.reward_models.data import load_pairs
    from mathreward.reward_models.evaluate import evaluation_report
    from mathreward.reward_models.train import TrainConfig
    from mathreward.signals import run_in_processes
    from mathreward.tables import write_json

    settings = settings or (QUICK if quick else RMDemoSettings())
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    policy_dir = out_dir.parent / "policy"
    policy, problems = policy_dir / "warmup", policy_dir / "problems_train.parquet"
    if not (policy / "config.json").exists() or not problems.exists():
        raise FileNotFoundError(f"{policy_dir}: no policy checkpoint; run the demo's policy stage first")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny models: one thread is fastest and leaves the other core free
    try:
        pair_counts = build_pairs(policy, problems, out_dir, settings)
        chain_seconds = time.perf_counter() - started
        train_pairs = load_pairs(out_dir / "train_pairs.jsonl")
        test_pairs = load_pairs(out_dir / "test_pairs.jsonl")
        common = TrainConfig(
            model=str(policy),
            out="",
            epochs=settings.epochs,
            batch_size=settings.batch_size,
            max_length=settings.max_length,
            val_split=settings.val_split,
            seed=settings.seed,
            template=settings.template,
            response_lines=settings.response_lines,
            question_view=settings.question_view,
            letter_loss=settings.letter_loss,
            progress=not quick,
        )
        objectives = (("pairwise", settings.lr), ("bt", settings.bt_lr))
        print(f"training the pairwise and Bradley-Terry reward models at once on {len(train_pairs)} pairs", flush=True)
        configs = [
            replace(common, out=str(out_dir / f"{name}_rm"), objective=name, lr=lr, progress=common.progress and i == 0)
            for i, (name, lr) in enumerate(objectives)
        ]
        trained = run_in_processes(train_one_thread, [(train_pairs, config) for config in configs])
        summaries = {name: summary for (name, _), summary in zip(objectives, trained, strict=True)}
        report = evaluation_report(
            out_dir / "pairwise_rm", test_pairs, bt_model_path=out_dir / "bt_rm", plot_path=out_dir / "reliability.png"
        )
        kinds = sorted({pair.kind or "unknown" for pair in test_pairs})
        per_kind = report["accuracy_by_kind"]
        write_json(out_dir / "eval_report.json", report)
        print(report["table"])
        print("held-out accuracy by kind:", json.dumps(per_kind))
    finally:
        torch.set_num_threads(threads)

    pw, bt = report["results"]["pairwise"], report["results"]["bradley_terry"]
    summary = {
        "policy": str(policy),
        "pairs": pair_counts,
        "train_pairs": len(train_pairs),
        "test_pairs": len(test_pairs),
        "test_pairs_by_kind": {kind: sum((p.kind or "unknown") == kind for p in test_pairs) for kind in kinds},
        "pairwise_accuracy": pw["calibrated"]["accuracy"],
        "bt_accuracy": bt["calibrated"]["accuracy"],
        "accuracy_by_kind": per_kind,
        "position_consistency": pw["calibrated"]["position_consistency"],
        "pairwise_temperature": pw["temperature"],
        "pairwise_nll_before_after": [pw["uncalibrated"]["nll"], pw["calibrated"]["nll"]],
        "pairwise_ece_before_after": [pw["uncalibrated"]["ece"], pw["calibrated"]["ece"]],
        "bt_ece_before_after": [bt["uncalibrated"]["ece"], bt["calibrated"]["ece"]],
        "train_tokens_per_s": {k: v["tokens_per_s"] for k, v in summaries.items()},
        "seconds_rollouts_and_pairs": round(chain_seconds, 1),
        "settings": asdict(settings),
        "files": [
            "rollouts.parquet",
            "scored.parquet",
            "train_pairs.jsonl",
            "test_pairs.jsonl",
            "eval_report.json",
            "reliability.png",
            "pairwise_rm/training_curves.png",
            "bt_rm/training_curves.png",
        ],
        "seconds": round(time.perf_counter() - started, 1),
    }
    write_json(out_dir / "summary.json", summary)
    return summary
