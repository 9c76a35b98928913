"""Command `mathreward rm`: train | eval | score | pairs for the pairwise reward model.

Heavy imports (torch, transformers) stay inside the run functions so ``mathreward --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

from mathreward.cli_options import (
    HIDDEN,
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
from mathreward.reward_models.train_config import SIZE_DEFAULTS_HELP, TEMPLATES, TrainConfig

SCALES = ("prob", "centered")


class OutputOrScale(argparse.Action):
    """``-o/--output PATH``; the old ``--output prob|centered`` (now ``--scale``) still lands in ``scale``."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: str | None = None) -> None:
        if option_string == "--output" and values in SCALES:
            namespace.scale = values
        else:
            namespace.output = values


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register `rm` and its sub-subcommands."""
    parser = add_command(subparsers, "rm", help="train, evaluate and use the pairwise reward model")
    sub = parser.add_subparsers(dest="rm_command", metavar="RM_COMMAND")
    parser.set_defaults(func=run, rm_command=None)
    _add_train(sub)

    evaluate = add_command(sub, "eval", help="accuracy, position consistency, ECE, NLL (vs a BT baseline)")
    add_input(evaluate, "pairs", "held-out pairs file (.jsonl/.json/.parquet)", legacy=("--pairs",))
    evaluate.add_argument("--model", required=True, help="trained pairwise reward model folder")
    evaluate.add_argument("--bt-model", default=None, help="Bradley-Terry model folder to compare with (default: none)")
    add_output(
        evaluate, "report JSON path; the reliability PNG goes beside it (its folder is created)", legacy=("--out",)
    )
    evaluate.add_argument("--batch-size", type=positive_int, default=16, help="pairs per forward pass")
    evaluate.add_argument("--device", default=None, help="auto, cpu, cuda, cuda:N (default: auto)")

    score = add_command(sub, "score", help="P(response better than anchor) for each row of a file")
    add_input(score, "input", ".jsonl/.json/.parquet rows with prompt, response, anchor")
    score.add_argument("--model", required=True, help="trained pairwise reward model folder or hub id")
    score.add_argument(
        "-o",
        "--output",
        dest="output",
        action=OutputOrScale,
        default=None,
        metavar="PATH",
        help="output .jsonl or .parquet (input columns + p_win, score) (required)",
    )
    score.add_argument("--out", dest="output", default=HIDDEN, help=HIDDEN)
    score.required_values.append(("output", "-o/--output"))
    score.add_argument("--prompt-field", default="prompt", help="field with the prompt")
    score.add_argument("--response-field", default="response", help="field with the response")
    score.add_argument("--anchor-field", default="anchor", help="field with the anchor response")
    score.add_argument(
        "--reference-field", default=None, help="optional reference answer shown to the judge (default: none)"
    )
    score.add_argument("--scale", choices=SCALES, default="prob", help="score = p (prob) or 2p - 1 (centered)")
    score.add_argument("--batch-size", type=positive_int, default=16, help="rows per forward pass")
    score.add_argument("--device", default=None, help="auto, cpu, cuda, cuda:N (default: auto)")
    add_progress(score)

    pairs = add_command(sub, "pairs", help="preference pairs from verifier-scored rollouts (correct vs wrong)")
    add_input(pairs, "input", "scored .parquet/.jsonl written by `mathreward score`")
    add_output(pairs, "output pairs .jsonl or .parquet", legacy=("--out",))
    pairs.add_argument("--max-pairs-per-prompt", type=positive_int, default=8, help="most pairs made per prompt")
    pairs.add_argument("--prompt-field", default="prompt", help="field with the prompt")
    pairs.add_argument("--response-field", default="response", help="field with the response")
    pairs.add_argument("--correct-field", default="correct", help="field with the verifier's correct flag")
    pairs.add_argument(
        "--reference-field", default=None, help="column copied into each pair's reference (default: none)"
    )
    pairs.add_argument("--status-field", default="status", help="verifier status column (kind of each pair)")
    pairs.add_argument("--truncated-field", default="truncated", help="column marking length-capped responses")
    pairs.add_argument(
        "--heldout-output",
        dest="heldout_out",
        default=None,
        metavar="PATH",
        help="also write held-out pairs here; no prompt is in both files (default: no held-out file)",
    )
    pairs.add_argument("--heldout-out", dest="heldout_out", default=HIDDEN, help=HIDDEN)
    pairs.add_argument(
        "--heldout-fraction", type=positive_float, default=0.2, help="share of prompts held out (below 1)"
    )
    pairs.add_argument("--seed", type=int, default=0, help="seed of the prompt split")


def _add_train(sub: argparse._SubParsersAction) -> None:
    train = add_command(sub, "train", help="train a pairwise (or Bradley-Terry) reward model on preference pairs")
    add_input(train, "pairs", "pairs file (.jsonl/.json/.parquet) with prompt, chosen, rejected", legacy=("--pairs",))
    train.add_argument("--model", required=True, help="base causal LM: local folder or hub id (or a checkpoint)")
    add_output(train, "output folder (weights, config, metrics, curves, checkpoints)", legacy=("--out",))
    add_overwrite(train)
    defaults = TrainConfig(model="", out="")

    def configured(flag: str, help: str, **kwargs: Any) -> None:
        """An option whose default is ``TrainConfig``'s field of the same name."""
        train.add_argument(flag, default=getattr(defaults, flag[2:].replace("-", "_")), help=help, **kwargs)

    configured("--objective", "pairwise judge or Bradley-Terry", choices=("pairwise", "bt"))
    train.add_argument(
        "--epochs", type=positive_float, default=None, help=f"passes over the pairs (default: {SIZE_DEFAULTS_HELP})"
    )
    train.add_argument(
        "--lr", type=positive_float, default=None, help="peak learning rate (default: by model size, see --epochs)"
    )
    configured("--batch-size", "examples per micro-batch", type=positive_int)
    configured("--grad-accum", "micro-batches per optimizer step", type=positive_int)
    configured("--warmup-ratio", "share of steps warming up the lr", type=unit_fraction)
    configured("--weight-decay", "AdamW weight decay", type=non_negative_float)
    configured("--max-grad-norm", "gradient clipping norm", type=positive_float)
    configured("--max-length", "token limit; responses are shortened to fit", type=positive_int)
    configured("--val-split", "share of pairs held out to calibrate and check the judge", type=unit_fraction)
    configured(
        "--letter-loss",
        "judge loss over the whole vocabulary or only the two verdict letters",
        choices=("full-vocab", "two-letter"),
    )
    configured("--template", "judge prompt (pairwise)", choices=TEMPLATES)
    configured(
        "--response-lines", "judge reads only the last N lines of each response (default: all lines)", type=positive_int
    )
    configured(
        "--question-view",
        "full prompt, or problem: the problem without DAPO's format instructions",
        choices=("full", "problem"),
    )
    configured("--save-every", "checkpoint every N optimizer steps (0: only at end)", type=non_negative_int)
    train.add_argument(
        "--resume",
        default=None,
        help="checkpoint folder to resume from, same pairs and options (default: start fresh)",
    )
    configured("--seed", "random seed", type=int)
    add_progress(train)


