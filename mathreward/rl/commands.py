"""Command `mathreward rl`: `train` runs a preset (dapo, grpo, ppo, ...) on a curated verl-schema parquet; `sample`
writes K rollouts per problem from a checkpoint (for `mathreward score`, then `mathreward rm pairs`)."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from typing import Any

from mathreward.cli_options import (
    add_command,
    add_input,
    add_output,
    add_overwrite,
    add_progress,
    first_line,
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
    print_next,
    unit_fraction,
)
from mathreward.errors import UserError
from mathreward.preflight import check_device, check_input_file, check_output_file, check_output_folder

PRESET_NAMES = ("dapo", "grpo", "ppo", "vc-ppo", "vapo", "t-ppo", "pairwise-ppo")
DTYPES = ("auto", "float32", "bfloat16", "float16")
PRESET = "(default: the preset's)"
# The `rl train` options that the preset fills when they are not given: (flag, value type, help).
PRESET_SETTINGS: tuple[tuple[str, Callable[[str], Any], str], ...] = (
    ("--steps", positive_int, "RL steps"),
    ("--batch-size", positive_int, "prompts per step, after dynamic sampling"),
    ("--gen-batch-size", positive_int, "prompts per generation draw"),
    ("--group-size", positive_int, "responses per prompt"),
    ("--max-new-tokens", positive_int, "response length limit (T-PPO: the generation window)"),
    ("--lr", positive_float, "policy learning rate"),
    ("--warmup-steps", non_negative_int, "linear learning-rate warm-up steps"),
    ("--kl-coef", non_negative_float, "KL-to-reference loss coefficient"),
    ("--ppo-epochs", positive_int, "passes over each batch"),
    ("--mini-batch-size", positive_int, "responses per optimiser step"),
    ("--max-num-gen-batches", non_negative_int, "dynamic sampling draw limit, 0 = unlimited"),
    ("--skip-zero-variance", unit_fraction, "skip prompts whose last group was all right/wrong, this often"),
    ("--value-pretrain-steps", non_negative_int, "critic pretraining steps (VC-PPO / VAPO)"),
    ("--reward", str, "reward name from the rewards registry"),
    ("--temperature", positive_float, "sampling temperature"),
    ("--temperature-ramp-steps", non_negative_int, "steps of the linear temperature ramp"),
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `rl` subcommand and its `train` and `sample` sub-subcommands."""
    parser = add_command(subparsers, "rl", help="train a policy with PPO / GRPO / DAPO / VC-PPO / VAPO / T-PPO")
    sub = parser.add_subparsers(dest="rl_command", metavar="SUBCOMMAND")
    train = add_command(
        sub, "train", help="RL-train a causal LM on a curated parquet (prompt + reward_model.ground_truth)"
    )
    add_input(train, "data", "training parquet in the verl/DAPO schema (mathreward curate)", legacy=("--data",))
    train.add_argument("--preset", default="dapo", choices=PRESET_NAMES, help="algorithm preset")
    train.add_argument("--model", required=True, help="hub id or local folder of a causal LM (with tokenizer)")
    add_output(
        train,
        "output folder: metrics.jsonl, curves.png, checkpoints",
        required=False,
        default="rl_out",
        legacy=("--out",),
    )
    add_overwrite(train)
    for flag, kind, text in PRESET_SETTINGS:
        train.add_argument(flag, type=kind, help=f"{text} {PRESET}")
    train.add_argument(
        "--on-draw-limit",
        choices=("stop", "train"),
        help=f"at the draw limit without a full batch: stop with an error, or train on the groups drawn {PRESET}",
    )
    train.add_argument(
        "--temperature-final",
        type=positive_float,
        help="ramp the sampling temperature to this value (default: no ramp)",
    )
    train.add_argument(
        "--reward-model",
        help="pairwise reward model folder, for --reward pairwise and the pairwise-ppo preset (default: none)",
    )
    train.add_argument(
        "--answer-gate",
        help="pairwise reward: responses with no final answer in this style (e.g. dapo) score -1 (default: no gate)",
    )
    train.add_argument(
        "--reference-field",
        help="column with a reference solution, the pairwise reward's anchor (default: 'Answer: GOLD', the DAPO format)",
    )
    train.add_argument("--prompt-field", default="prompt", help="field with the prompt")
    train.add_argument("--gold-field", default="reward_model.ground_truth", help="field with the gold answer")
    train.add_argument(
        "--save-every", type=non_negative_int, help="checkpoint every N steps (default: only at the end)"
    )
    train.add_argument(
        "--report-to",
        help="also log to: tensorboard (event files in OUTPUT/tensorboard), wandb, all (those installed) or none "
        "(default: none)",
    )
    train.add_argument(
        "--sampler", choices=("cached", "hf"), help="cached (our KV-cached loop) or hf generate (default: cached)"
    )
    train.add_argument("--seed", type=int, help=f"random seed {PRESET}")
    train.add_argument("--device", help="auto, cpu, cuda, cuda:N (default: auto)")
    train.add_argument("--dtype", choices=DTYPES, help="model dtype (default: auto)")
    add_progress(train)
    train.set_defaults(func=run)
    _add_sample_parser(sub)
    parser.set_defaults(func=_usage(parser))


