"""Command `mathreward rm`: train | eval | score | pairs for the pairwise reward model.

Heavy imports (torch, transformers) stay inside the run functions so ``mathreward --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register `rm` and its sub-subcommands."""
    parser = subparsers.add_parser("rm", help="train, evaluate and use the pairwise reward model")
    sub = parser.add_subparsers(dest="rm_command", metavar="RM_COMMAND")
    parser.set_defaults(func=run, rm_command=None)

    train = sub.add_parser("train", help="train a pairwise (or Bradley-Terry) reward model on preference pairs")
    train.add_argument(
        "--pairs", required=True, help="pairs file (.jsonl/.json/.parquet) with prompt, chosen, rejected"
    )
    train.add_argument("--model", required=True, help="base causal LM: local folder or hub id (or a checkpoint)")
    train.add_argument("-o", "--out", required=True, help="output folder (weights, config, curves, checkpoints)")
    train.add_argument("--objective", choices=("pairwise", "bt"), default="pairwise")
    train.add_argument("--epochs", type=float, default=1.0)
    train.add_argument("--lr", type=float, default=5e-5)
    train.add_argument("--batch-size", type=int, default=8, help="examples per micro-batch")
    train.add_argument("--grad-accum", type=int, default=1, help="micro-batches per optimizer step")
    train.add_argument("--warmup-ratio", type=float, default=0.05)
    train.add_argument("--weight-decay", type=float, default=0.0)
    train.add_argument("--max-grad-norm", type=float, default=1.0)
    train.add_argument("--max-length", type=int, default=1024, help="token limit; responses are shortened to fit")
    train.add_argument("--val-split", type=float, default=0.1, help="share of pairs held out for calibration")
    train.add_argument("--letter-loss", choices=("full-vocab", "two-letter"), default="full-vocab")
    train.add_argument(
        "--template",
        choices=("default", "reference-last", "reference-each", "reference-match", "reference-before"),
        default="default",
        help="judge prompt (pairwise)",
    )
    train.add_argument(
        "--response-lines", type=int, default=None, help="judge reads only the last N lines of each response"
    )
    train.add_argument(
        "--question-view", choices=("full", "problem"), default="full", help="problem: drop DAPO format instructions"
    )
    train.add_argument("--save-every", type=int, default=0, help="checkpoint every N optimizer steps (0: only at end)")
    train.add_argument("--resume", default=None, help="checkpoint folder to resume from (same pairs and options)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--no-progress", action="store_true", help="no progress bar")

    evaluate = sub.add_parser("eval", help="accuracy, position consistency, ECE, NLL (vs a BT baseline)")
    evaluate.add_argument("--model", required=True, help="trained pairwise reward model folder")
    evaluate.add_argument("--pairs", required=True, help="held-out pairs file")
    evaluate.add_argument("--bt-model", default=None, help="Bradley-Terry model folder to compare with")
    evaluate.add_argument("-o", "--out", required=True, help="report JSON path (the reliability PNG goes beside it)")
    evaluate.add_argument("--batch-size", type=int, default=16)
    evaluate.add_argument("--device", default=None)

    score = sub.add_parser("score", help="P(response better than anchor) for each row of a file")
    score.add_argument("input", help=".jsonl/.json/.parquet rows with prompt, response, anchor")
    score.add_argument("--model", required=True, help="trained pairwise reward model folder or hub id")
    score.add_argument("-o", "--out", required=True, help="output .jsonl or .parquet (input columns + p_win, score)")
    score.add_argument("--prompt-field", default="prompt")
    score.add_argument("--response-field", default="response")
    score.add_argument("--anchor-field", default="anchor")
    score.add_argument("--reference-field", default=None, help="optional reference answer shown to the judge")
    score.add_argument("--output", choices=("prob", "centered"), default="prob", help="score = p or 2p - 1")
    score.add_argument("--batch-size", type=int, default=16)
    score.add_argument("--device", default=None)

    pairs = sub.add_parser("pairs", help="preference pairs from verifier-scored rollouts (correct vs wrong)")
    pairs.add_argument("input", help="scored .parquet/.jsonl written by `mathreward score`")
    pairs.add_argument("-o", "--out", required=True, help="output pairs .jsonl or .parquet")
    pairs.add_argument("--max-pairs-per-prompt", type=int, default=8)
    pairs.add_argument("--prompt-field", default="prompt")
    pairs.add_argument("--response-field", default="response")
    pairs.add_argument("--correct-field", default="correct")
    pairs.add_argument("--reference-field", default=None, help="column copied into each pair's reference")
    pairs.add_argument("--status-field", default="status", help="verifier status column (kind of each pair)")
    pairs.add_argument("--truncated-field", default="truncated", help="column marking length-capped responses")
    pairs.add_argument("--heldout-out", default=None, help="also write held-out pairs here; no prompt is in both files")
    pairs.add_argument("--heldout-fraction", type=float, default=0.2, help="share of prompts held out (default 0.2)")
    pairs.add_argument("--seed", type=int, default=0, help="seed of the prompt split")