def run(args: argparse.Namespace) -> int:
    """Dispatch to the chosen sub-subcommand; bad input is a one-line ``UserError``."""
    commands = {"train": _run_train, "eval": _run_eval, "score": _run_score, "pairs": _run_pairs}
    if args.rm_command not in commands:
        print(
            "mathreward rm: error: choose a command: train, eval, score or pairs (see mathreward rm --help)",
            file=sys.stderr,
        )
        return 2
    from mathreward.divergence import TrainingDiverged

    try:
        return commands[args.rm_command](args)
    except TrainingDiverged as error:  # one line naming the step; the checkpoints before it stay
        print(f"mathreward rm {args.rm_command}: error: {error}", file=sys.stderr)
        return 1
    except UserError:
        raise
    except (OSError, ValueError) as error:  # e.g. a model folder / hub id that does not load, a bad template
        raise UserError(first_line(error)) from None


def _check_model_folder(folder: str | None, flag: str) -> None:
    if folder is not None and not Path(folder).is_dir():
        raise UserError(f"{flag} {folder}: no such model folder")


def _run_train(args: argparse.Namespace) -> int:
    check_input_file(args.pairs)
    check_output_folder(args.output, [args.pairs, args.model], overwrite=args.overwrite, resuming=bool(args.resume))
    from mathreward.reward_models.data import load_pairs
    from mathreward.reward_models.train import train_reward_model

    given = {item.name: getattr(args, item.name) for item in fields(TrainConfig) if hasattr(args, item.name)}
    config = TrainConfig(**{**given, "out": args.output, "progress": not args.no_progress})
    pairs = load_pairs(args.pairs)
    summary = train_reward_model(pairs, config)
    cal = summary["calibration"]
    print(
        f"trained {summary['objective']} reward model: {summary['steps']} steps on {summary['train_pairs']} pairs "
        f"(lr {summary['lr']:g}, {summary['epochs']:g} epochs), final loss {summary['final_loss']:.4f}, "
        f"train accuracy {summary['final_train_accuracy']:.3f}, {summary['tokens_per_s']:.0f} tokens/s"
    )
    if cal["nll_before"] is not None:
        print(
            f"calibration on {cal['val_pairs']} validation pairs: T = {cal['temperature']:.3f}, "
            f"NLL {cal['nll_before']:.4f} -> {cal['nll_after']:.4f}, accuracy {cal['val_accuracy']:.3f}"
        )
    for warning in summary["warnings"]:
        print(f"mathreward rm train: warning: {warning}", file=sys.stderr, flush=True)
    print_next(
        args.output,
        f"mathreward rm eval HELDOUT_PAIRS --model {args.output} -o report.json, then "
        f"mathreward rl train DATA --reward pairwise --reward-model {args.output} --model POLICY",
    )
    return 0


