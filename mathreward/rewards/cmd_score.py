"""Command `mathreward score`: score a file of rollouts with a reward from the registry.

The output holds every input column plus ``score``, ``correct``, ``pred`` and ``status``, one row per input row, in
input order. ``score_file`` is the library form the demo uses too. Rows are read in batches (parquet record batches,
so memory stays flat), scored by ``--workers`` processes (``rewards.scoring.score_batch``, default: every CPU) and
written in order as they come back; ``--ray`` runs the same batches as a Ray Data pipeline (``rewards.ray_score``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

DEFAULT_GOLD_FIELDS = ("reward_model.ground_truth", "gold", "answer", "ground_truth")
DEFAULT_LENGTH_FIELDS = ("response_length", "response_lengths", "num_tokens")
STYLE_CHOICES = ("auto", "strict", "dapo", "boxed")
RESULT_COLUMNS = ("score", "correct", "pred", "status")
BATCH_ROWS = 8192  # rows read, shipped to a worker and written at a time
DEFAULT_REWARD = "routed"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `score` subcommand."""
    parser = subparsers.add_parser(
        "score",
        help="score a file of rollouts (jsonl/json/parquet) with a reward",
        description="Score every rollout of INPUT and write OUTPUT (parquet or jsonl): the input columns plus "
        "score, correct, pred and status. Nested fields use dots (reward_model.ground_truth). With --ray, INPUT may "
        "be several files or folders and OUTPUT is a folder of parquet files.",
    )
    parser.add_argument("input", nargs="+", help="rollouts: .jsonl, .json or .parquet (with --ray: also folders)")
    parser.add_argument("-o", "--output", required=True, help="output file: .parquet or .jsonl (with --ray: a folder)")
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
    parser.add_argument(
        "--reward",
        default=DEFAULT_REWARD,
        help="reward name from the registry (default: routed = by data_source: DAPO sources -> dapo (+1/-1 on the "
        "Answer: line), MATH-style sources -> boxed, anything else -> binary with the auto extractor)",
    )
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
    parser.add_argument("--workers", type=int, default=None, help="scoring processes (default: the CPU count)")
    parser.add_argument("--timeout", type=float, default=5.0, help="per-rollout verification timeout in seconds")
    parser.add_argument("--chunk-size", type=int, default=1024, help="rows scored per reward call (default: 1024)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    ray = parser.add_argument_group("Ray (pip install 'mathreward[ray]')")
    ray.add_argument(
        "--ray", action="store_true", help="run as a Ray Data pipeline; OUTPUT is a folder of parquet files"
    )
    ray.add_argument(
        "--ray-address", default=None, help="Ray cluster to join (default: a local Ray started for the run)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Score the file(s); prints a summary, returns 0, or prints one error line and returns 1."""
    from mathreward.tables import TableError

    common = dict(
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
    )
    try:
        common["reward_options"] = parse_reward_options(args.reward_option)
        if args.ray:
            from mathreward.rewards.ray_score import score_with_ray

            summary = score_with_ray(args.input, args.output, address=args.ray_address, **common)
        else:
            summary = score_file(args.input, args.output, **common)
    except (TableError, ScoreError) as exc:
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
    input_path: str | Path | Sequence[str | Path],
    output_path: str | Path,
    *,
    response_field: str = "response",
    gold_field: str | None = None,
    prompt_field: str | None = None,
    data_source_field: str | None = "data_source",
    extra_fields: dict[str, str | None] | None = None,
    reward: str = DEFAULT_REWARD,
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
    """Score every rollout of ``input_path`` (one file or several, read in order) and write ``output_path``
    atomically; returns a summary dict.

    ``workers`` scoring processes (None: the CPU count; 1: in this process) each take a batch of rows at a time.
    Raises ``TableError`` (file/row/field problems) or ``ScoreError`` (options); either way no output file is left.
    """
    from mathreward.rewards.scoring import result_types, score_batch
    from mathreward.tables import TableWriter, check_input, check_output_path, read_batches
    from tqdm import tqdm

    inputs = _as_paths(input_path)
    workers = _check_workers(workers)
    output_path = check_output_path(output_path)
    for path in inputs:
        check_input(path)
    settings = dict(
        response_field=response_field,
        gold_field=gold_field,
        prompt_field=prompt_field,
        data_source_field=data_source_field,
        extra_fields=extra_fields,
        reward=reward,
        style=style,
        max_len=max_len,
        buffer_len=buffer_len,
        overlong_factor=overlong_factor,
        length_field=length_field,
        tokenizer=tokenizer,
        timeout=timeout,
        chunk_size=chunk_size,
        reward_options=reward_options,
    )
    base_options = check_reward_options(reward, style, workers, timeout, max_len, buffer_len, reward_options)
    started = time.perf_counter()
    totals = Totals(reward)
    total = _total_rows(inputs)
    if total is not None:
        one_batch = total <= BATCH_ROWS
    else:  # jsonl/json/csv: a small file holds one batch at most
        one_batch = sum(path.stat().st_size for path in inputs) < 2**20
    pool = _start_pool(workers) if workers > 1 and not one_batch else None  # one batch: no processes to start
    specs: dict[Path, Any] = {}
    try:
        with (
            TableWriter(output_path, result_types()) as writer,
            tqdm(
                total=_total_rows(inputs),
                unit="rollout",
                desc="score",
                disable=not progress,
                file=sys.stderr,
                delay=0.5,
            ) as bar,
        ):

            def batches():
                for path in inputs:
                    for batch in read_batches(path, BATCH_ROWS):
                        if path not in specs:
                            specs[path] = resolve_spec(batch, base_options, pool is not None, **settings)
                        yield batch

            ahead = _read_ahead(batches(), 2 * workers)  # reading (Arrow, no GIL) overlaps scoring and writing
            if pool is None:
                results = ((batch, score_batch(specs[Path(batch.path)], batch)) for batch in ahead)
            else:
                results = _in_order(pool, ahead, specs, workers)
            for batch, result in results:
                writer.write(batch, result.columns)
                totals.add(result)
                bar.update(len(batch))
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        else:
            from mathreward.rewards.scoring import close_scorers

            close_scorers()
    seconds = time.perf_counter() - started
    return totals.summary(seconds, input_path=", ".join(map(str, inputs)), output_path=output_path)


def _as_paths(input_path: Any) -> list[Path]:
    if isinstance(input_path, (str, Path)):
        return [Path(input_path)]
    paths = [Path(p) for p in input_path]
    if not paths:
        raise ScoreError("no input file given")
    return paths


def _check_workers(workers: int | None) -> int:
    if workers is not None and workers < 1:
        raise ScoreError(f"--workers must be at least 1, got {workers}")
    return workers if workers is not None else max(1, os.cpu_count() or 1)


def _total_rows(inputs: list[Path]) -> int | None:
    from mathreward.tables import count_rows

    counts = [count_rows(path) for path in inputs]
    return None if any(count is None for count in counts) else sum(counts)


def _start_pool(workers: int) -> Any:
    """Worker processes for the batches: forked (so rewards registered in this process exist there too) where the
    platform allows, else spawned. A worker that dies breaks the pool: the run stops with an error, never hangs."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method))


def _read_ahead(items: Iterator[Any], depth: int) -> Iterator[Any]:
    """The items of ``items``, produced by a background thread at most ``depth`` ahead; its error is raised here."""
    import queue
    import threading

    done = object()
    slots: queue.Queue = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        slots.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put((done, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            slots.put((done, exc))

    thread = threading.Thread(target=produce, name="score-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item, error = slots.get()
            if item is done:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()


def _in_order(pool: Any, batches: Iterator[Any], specs: dict[Path, Any], workers: int) -> Iterator[tuple[Any, Any]]:
    """(batch, result) in input order, with at most two batches per worker in flight (memory stays flat)."""
    from collections import deque

    from mathreward.rewards.scoring import score_batch

    pending: deque = deque()
    for batch in batches:
        spec = specs[Path(batch.path)]
        pending.append((batch, pool.submit(score_batch, spec, batch.select(spec.fields()))))
        while len(pending) >= 2 * workers:
            done, future = pending.popleft()
            yield done, _result(future)
    while pending:
        done, future = pending.popleft()
        yield done, _result(future)


def _result(future: Any) -> Any:
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool:
        raise ScoreError("a scoring worker process died (out of memory?); no output was written") from None


def resolve_spec(
    batch: Any,
    base_options: dict[str, Any],
    in_pool: bool,
    *,
    response_field: str,
    gold_field: str | None,
    prompt_field: str | None,
    data_source_field: str | None,
    extra_fields: dict[str, str | None] | None,
    reward: str,
    style: str | None,
    max_len: int | None,
    buffer_len: int | None,
    overlong_factor: float,
    length_field: str | None,
    tokenizer: str | None,
    timeout: float,
    chunk_size: int,
    reward_options: dict[str, Any] | None,
) -> Any:
    """The ``ScoreSpec`` for a file, its default fields picked from the file's first batch."""
    from mathreward.rewards.scoring import ScoreSpec
    from mathreward.tables import TableError

    if chunk_size < 1:
        raise ScoreError(f"--chunk-size must be at least 1, got {chunk_size}")
    if gold_field is None:
        gold_field = next((name for name in DEFAULT_GOLD_FIELDS if batch.has_field(name)), None)
        if gold_field is None and reward.strip().lower() != "format":
            raise TableError(
                batch.path, f"no gold field: none of {', '.join(DEFAULT_GOLD_FIELDS)} found (use --gold-field)"
            )
    if prompt_field is None:
        prompt_field = "prompt" if batch.has_field("prompt") else None
    if data_source_field and not batch.has_field(data_source_field):
        data_source_field = None
    if max_len is not None:
        if length_field is None and tokenizer is None:
            length_field = next((name for name in DEFAULT_LENGTH_FIELDS if batch.has_field(name)), None)
            if length_field is None:
                raise ScoreError(
                    "--max-len needs token counts: give --length-field FIELD or --tokenizer PATH "
                    f"(none of {', '.join(DEFAULT_LENGTH_FIELDS)} found)"
                )
    options = dict(base_options)
    if in_pool and "workers" in options:
        options["workers"] = 1  # one symbolic verifier per scoring process: the processes are the parallelism
    return ScoreSpec(
        reward=reward,
        options=tuple(sorted(options.items())),
        response_field=response_field,
        gold_field=gold_field,
        prompt_field=prompt_field,
        data_source_field=data_source_field,
        length_field=length_field if max_len is not None else None,
        extra_fields=tuple((name, path) for name, path in (extra_fields or {}).items() if path),
        max_len=max_len,
        buffer_len=buffer_len,
        overlong_factor=overlong_factor,
        tokenizer=tokenizer,
        chunk_size=chunk_size,
    )


def check_reward_options(
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
    try:
        _check_build(reward, options)
    except KeyError:
        raise ScoreError(f"unknown reward {reward!r}; available: {', '.join(available_rewards())}") from None
    except TypeError as exc:
        raise ScoreError(f"reward {reward!r} does not take these options ({exc})") from None
    return options


def _check_build(reward: str, options: dict[str, Any]) -> None:
    """Bind the options to the reward factory's signature (a TypeError when they do not fit), building nothing."""
    import inspect

    from mathreward.rewards.registry import resolve_factory

    factory = resolve_factory(reward)
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return
    signature.bind(**options)


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


class Totals:
    """Running counts over the scored batches, for the summary."""

    def __init__(self, reward: str) -> None:
        self.reward = reward
        self.rows = 0
        self.judged = 0
        self.correct = 0
        self.score_sum = 0.0
        self.statuses: Counter = Counter()
        self.routes: Counter = Counter()
        self.hints: Counter = Counter()

    def add(self, result: Any) -> None:
        """Count one batch's result (a ``BatchResult``)."""
        columns = result.columns
        correct = columns["correct"]
        self.rows += len(columns["status"])
        self.judged += len(correct) - correct.count(None)
        self.correct += correct.count(True)
        self.score_sum += sum(columns["score"])
        self.statuses.update(Counter(columns["status"]))
        self.routes.update(result.routes)
        self.hints.update(result.hints)

    def summary(self, seconds: float, **extra: Any) -> dict[str, Any]:
        """Accuracy (over rows that were judged), mean score, counts per status and per source, rollouts per second."""
        n = self.rows
        per_source: dict[str, dict[str, int]] = {}
        for (source, name), count in sorted(self.routes.items()):
            per_source.setdefault(source, {})[name] = count
        return {
            "rows": n,
            "accuracy": (self.correct / self.judged) if self.judged else None,
            "judged": self.judged,
            "mean_score": (self.score_sum / n) if n else None,
            "status_counts": dict(self.statuses.most_common()),
            "reward_per_source": per_source,
            "hint": format_hint(self.reward, n, self.statuses, self.hints),
            "seconds": round(seconds, 3),
            "rollouts_per_s": round(n / seconds, 1) if seconds > 0 else None,
            "reward": self.reward,
            **{key: str(value) for key, value in extra.items()},
        }


def format_hint(reward: str, rows: int, statuses: Counter, hints: Counter) -> str | None:
    """When most rows are ``no_answer`` but end in a format the reward does not read: what to use instead."""
    no_answer = statuses.get("no_answer", 0)
    checked = hints.get("checked", 0)
    if not rows or no_answer * 2 <= rows or not checked:
        return None
    share = 100 * no_answer / rows
    if hints.get("boxed", 0) * 2 > checked:
        return (
            f"{share:.0f}% of rows are no_answer but most of them end in \\boxed{{}}, which reward {reward!r} does "
            "not read here: use --reward boxed (or --reward binary for a box or an Answer: line)"
        )
    if hints.get("answer_line", 0) * 2 > checked:
        return (
            f"{share:.0f}% of rows are no_answer but most of them end in an 'Answer:' line, which reward {reward!r} "
            "does not read here: use --reward dapo (or --reward binary for a box or an Answer: line)"
        )
    return None


def format_summary(summary: dict[str, Any]) -> str:
    """Human-readable summary lines."""
    n = summary["rows"]
    accuracy = "n/a" if summary["accuracy"] is None else f"{summary['accuracy']:.4f}"
    mean = "n/a" if summary["mean_score"] is None else f"{summary['mean_score']:+.4f}"
    statuses = ", ".join(
        f"{status} {count} ({100 * count / n:.1f}%)" for status, count in summary["status_counts"].items()
    )
    lines = [
        f"scored {n} rollouts with reward {summary.get('reward', '?')} in {summary['seconds']:.2f} s "
        f"({summary['rollouts_per_s']} rollouts/s) -> {summary.get('output_path', '?')}",
        f"accuracy {accuracy} over {summary['judged']} judged rows; mean score {mean}",
        f"status: {statuses or 'none'}",
    ]
    per_source = summary.get("reward_per_source") or {}
    if per_source:
        parts = []
        for source, names in per_source.items():
            used = ", ".join(f"{name} ({count} rows)" for name, count in names.items())
            parts.append(f"{source or '(no data_source)'} -> {used}")
        lines.append("reward per data_source: " + "; ".join(parts))
    if summary.get("hint"):
        lines.append("hint: " + summary["hint"])
    return "\n".join(lines)