def run(args: argparse.Namespace) -> int:
    """Dispatch to the chosen sub-subcommand; bad input prints one line and returns 2."""
    from mathreward.tables import TableError

    commands = {"train": _run_train, "eval": _run_eval, "score": _run_score, "pairs": _run_pairs}
    if args.rm_command not in commands:
        print(
            "mathreward rm: choose a command: train, eval, score or pairs (see mathreward rm --help)", file=sys.stderr
        )
        return 2
    from mathreward.divergence import TrainingDiverged

    try:
        return commands[args.rm_command](args)
    except TrainingDiverged as error:  # one line naming the step; the checkpoints before it stay
        print(f"mathreward rm {args.rm_command}: {error}", file=sys.stderr)
        return 1
    except TableError as error:
        print(f"mathreward rm {args.rm_command}: {error}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as error:  # e.g. a model folder / hub id that does not load, a bad template
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"mathreward rm {args.rm_command}: {first_line}", file=sys.stderr)
        return 2


def _run_train(args: argparse.Namespace) -> int:
    from mathreward.reward_models.data import load_pairs
    from mathreward.reward_models.train import TrainConfig, train_reward_model

    pairs = load_pairs(args.pairs)
    config = TrainConfig(
        model=args.model,
        out=args.out,
        objective=args.objective,
        epochs=args.epochs,
        lr=args.lr,
        batch_size=args.batch_size,
        grad_accum=args.grad_accum,
        warmup_ratio=args.warmup_ratio,
        weight_decay=args.weight_decay,
        max_grad_norm=args.max_grad_norm,
        max_length=args.max_length,
        val_split=args.val_split,
        seed=args.seed,
        resume=args.resume,
        save_every=args.save_every,
        letter_loss=args.letter_loss,
        template=args.template,
        response_lines=args.response_lines,
        question_view=args.question_view,
        progress=not args.no_progress,
    )
    summary = train_reward_model(pairs, config)
    cal = summary["calibration"]
    print(
        f"trained {summary['objective']} reward model: {summary['steps']} steps on {summary['train_pairs']} pairs, "
        f"final loss {summary['final_loss']:.4f}, train accuracy {summary['final_train_accuracy']:.3f}, "
        f"{summary['tokens_per_s']:.0f} tokens/s"
    )
    if cal["nll_before"] is not None:
        print(
            f"calibration on {cal['val_pairs']} validation pairs: T = {cal['temperature']:.3f}, "
            f"NLL {cal['nll_before']:.4f} -> {cal['nll_after']:.4f}"
        )
    print(f"saved to {args.out}")
    return 0


