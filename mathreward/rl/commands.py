"""Command `mathreward rl`: `train` runs a preset (dapo, grpo, ppo, ...) on a curated verl-schema parquet; `sample`
writes K rollouts per problem from a checkpoint (for `mathreward score`, then `mathreward rm pairs`)."""

from __future__ import annotations

import argparse
import sys

PRESET_NAMES = ("dapo", "grpo", "ppo", "vc-ppo", "vapo", "t-ppo", "pairwise-ppo")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `rl` subcommand and its `train` sub-subcommand."""
    parser = subparsers.add_parser("rl", help="train a policy with PPO / GRPO / DAPO / VC-PPO / VAPO / T-PPO")
    sub = parser.add_subparsers(dest="rl_command", metavar="SUBCOMMAND")
    train = sub.add_parser(
        "train", help="RL-train a causal LM on a curated parquet (prompt + reward_model.ground_truth)"
    )
    train.add_argument("--preset", default="dapo", choices=PRESET_NAMES, help="algorithm preset (default: dapo)")
    train.add_argument("--model", required=True, help="hub id or local folder of a causal LM (with tokenizer)")
    train.add_argument("--data", required=True, help="training parquet in the verl/DAPO schema (mathreward curate)")
    train.add_argument("--out", default="rl_out", help="output folder: metrics.jsonl, curves.png, checkpoints")
    train.add_argument("--steps", type=int, help="RL steps")
    train.add_argument("--batch-size", type=int, help="prompts per step (after dynamic sampling)")
    train.add_argument("--gen-batch-size", type=int, help="prompts per generation draw (dynamic sampling)")
    train.add_argument("--group-size", type=int, help="responses per prompt")
    train.add_argument("--max-new-tokens", type=int, help="response length limit (T-PPO: the generation window)")
    train.add_argument("--temperature", type=float, help="sampling temperature")
    train.add_argument("--temperature-final", type=float, help="ramp the sampling temperature to this value")
    train.add_argument("--temperature-ramp-steps", type=int, help="steps of the linear temperature ramp")
    train.add_argument("--lr", type=float, help="policy learning rate")
    train.add_argument("--warmup-steps", type=int, help="linear learning-rate warm-up steps")
    train.add_argument("--kl-coef", type=float, help="KL-to-reference loss coefficient")
    train.add_argument("--ppo-epochs", type=int, help="passes over each batch")
    train.add_argument("--mini-batch-size", type=int, help="responses per optimiser step")
    train.add_argument("--max-num-gen-batches", type=int, help="dynamic sampling draw limit (0 = unlimited)")
    train.add_argument(
        "--skip-zero-variance", type=float, help="skip prompts whose last group was all right/wrong, this often"
    )
    train.add_argument("--value-pretrain-steps", type=int, help="critic pretraining steps (VC-PPO / VAPO)")
    train.add_argument("--reward", help="reward name from the rewards registry (default: the preset's)")
    train.add_argument("--reward-model", help="pairwise reward model folder (--reward pairwise, preset pairwise-ppo)")
    train.add_argument(
        "--answer-gate", help="pairwise reward: responses with no final answer in this style (e.g. dapo) score -1"
    )
    train.add_argument(
        "--reference-field",
        help="column with a reference solution, the pairwise reward's anchor (default: 'Answer: GOLD', the DAPO format)",
    )
    train.add_argument("--prompt-field", default="prompt", help="prompt column (default: prompt)")
    train.add_argument("--gold-field", default="reward_model.ground_truth", help="gold answer column")
    train.add_argument("--save-every", type=int, help="checkpoint every N steps (default: only at the end)")
    train.add_argument(
        "--report-to",
        help="also log to: tensorboard (event files in OUT/tensorboard), wandb, all (those installed) or none",
    )
    train.add_argument("--sampler", choices=("cached", "hf"), help="cached (default, our KV-cached loop) or hf")
    train.add_argument("--seed", type=int, help="random seed")
    train.add_argument("--device", help="auto (default), cpu, cuda, cuda:N")
    train.add_argument("--dtype", choices=("auto", "float32", "bfloat16", "float16"), help="model dtype")
    train.set_defaults(func=run)
    _add_sample_parser(sub)
    parser.set_defaults(func=_usage(parser))


def _add_sample_parser(sub: argparse._SubParsersAction) -> None:
    sample = sub.add_parser("sample", help="sample K responses per problem from a checkpoint -> rollouts file")
    sample.add_argument("--model", required=True, help="hub id or local folder of a causal LM (with tokenizer)")
    sample.add_argument("--data", required=True, help="problems parquet in the verl/DAPO schema (mathreward curate)")
    sample.add_argument("-o", "--out", required=True, help="rollouts .parquet or .jsonl (for mathreward score)")
    sample.add_argument("-n", "--num-samples", type=int, default=8, help="responses per problem (default: 8)")
    sample.add_argument("--max-new-tokens", type=int, default=1024, help="response length limit (default: 1024)")
    sample.add_argument("--temperature", type=float, default=1.0, help="sampling temperature (default: 1.0)")
    sample.add_argument("--top-p", type=float, default=1.0)
    sample.add_argument("--batch-prompts", type=int, default=16, help="problems per generate call (default: 16)")
    sample.add_argument("--prompt-field", default="prompt", help="prompt column (default: prompt)")
    sample.add_argument("--gold-field", default="reward_model.ground_truth", help="gold answer column")
    sample.add_argument("--limit", type=int, default=None, help="only the first N problems")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--device", default="auto", help="auto (default), cpu, cuda, cuda:N")
    sample.add_argument("--dtype", choices=("auto", "float32", "bfloat16", "float16"), default="auto")
    sample.add_argument("--no-progress", action="store_true", help="no progress bar")
    sample.set_defaults(func=run_sample)


def run_sample(args: argparse.Namespace) -> int:
    """Sample rollouts and write them atomically; one error line and exit 2 on bad input."""
    from mathreward.rl.data import load_prompt_parquet
    from mathreward.rl.sample_rollouts import load_policy, sample_rollouts
    from mathreward.tables import TableError, write_rows

    def fail(message: str) -> int:
        print(f"mathreward rl sample: {message}", file=sys.stderr)
        return 2

    if args.num_samples < 1 or args.max_new_tokens < 1:
        return fail("-n and --max-new-tokens must be at least 1")
    if not str(args.out).lower().endswith((".parquet", ".jsonl")):
        return fail(f"{args.out}: unsupported output type (use .parquet or .jsonl)")
    try:
        data = load_prompt_parquet(args.data, prompt_field=args.prompt_field, gold_field=args.gold_field)
    except TableError as exc:
        return fail(str(exc))
    if args.limit is not None:
        data = data.head(args.limit)
    try:
        model, tokenizer, _ = load_policy(args.model, args.device, args.dtype)
    except Exception as exc:  # missing folder, bad id, no network
        return fail(f"{args.model}: cannot load model/tokenizer ({type(exc).__name__}: {exc})".splitlines()[0])
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
    try:
        write_rows(args.out, rows)
    except TableError as exc:
        return fail(str(exc))
    truncated = sum(row["truncated"] for row in rows)
    print(f"sampled {len(rows)} responses for {len(data)} problems ({truncated} truncated); wrote {args.out}")
    return 0


def _usage(parser: argparse.ArgumentParser):
    def show(args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return 2

    return show


def _fail(message: str, code: int = 2) -> int:
    print(f"mathreward rl train: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    """Load model and data, build the preset's config, train, write metrics/curves/checkpoint into --out."""
    import json
    from pathlib import Path

    from mathreward.rl.data import anchor_solutions, load_prompt_parquet, render_prompt
    from mathreward.rl.dynamic_sampling import DynamicSamplingError
    from mathreward.rl.presets import build_config
    from mathreward.tables import TableError

    try:
        data = load_prompt_parquet(args.data, prompt_field=args.prompt_field, gold_field=args.gold_field)
    except TableError as exc:
        return _fail(str(exc))
    reward_kwargs = {"model_path": args.reward_model} if args.reward_model else None
    if reward_kwargs is not None and args.answer_gate:
        reward_kwargs["answer_gate"] = args.answer_gate
    pairwise = args.reward == "pairwise" or (args.preset == "pairwise-ppo" and not args.reward)
    if pairwise and not args.reward_model:
        return _fail("--reward-model PATH is required for the pairwise reward (and the pairwise-ppo preset)")
    try:
        config = build_config(
            args.preset,
            steps=args.steps,
            batch_size=args.batch_size,
            gen_batch_size=args.gen_batch_size,
            group_size=args.group_size,
            max_new_tokens=args.max_new_tokens,
            temperature=args.temperature,
            temperature_final=args.temperature_final,
            temperature_ramp_steps=args.temperature_ramp_steps,
            lr=args.lr,
            warmup_steps=args.warmup_steps,
            kl_coef=args.kl_coef,
            ppo_epochs=args.ppo_epochs,
            mini_batch_size=args.mini_batch_size,
            max_num_gen_batches=args.max_num_gen_batches,
            skip_zero_variance=args.skip_zero_variance,
            value_pretrain_steps=args.value_pretrain_steps,
            reward=args.reward,
            reward_kwargs=reward_kwargs,
            save_every=args.save_every,
            report_to=args.report_to,
            sampler=args.sampler,
            seed=args.seed,
            device=args.device,
            dtype=args.dtype,
        )
    except ValueError as exc:
        return _fail(str(exc))

    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(args.model)
        model = AutoModelForCausalLM.from_pretrained(args.model)
    except Exception as exc:  # missing folder, bad id, no network
        return _fail(f"{args.model}: cannot load model/tokenizer ({type(exc).__name__}: {exc})".splitlines()[0])
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"
    prompts = [render_prompt(tokenizer, prompt) for prompt in data.prompts]
    questions = references = None
    if config.reward == "pairwise":  # the judge reads the problem and compares each response with an anchor
        from mathreward.rl.sample_rollouts import question_text

        questions = [question_text(prompt) for prompt in data.prompts]
        try:
            references = anchor_solutions(args.data, args.reference_field, data.golds)
        except TableError as exc:
            return _fail(str(exc))

    from mathreward.divergence import TrainingDiverged
    from mathreward.rl.trainer import RLTrainer

    out = Path(args.out)
    (out / "metrics.jsonl").unlink(missing_ok=True)
    try:
        trainer = RLTrainer(
            model, tokenizer, config, prompts, data.golds, out_dir=out, questions=questions, references=references
        )
        history = trainer.train()
    except DynamicSamplingError as exc:
        return _fail(str(exc), 1)
    except TrainingDiverged as exc:  # one line naming the step; the checkpoints before it stay
        return _fail(str(exc), 1)
    except RuntimeError as exc:  # a report_to sink whose package is missing
        return _fail(str(exc))
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
    return 0
