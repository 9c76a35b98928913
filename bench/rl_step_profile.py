"""Where a demo RL step spends its time: generation, reward, the no-grad old/ref/value passes and the updates.

Runs ``--steps`` steps of a demo preset (default ``dapo``, dynamic sampling on) from the demo's warmed-up policy
(``demo_out/policy/warmup``, made by ``mathreward demo --stages policy``) with the demo's settings, timing each part
by wrapping the functions the trainer calls. Prints seconds per step and each part's share; the shares are what to
compare across machines (wall-clock seconds depend on the cores and on other jobs).

    python bench/rl_step_profile.py [--policy demo_out/policy] [--preset dapo] [--steps 8] [--baseline]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description="Where a demo RL step spends its time.")
    parser.add_argument("--policy", default="demo_out/policy", help="the demo's policy stage folder")
    parser.add_argument("--preset", default="dapo")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=1, help="untimed steps first")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="the step as it was: transformers.generate, a second forward for old log-probs, reference KL tracked, "
        "every row reads its own prompt in the update (mini-batches are whole prompt groups either way)",
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", default=None, help="also write the shares here")
    args = parser.parse_args()

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from mathreward.rl import rollout
    from mathreward.rl import trainer as trainer_module
    from mathreward.rl.demo import DemoSettings, _problem_set, demo_config

    torch.set_num_threads(args.threads)
    policy = Path(args.policy)
    settings = DemoSettings()
    tokenizer = AutoTokenizer.from_pretrained(policy / "warmup")
    model = AutoModelForCausalLM.from_pretrained(policy / "warmup")
    train = _problem_set(tokenizer, policy / "problems_train.parquet")
    overrides = (
        {"sampler": "hf", "rollout_logprobs": False, "track_ref_kl": True, "share_prompts": False}
        if args.baseline
        else {}
    )
    config = demo_config(args.preset, settings, **overrides)
    trainer = trainer_module.RLTrainer(model, tokenizer, config, train["prompts"], train["golds"])

    totals: dict[str, float] = defaultdict(float)
    active: list[str] = []

    def timed(name, fn):
        def wrapper(*a, **k):
            if active:  # count nested time once, under the outer part
                return fn(*a, **k)
            active.append(name)
            started = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                totals[name] += time.perf_counter() - started
                active.pop()

        return wrapper

    trainer_module.generate_samples = timed("generation", rollout.generate_samples)
    trainer.reward.score = timed("reward", trainer.reward.score)
    forward = rollout.forward_response

    def forward_switch(model, batch, **kwargs):
        name = "update forward+loss" if torch.is_grad_enabled() else "old/ref/value passes"
        return timed(name, forward)(model, batch, **kwargs)

    trainer_module.forward_response = forward_switch
    original_update = trainer._update

    def update(*a, **k):
        started = time.perf_counter()
        before = totals["update forward+loss"]
        result = original_update(*a, **k)
        spent = time.perf_counter() - started - (totals["update forward+loss"] - before)
        totals["update backward+optimizer"] += spent
        return result

    trainer._update = update
    draws = 0
    for _ in range(args.warmup):
        trainer.step()
    totals.clear()
    started = time.perf_counter()
    for _ in range(args.steps):
        draws += trainer.step()["num_gen_batches"]
    wall = time.perf_counter() - started
    totals["other (collate, advantages, bookkeeping)"] = wall - sum(totals.values())
    print(
        f"{args.preset}, sampler {config.sampler}: {wall / args.steps:.3f} s/step over {args.steps} steps, "
        f"{draws / args.steps:.2f} generation batches per step (dynamic sampling)"
    )
    for name, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"  {name:45s} {seconds / args.steps:7.3f} s/step  {100 * seconds / wall:5.1f}%")
    if args.json:
        record = {
            "sampler": config.sampler,
            "seconds_per_step": wall / args.steps,
            "draws_per_step": draws / args.steps,
        }
        record["shares"] = {name: seconds / wall for name, seconds in totals.items()}
        Path(args.json).write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