def _run_eval(args: argparse.Namespace) -> int:
    check_input_file(args.pairs)
    _check_model_folder(args.model, "--model")
    _check_model_folder(args.bt_model, "--bt-model")
    out = check_output_file(args.output, [args.pairs], create_folder=True)
    plot = out.with_name(out.stem + "_reliability.png")
    check_output_file(plot, [args.pairs])
    check_device(args.device)
    from mathreward.reward_models.data import load_pairs
    from mathreward.reward_models.evaluate import evaluation_report
    from mathreward.tables import write_json

    pairs = load_pairs(args.pairs)
    report = evaluation_report(
        args.model,
        pairs,
        bt_model_path=args.bt_model,
        plot_path=plot,
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
    from mathreward.tables import WRITE_SUFFIXES

    check_input_file(args.input)
    check_output_file(args.output, [args.input], suffixes=WRITE_SUFFIXES, create_folder=True)
    check_device(args.device)
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
    for start in tqdm(range(0, len(rows), chunk), desc="rm score", unit="chunk", disable=args.no_progress):
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
        score = 2.0 * p - 1.0 if args.scale == "centered" else p
        out_rows.append({**row, "p_win": p, "score": score})
    write_rows(args.output, out_rows)
    mean = sum(probs) / len(probs) if probs else float("nan")
    print(f"scored {len(rows)} rows; mean p_win {mean:.4f}; wrote {args.output}")
    return 0


def _run_pairs(args: argparse.Namespace) -> int:
    from collections import Counter

    from mathreward.reward_models.data import pairs_from_scored, split_by_prompt
    from mathreward.tables import WRITE_SUFFIXES, read_rows, write_rows

    check_input_file(args.input)
    check_output_file(args.output, [args.input], suffixes=WRITE_SUFFIXES, create_folder=True)
    if args.heldout_out is not None:
        check_output_file(args.heldout_out, [args.input, args.output], suffixes=WRITE_SUFFIXES, create_folder=True)
        if not args.heldout_fraction < 1.0:
            raise UserError(f"--heldout-fraction must be between 0 and 1, got {args.heldout_fraction}")
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
    write_rows(args.output, [pair.to_dict() for pair in pairs])
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