def _run_eval(args: argparse.Namespace) -> int:
    from mathreward.reward_models.data import load_pairs
    from mathreward.reward_models.evaluate import evaluation_report
    from mathreward.tables import TableError, write_json

    pairs = load_pairs(args.pairs)
    for folder in (args.model, args.bt_model):
        if folder is not None and not Path(folder).is_dir():
            raise TableError(f"{folder}: no such model folder")
    out = Path(args.out)
    report = evaluation_report(
        args.model,
        pairs,
        bt_model_path=args.bt_model,
        plot_path=out.with_name(out.stem + "_reliability.png"),
        device=args.device,
        batch_size=args.batch_size,
    )
    write_json(out, report)
    print(report["table"])
    print(f"report: {out}; reliability diagram: {report['reliability_png']}")
    return 0


def _field(path: str, number: int, row: dict, name: str) -> str:
    from mathreward.tables import TableError

    value = row.get(name)
    if not isinstance(value, str):
        problem = "is missing" if value is None else f"must be a string, got {type(value).__name__}"
        raise TableError(f"{path}: row {number}: field '{name}' {problem}")
    return value


def _run_score(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    from mathreward.reward_models.pairwise_model import PairwiseRM
    from mathreward.tables import read_rows, write_rows

    rows = read_rows(args.input)
    prompts, responses, anchors, references = [], [], [], []
    for number, row in enumerate(rows, start=1):
        prompts.append(_field(args.input, number, row, args.prompt_field))
        responses.append(_field(args.input, number, row, args.response_field))
        anchors.append(_field(args.input, number, row, args.anchor_field))
        references.append(_field(args.input, number, row, args.reference_field) if args.reference_field else None)
    model = PairwiseRM.from_pretrained(args.model, device=args.device)
    probs: list[float] = []
    chunk = max(1, args.batch_size) * 8
    for start in tqdm(range(0, len(rows), chunk), desc="rm score", unit="chunk"):
        end = start + chunk
        probs.extend(
            model.prob_batch(
                prompts[start:end],
                responses[start:end],
                anchors[start:end],
                references[start:end],
                batch_size=args.batch_size,
            )
        )
    out_rows = []
    for row, p in zip(rows, probs, strict=True):
        score = 2.0 * p - 1.0 if args.output == "centered" else p
        out_rows.append({**row, "p_win": p, "score": score})
    write_rows(args.out, out_rows)
    mean = sum(probs) / len(probs) if probs else float("nan")
    print(f"scored {len(rows)} rows; mean p_win {mean:.4f}; wrote {args.out}")
    return 0


def _run_pairs(args: argparse.Namespace) -> int:
    from collections import Counter

    from mathreward.reward_models.data import pairs_from_scored, split_by_prompt
    from mathreward.tables import TableError, read_rows, write_rows

    if args.heldout_out is not None and not 0.0 < args.heldout_fraction < 1.0:
        raise TableError(f"--heldout-fraction must be between 0 and 1, got {args.heldout_fraction}")
    rows = read_rows(args.input)
    pairs = pairs_from_scored(
        rows,
        max_pairs_per_prompt=args.max_pairs_per_prompt,
        prompt_field=args.prompt_field,
        response_field=args.response_field,
        correct_field=args.correct_field,
        reference_field=args.reference_field,
        status_field=args.status_field,
        truncated_field=args.truncated_field,
        path=args.input,
    )
    heldout: list = []
    if args.heldout_out is not None:
        pairs, heldout = split_by_prompt(pairs, args.heldout_fraction, args.seed)
        write_rows(args.heldout_out, [pair.to_dict() for pair in heldout])
    write_rows(args.out, [pair.to_dict() for pair in pairs])
    prompts = len({pair.prompt for pair in pairs + heldout})
    print(
        f"{len(pairs) + len(heldout)} pairs from {len(rows)} scored rows "
        f"({prompts} prompts with both a correct and a wrong response)"
    )
    report: dict[str, object] = {"pairs": len(pairs), "rows": len(rows), "prompts_with_pairs": prompts}
    report["kinds"] = dict(Counter(pair.kind or "unknown" for pair in pairs))
    if args.heldout_out is not None:
        report.update(heldout_pairs=len(heldout), heldout_kinds=dict(Counter(p.kind or "unknown" for p in heldout)))
    print(json.dumps(report))
    return 0
