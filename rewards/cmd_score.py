"""Command `mathreward score`: score a file of rollouts with a reward from the registry.

The output holds every input column plus ``score``, ``correct``, ``pred`` and ``status``, one row per input row, in
input order. ``score_file`` is the library form the demo uses too.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

DEFAULT_GOLD_FIELDS = ("reward_model.ground_truth", "gold", "answer", "ground_truth")
DEFAULT_LENGTH_FIELDS = ("response_length", "response_lengths", "num_tokens")
STYLE_CHOICES = ("auto", "strict", "dapo", "boxed")
RESULT_COLUMNS = ("score", "correct", "pred", "status")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `score` subcommand."""
    parser = subparsers.add_parser(
        "score",
        help="score a file of rollouts (jsonl/json/parquet) with a reward",
        description="Score every rollout of INPUT and write OUTPUT (parquet or jsonl): the input columns plus "
        "score, correct, pred and status. Nested fields use dots (reward_model.ground_truth).",
    )
    parser.add_argument("input", help="rollouts: .jsonl, .json or .parquet")
    parser.add_argument("-o", "--output", required=True, help="output file: .parquet or .jsonl")
    parser.add_argument(
        "--response-field", default="response", help="field with the model response (default: response)"
    )
    parser.add_argument(
        "--gold-field",
        default=None,
        help="field with the gold answer (default: the first of " + ", ".join(DEFAULT_GOLD_FIELDS) + " present)",
    )
    parser.add_argument("--prompt-field", default=None, help="field with the prompt (default: prompt, when present)")
    parser.add_argument("--data-source-field", default="data_source", help="field passed to rewards as data_sources")
    parser.add_argument(
        "--reference-field", default=None, help="field with a reference solution (passed as references, pairwise)"
    )
    parser.add_argument("--group-field", default=None, help="field with the prompt-group id (passed as group_ids)")
    parser.add_argument("--style", choices=STYLE_CHOICES, default=None, help="answer extraction style (reward default)")
    parser.add_argument("--reward", default="dapo", help="reward name from the registry (default: dapo = +1/-1)")
    parser.add_argument(
        "--reward-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra keyword for the reward (repeatable; VALUE read as JSON when it parses, e.g. model_path=ckpt)",
    )
    overlong = parser.add_argument_group("overlong punishment (DAPO soft overlong shaping)")
    overlong.add_argument("--max-len", type=int, default=None, help="max response length in tokens (enables shaping)")
    overlong.add_argument("--buffer-len", type=int, default=None, help="length of the punishment buffer in tokens")
    overlong.add_argument("--overlong-factor", type=float, default=1.0, help="penalty at max-len (default: 1.0)")
    overlong.add_argument(
        "--length-field",
        default=None,
        help="field with response token counts (default: " + ", ".join(DEFAULT_LENGTH_FIELDS) + " when present)",
    )
    overlong.add_argument("--tokenizer", default=None, help="tokenizer path to count tokens when no length field")
    parser.add_argument("--workers", type=int, default=None, help="verifier worker processes (default: CPU count)")
    parser.add_argument("--timeout", type=float, default=5.0, help="per-rollout verification timeout in seconds")
    parser.add_argument("--chunk-size", type=int, default=1024, help="rows scored per reward call (default: 1024)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Score the file; prints a summary, returns 0, or prints one error line and returns 1."""
    from mathreward.rewards.rollout_io import RolloutError

    try:
        summary = score_file(
            args.input,
            args.output,
            response_field=args.response_field,
            gold_field=args.gold_field,
            prompt_field=args.prompt_field,
            data_source_field=args.data_source_field,
            extra_fields={"references": args.reference_field, "group_ids": args.group_field},
            reward=args.reward,
            style=args.style,
            max_len=args.max_len,
            buffer_len=args.buffer_len,
            overlong_factor=args.overlong_factor,
            length_field=args.length_field,
            tokenizer=args.tokenizer,
            workers=args.workers,
            timeout=args.timeout,
            chunk_size=args.chunk_size,
            progress=not args.no_progress,
            reward_options=parse_reward_options(args.reward_option),
        )
    except (RolloutError, ScoreError) as exc:
        print(f"mathreward score: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # a reward rejecting an option value, e.g. an unknown style
        print(f"mathreward score: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}", file=sys.stderr)
        return 1
    print(format_summary(summary))
    return 0


class ScoreError(Exception):
    """A bad option combination or reward name (one line for the user)."""


def parse_reward_options(items: list[str]) -> dict[str, Any]:
    """``["k=v", ...]`` -> ``{"k": v}`` with JSON values when they parse (``bonus=0.2`` -> 0.2), else strings."""
    import json

    options: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ScoreError(f"--reward-option must look like KEY=VALUE, got {item!r}")
        try:
            options[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            options[key.strip()] = value
    return options


def score_file(
    input_path: str | Path,
    output_path: str | Path,
    *,
    response_field: str = "response",
    gold_field: str | None = None,
    prompt_field: str | None = None,
    data_source_field: str | None = "data_source",
    extra_fields: dict[str, str | None] | None = None,
    reward: str = "dapo",
    style: str | None = None,
    max_len: int | None = None,
    buffer_len: int | None = None,
    overlong_factor: float = 1.0,
    length_field: str | None = None,
    tokenizer: str | None = None,
    workers: int | None = None,
    timeout: float = 5.0,
    chunk_size: int = 1024,
    progress: bool = True,
    reward_options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Score every rollout of ``input_path`` and write ``output_path`` atomically; returns a summary dict.

    Raises ``RolloutError`` (file/row/field problems) or ``ScoreError`` (options) before writing anything.
    """
    from mathreward.rewards.rollout_io import check_output_path, read_rollouts, write_rollouts
    from tqdm import tqdm

    if chunk_size < 1:
        raise ScoreError(f"--chunk-size must be at least 1, got {chunk_size}")
    output_path = check_output_path(output_path)
    _reward_options(reward, style, workers, timeout, max_len, buffer_len, reward_options)  # fail before reading
    rollouts = read_rollouts(input_path)
    columns = _read_columns(
        rollouts, response_field, gold_field, prompt_field, data_source_field, reward, max_len, length_field, tokenizer
    )
    for name, field in (extra_fields or {}).items():
        if field:
            values = rollouts.column(field)
            columns["fields"][name] = rollouts.text_column(field, role="assistant") if name == "references" else values
    scorer = _build(reward, style, workers, timeout, max_len, buffer_len, overlong_factor, tokenizer, reward_options)
    started = time.perf_counter()
    results: list[Any] = []
    n = len(rollouts)
    try:
        with tqdm(total=n, unit="rollout", desc="score", disable=not progress, file=sys.stderr) as bar:
            for begin in range(0, n, chunk_size):
                end = min(n, begin + chunk_size)
                fields = {key: values[begin:end] for key, values in columns["fields"].items()}
                chunk = scorer.score(
                    columns["prompts"][begin:end],
                    columns["responses"][begin:end],
                    columns["golds"][begin:end],
                    **fields,
                )
                if len(chunk) != end - begin:
                    raise ScoreError(f"reward {reward!r} returned {len(chunk)} results for {end - begin} rows")
                results.extend(chunk)
                bar.update(end - begin)
    finally:
        scorer.close()
    seconds = time.perf_counter() - started
    new_columns = {
        "score": [float(r.score) for r in results],
        "correct": [None if r.correct is None else bool(r.correct) for r in results],
        "pred": [r.pred for r in results],
        "status": [str(r.status) for r in results],
    }
    write_rollouts(output_path, rollouts.records, source_table=rollouts.table, new_columns=new_columns)
    return summarize(new_columns, seconds, reward=reward, input_path=input_path, output_path=output_path)


def _read_columns(
    rollouts: Any,
    response_field: str,
    gold_field: str | None,
    prompt_field: str | None,
    data_source_field: str | None,
    reward: str,
    max_len: int | None,
    length_field: str | None,
    tokenizer: str | None,
) -> dict[str, Any]:
    from mathreward.rewards.rollout_io import RolloutError

    responses = rollouts.text_column(response_field, role="assistant")
    if gold_field is None:
        gold_field = next((name for name in DEFAULT_GOLD_FIELDS if rollouts.has_field(name)), None)
        if gold_field is None and reward.strip().lower() != "format":
            raise RolloutError(
                rollouts.path, f"no gold field: none of {', '.join(DEFAULT_GOLD_FIELDS)} found (use --gold-field)"
            )
    golds: list[str | None] = [None] * len(rollouts)
    if gold_field is not None:
        golds = [None if g is None else str(g) for g in rollouts.text_column(gold_field, role="assistant")]
    if prompt_field is None:
        prompt_field = "prompt" if rollouts.has_field("prompt") else None
    prompts = rollouts.text_column(prompt_field, role="user") if prompt_field else [""] * len(rollouts)
    fields: dict[str, list[Any]] = {}
    if data_source_field and rollouts.has_field(data_source_field):
        fields["data_sources"] = rollouts.column(data_source_field, required=False)
    if max_len is not None:
        if length_field is None and tokenizer is None:
            length_field = next((name for name in DEFAULT_LENGTH_FIELDS if rollouts.has_field(name)), None)
            if length_field is None:
                raise ScoreError(
                    "--max-len needs token counts: give --length-field FIELD or --tokenizer PATH "
                    f"(none of {', '.join(DEFAULT_LENGTH_FIELDS)} found)"
                )
        if length_field is not None:
            lengths = []
            for index, value in enumerate(rollouts.column(length_field)):
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                    raise RolloutError(rollouts.path, "is not a token count", row=index + 1, field=length_field)
                lengths.append(int(value))
            fields["response_lengths"] = lengths
    return {"responses": responses, "golds": golds, "prompts": prompts, "fields": fields}


def _build(
    reward: str,
    style: str | None,
    workers: int | None,
    timeout: float,
    max_len: int | None,
    buffer_len: int | None,
    overlong_factor: float,
    tokenizer: str | None,
    reward_options: dict[str, Any] | None = None,
) -> Any:
    from mathreward.rewards.registry import available_rewards, build_reward

    options = _reward_options(reward, style, workers, timeout, max_len, buffer_len, reward_options)
    try:
        if max_len is not None:
            from mathreward.rewards.compose import overlong

            return overlong(reward, max_len, buffer_len, factor=overlong_factor, tokenizer=tokenizer, **options)
        return build_reward(reward, **options)
    except KeyError:
        raise ScoreError(f"unknown reward {reward!r}; available: {', '.join(available_rewards())}") from None
    except TypeError as exc:
        raise ScoreError(f"reward {reward!r} does not take these options ({exc})") from None


def _reward_options(
    reward: str,
    style: str | None,
    workers: int | None,
    timeout: float,
    max_len: int | None,
    buffer_len: int | None,
    reward_options: dict[str, Any] | None,
) -> dict[str, Any]:
    """Check the options against each other and the reward's factory; the keywords to build the reward with."""
    from mathreward.rewards.registry import available_rewards

    if timeout <= 0:
        raise ScoreError(f"--timeout must be positive, got {timeout}")
    if workers is not None and workers < 1:
        raise ScoreError(f"--workers must be at least 1, got {workers}")
    if max_len is not None and (buffer_len is None or not 0 < buffer_len <= max_len):
        raise ScoreError("--max-len needs --buffer-len with 0 < buffer-len <= max-len")
    try:
        accepted = _accepted_options(reward)
    except KeyError:
        raise ScoreError(f"unknown reward {reward!r}; available: {', '.join(available_rewards())}") from None
    except ImportError as exc:
        raise ScoreError(f"reward {reward!r} cannot be loaded ({exc})") from None
    options: dict[str, Any] = dict(reward_options or {})
    if style is not None:
        if "style" not in accepted and "*" not in accepted:
            raise ScoreError(f"reward {reward!r} has no extraction style; drop --style")
        options["style"] = style
    for name, value in (("timeout", timeout), ("workers", workers)):
        if value is not None and (name in accepted or "*" in accepted):
            options[name] = value  # rewards without a verifier pool (e.g. dapo-verl) simply do not take these
    return options


def _accepted_options(reward: str) -> set[str]:
    """Keyword names the reward's factory takes ("*" when it takes any)."""
    import inspect

    from mathreward.rewards.registry import resolve_factory

    factory = resolve_factory(reward)
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return {"*"}
    names = {p.name for p in parameters if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        names.add("*")
    return names


def summarize(columns: dict[str, list[Any]], seconds: float, **extra: Any) -> dict[str, Any]:
    """Accuracy (over rows that were judged), mean score, counts per status and rollouts per second."""
    n = len(columns["status"])
    judged = [c for c in columns["correct"] if c is not None]
    counts = Counter(columns["status"])
    return {
        "rows": n,
        "accuracy": (sum(judged) / len(judged)) if judged else None,
        "judged": len(judged),
        "mean_score": (sum(columns["score"]) / n) if n else None,
        "status_counts": dict(counts.most_common()),
        "seconds": round(seconds, 3),
        "rollouts_per_s": round(n / seconds, 1) if seconds > 0 else None,
        **{key: str(value) for key, value in extra.items()},
    }


def format_summary(summary: dict[str, Any]) -> str:
    """Human-readable summary lines."""
    n = summary["rows"]
    accuracy = "n/a" if summary["accuracy"] is None else f"{summary['accuracy']:.4f}"
    mean = "n/a" if summary["mean_score"] is None else f"{summary['mean_score']:+.4f}"
    statuses = ", ".join(
        f"{status} {count} ({100 * count / n:.1f}%)" for status, count in summary["status_counts"].items()
    )
    return "\n".join(
        [
            f"scored {n} rollouts with reward {summary.get('reward', '?')} in {summary['seconds']:.2f} s "
            f"({summary['rollouts_per_s']} rollouts/s) -> {summary.get('output_path', '?')}",
            f"accuracy {accuracy} over {summary['judged']} judged rows; mean score {mean}",
            f"status: {statuses or 'none'}",
        ]
    )