def _add_sample_parser(sub: argparse._SubParsersAction) -> None:
    sample = add_command(sub, "sample", help="sample K responses per problem from a checkpoint -> rollouts file")
    add_input(sample, "data", "problems parquet in the verl/DAPO schema (mathreward curate)", legacy=("--data",))
    sample.add_argument("--model", required=True, help="hub id or local folder of a causal LM (with tokenizer)")
    add_output(sample, "rollouts .parquet or .jsonl (for mathreward score)", legacy=("--out",))
    sample.add_argument("-n", "--num-samples", type=positive_int, default=8, help="responses per problem")
    sample.add_argument("--max-new-tokens", type=positive_int, default=1024, help="response length limit")
    sample.add_argument("--temperature", type=positive_float, default=1.0, help="sampling temperature")
    sample.add_argument("--top-p", type=positive_float, default=1.0, help="nucleus sampling mass, at most 1")
    sample.add_argument("--batch-prompts", type=positive_int, default=16, help="problems per generate call")
    sample.add_argument("--prompt-field", default="prompt", help="field with the prompt")
    sample.add_argument("--gold-field", default="reward_model.ground_truth", help="field with the gold answer")
    sample.add_argument("--limit", type=positive_int, default=None, help="only the first N problems (default: all)")
    sample.add_argument("--seed", type=int, default=0, help="random seed")
    sample.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N")
    sample.add_argument("--dtype", choices=DTYPES, default="auto", help="model dtype")
    add_progress(sample)
    sample.set_defaults(func=run_sample)


def run_sample(args: argparse.Namespace) -> int:
    """Sample rollouts and write them atomically; a one-line ``UserError`` on bad input, before any loading."""
    check_input_file(args.data)
    check_output_file(args.output, [args.data], suffixes=(".parquet", ".jsonl"))
    if args.top_p > 1:
        raise UserError(f"--top-p must be at most 1, got {args.top_p}")
    check_device(args.device)
    from mathreward.rl.data import load_prompt_parquet
    from mathreward.rl.sample_rollouts import load_policy, sample_rollouts
    from mathreward.tables import write_rows

    data = load_prompt_parquet(args.data, prompt_field=args.prompt_field, gold_field=args.gold_field)
    if args.limit is not None:
        data = data.head(args.limit)
    try:
        model, tokenizer, _ = load_policy(args.model, args.device, args.dtype)
    except Exception as exc:  # missing folder, bad id, no network
        raise UserError(f"{args.model}: cannot load model/tokenizer ({type(exc).__name__}: {exc})") from None
    rows = sample_rollouts(
        model,
        tokenizer,
        data,
        n=args.num_samples,
        max_new_tokens=args.max_new_tokens,
        temperature=args.temperature,
        top_p=args.top_p,
        batch_prompts=args.batch_prompts,
        seed=args.seed,
        progress=not args.no_progress,
    )
    write_rows(args.output, rows)
    truncated = sum(row["truncated"] for row in rows)
    print(f"sampled {len(rows)} responses for {len(data)} problems ({truncated} truncated); wrote {args.output}")
    return 0


def _usage(parser: argparse.ArgumentParser):
    def show(args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return 2

    return show


def _fail(message: str, code: int = 2) -> int:
    print(f"mathreward rl train: error: {message}", file=sys.stderr)
    return code


CONFIG_FLAGS = (
    "steps batch_size gen_batch_size group_size max_new_tokens temperature_final temperature_ramp_steps temperature "
    "warmup_steps kl_coef ppo_epochs mini_batch_size max_num_gen_batches on_draw_limit skip_zero_variance "
    "value_pretrain_steps "
    "save_every report_to"
).split()


def flag_names(message: str) -> str:
    """A config error in the words of the command line: ``max_num_gen_batches`` -> ``--max-num-gen-batches``."""
    pattern = r"(?<![\w-])(" + "|".join(sorted(CONFIG_FLAGS, key=len, reverse=True)) + r")(?![\w-])"
    return re.sub(pattern, lambda match: "--" + match.group(1).replace("_", "-"), message)


def run(args: argparse.Namespace) -> int:
    """Check every setting, then load data and model, train, write metrics/curves/checkpoint into -o/--output."""
    import dataclasses
    import json
    from pathlib import Path

    from mathreward.rl.presets import RLConfig, build_config

    reward_kwargs = {"model_path": args.reward_model} if args.reward_model else None
    if reward_kwargs is not None and args.answer_gate:
        reward_kwargs["answer_gate"] = args.answer_gate
    pairwise = args.reward == "pairwise" or (args.preset == "pairwise-ppo" and not args.reward)
    if pairwise and not args.reward_model:
        raise UserError("--reward-model PATH is required for the pairwise reward (and the pairwise-ppo preset)")
    overrides = {
        item.name: getattr(args, item.name) for item in dataclasses.fields(RLConfig) if hasattr(args, item.name)
    }
    overrides.pop("preset", None)
    try:
        config = build_config(args.preset, **{**overrides, "reward_kwargs": reward_kwargs})
    except ValueError as exc:
        raise UserError(flag_names(str(exc))) from None
    check_reward(config.reward, config.reward_kwargs)
    check_input_file(args.data)
    check_output_folder(args.output, [args.data, args.model], overwrite=args.overwrite)
    check_device(args.device)
    if args.reward_model is not None and not Path(args.reward_model).is_dir():
        raise UserError(f"--reward-model {args.reward_model}: no such model folder")

    from mathreward.divergence import TrainingDiverged
    from mathreward.rl.data import anchor_solutions, load_prompt_parquet, render_prompt
    from mathreward.rl.dynamic_sampling import DynamicSamplingError

    data = load_prompt_parquet(args.data, prompt_field=args.prompt_field, gold_field=args.gold_field)

    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(args.model)
        model = AutoModelForCausalLM.from_pretrained(args.model)
    except Exception as exc:  # missing folder, bad id, no network
        raise UserError(f"{args.model}: cannot load model/tokenizer ({type(exc).__name__}: {exc})") from None
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"
    prompts = [render_prompt(tokenizer, prompt) for prompt in data.prompts]
    questions = references = None
    if config.reward == "pairwise":  # the judge reads the problem and compares each response with an anchor
        from mathreward.rl.sample_rollouts import question_text

        questions = [question_text(prompt) for prompt in data.prompts]
        references = anchor_solutions(args.data, args.reference_field, data.golds)

    from mathreward.rl.trainer import RLTrainer

    out = Path(args.output)
    (out / "metrics.jsonl").unlink(missing_ok=True)
    try:
        trainer = RLTrainer(
            model, tokenizer, config, prompts, data.golds, out_dir=out, questions=questions, references=references
        )
        history = trainer.train(progress=not args.no_progress)
    except DynamicSamplingError as exc:
        return _fail(flag_names(str(exc)), 1)
    except TrainingDiverged as exc:  # one line naming the step; the checkpoints before it stay
        return _fail(str(exc), 1)
    except RuntimeError as exc:  # a report_to sink whose package is missing
        return _fail(flag_names(str(exc)))
    last = history[-1] if history else {}
    summary = {
        "preset": config.preset,
        "steps": len(history),
        "final_reward": last.get("reward"),
        "final_accuracy": last.get("accuracy"),
        "checkpoint": str(out / "final"),
        "metrics": str(out / "metrics.jsonl"),
        "curves": str(out / "curves.png"),
    }
    print(json.dumps(summary, indent=2))
    print_next(out, f"mathreward rl sample {args.data} --model {out / 'final'} -o rollouts.parquet (then score)")
    return 0


def check_reward(name: str, options: dict | None) -> None:
    """Refuse an unknown reward, or options its factory does not take, before anything loads."""
    from mathreward.rewards.catalog import fit_options
    from mathreward.rewards.registry import resolve_factory

    try:
        fit_options(resolve_factory(name), name, options or {})
    except KeyError as exc:
        raise UserError(f"--reward {name}: {first_line(exc)}") from None
    except TypeError as exc:
        raise UserError(f"--reward {name}: {first_line(exc)}") from None
