"""The scoring application's commands: ``verify``, ``score``, ``verify-report`` and ``serve``.

Each command is a small front end here; the work is in ``score_files`` (one machine), ``ray_score`` (a Ray cluster),
``report`` (verify-report), ``mathreward.verifiers`` (verify) and ``mathreward.rewards.server`` (the HTTP app).
Heavy imports stay inside the ``run_*`` functions, so ``mathreward --help`` stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from mathreward.scoring.spec import (
    DEFAULT_GOLD_FIELDS,
    DEFAULT_LENGTH_FIELDS,
    DEFAULT_REWARD,
    STYLE_CHOICES,
    ScoreError,
    parse_reward_options,
)

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``verify``, ``score``, ``verify-report`` and ``serve``."""
    _add_verify(subparsers)
    _add_score(subparsers)
    _add_verify_report(subparsers)
    _add_serve(subparsers)


def _add_verify(subparsers: argparse._SubParsersAction) -> None:
    """Register the `verify` subcommand."""
    parser = subparsers.add_parser(
        "verify",
        help="verify one response against a gold answer (prints the verdict as JSON)",
        description="Extract the final answer of RESPONSE and compare it with GOLD. Prints the Verdict as JSON "
        '({"correct", "pred", "status", "detail"}); exit code 0 whatever the verdict.',
    )
    parser.add_argument("--gold", required=True, help="gold answer: plain (42), LaTeX ($\\frac12$) or boxed")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--response", help="the model response text")
    source.add_argument("--response-file", help="read the response from this file ('-' for stdin)")
    parser.add_argument("--style", choices=STYLE_CHOICES, default="auto", help="answer extraction style (default auto)")
    parser.add_argument("--timeout", type=float, default=5.0, help="verification timeout in seconds (default 5)")
    parser.add_argument("--float-rounding", type=int, default=None, help="compare numbers rounded to N decimals")
    parser.add_argument("--percent-as-fraction", action="store_true", help="let 50%% equal 1/2")
    parser.add_argument(
        "--unclosed-think",
        choices=("no_answer", "read"),
        default="no_answer",
        help="a response whose <think> never closes: no answer (default) or read like any text",
    )
    parser.set_defaults(func=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    """Verify and print the verdict JSON; 1 with one error line when the response file cannot be read."""
    import dataclasses
    import json

    if args.response_file is not None:
        try:
            if args.response_file == "-":
                response = sys.stdin.read()
            else:
                with open(args.response_file, encoding="utf-8", errors="replace") as handle:
                    response = handle.read()
        except OSError as exc:
            print(f"mathreward verify: {args.response_file}: cannot be read ({exc.strerror or exc})", file=sys.stderr)
            return 1
    else:
        response = args.response
    if args.timeout <= 0:
        print(f"mathreward verify: --timeout must be positive, got {args.timeout}", file=sys.stderr)
        return 1
    from mathreward.verifiers import verify

    options = {}
    if args.float_rounding is not None:
        options["float_rounding"] = args.float_rounding
    if args.percent_as_fraction:
        options["percent_as_fraction"] = True
    verdict = verify(
        response, args.gold, style=args.style, timeout=args.timeout, unclosed_think=args.unclosed_think, **options
    )
    print(json.dumps(dataclasses.asdict(verdict), ensure_ascii=False))
    return 0


def _add_score(subparsers: argparse._SubParsersAction) -> None:
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
    parser.add_argument(
        "--output-parts",
        action="store_true",
        help="write OUTPUT as a new folder of part files (part-00000.parquet, ... in input order; one dataset to "
        "Ray, Spark or pyarrow.dataset) instead of one file",
    )
    ray = parser.add_argument_group("Ray (pip install 'mathreward[ray]')")
    ray.add_argument(
        "--ray", action="store_true", help="run as a Ray Data pipeline; OUTPUT is a folder of parquet files"
    )
    ray.add_argument(
        "--ray-address", default=None, help="Ray cluster to join (default: a local Ray started for the run)"
    )
    parser.set_defaults(func=run_score)


def run_score(args: argparse.Namespace) -> int:
    """Score the file(s); prints a summary, returns 0, or prints one error line and returns 1."""
    from mathreward.scoring.score_files import score_file, setup_scoring_process
    from mathreward.scoring.summary import format_summary
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
            from mathreward.scoring.ray_score import score_with_ray

            summary = score_with_ray(args.input, args.output, address=args.ray_address, **common)
        else:
            setup_scoring_process()  # this process only scores (and forks the workers)
            summary = score_file(args.input, args.output, output_parts=args.output_parts, **common)
    except (TableError, ScoreError) as exc:
        print(f"mathreward score: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # a reward rejecting an option value, e.g. an unknown style
        print(f"mathreward score: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}", file=sys.stderr)
        return 1
    print(format_summary(summary))
    return 0


def _add_verify_report(subparsers: argparse._SubParsersAction) -> None:
    """Register the `verify-report` subcommand."""
    parser = subparsers.add_parser(
        "verify-report",
        help="report statuses, extraction paths and strict-vs-auto disagreements of a scored file",
        description="Read SCORED (written by `mathreward score`) and report the share of each status and "
        "extraction path, the most frequent no_answer endings and a sample of rows where two extraction styles "
        "disagree. Prints a table, and the JSON report (to -o, or to stdout).",
    )
    parser.add_argument("scored", help="scored rollouts (.parquet or .jsonl) with a status column")
    parser.add_argument("--style-a", choices=STYLE_CHOICES, default="strict", help="first style (default strict)")
    parser.add_argument("--style-b", choices=STYLE_CHOICES, default="auto", help="second style (default auto)")
    parser.add_argument("--response-field", default="response", help="field with the response (default response)")
    parser.add_argument("--gold-field", default=None, help="gold field (default: as `mathreward score`)")
    parser.add_argument("--sample", type=int, default=10, help="disagreements shown (default 10)")
    parser.add_argument("--top", type=int, default=10, help="no_answer endings shown (default 10)")
    parser.add_argument("--max-verify", type=int, default=5000, help="most disagreeing rows verified (default 5000)")
    parser.add_argument("--timeout", type=float, default=5.0, help="per-row verification timeout in seconds")
    parser.add_argument("--workers", type=int, default=None, help="verifier worker processes")
    parser.add_argument("-o", "--output", default=None, help="write the JSON report here")
    parser.add_argument("--plot", default=None, help="write a PNG of status and path shares here")
    parser.set_defaults(func=run_verify_report)


def run_verify_report(args: argparse.Namespace) -> int:
    """Build, print and optionally write the report; 1 with one error line on bad input."""
    import json

    from mathreward.scoring.report import build_report, format_report, plot_report, write_text_atomic
    from mathreward.tables import TableError

    try:
        report = build_report(
            args.scored,
            style_a=args.style_a,
            style_b=args.style_b,
            response_field=args.response_field,
            gold_field=args.gold_field,
            sample=args.sample,
            top=args.top,
            max_verify=args.max_verify,
            timeout=args.timeout,
            workers=args.workers,
        )
    except TableError as exc:
        print(f"mathreward verify-report: {exc}", file=sys.stderr)
        return 1
    print(format_report(report))
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if args.output:
        write_text_atomic(Path(args.output), text + "\n")
        print(f"report written to {args.output}")
    else:
        print(text)
    if args.plot:
        plot_report(report, Path(args.plot))
        print(f"plot written to {args.plot}")
    return 0


def _add_serve(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``serve`` subcommand."""
    parser = subparsers.add_parser(
        "serve",
        help="serve a reward over HTTP (OpenRLHF /get_reward, /score, /health)",
        description="Serve a reward over HTTP: POST /get_reward (OpenRLHF remote RM), POST /score, GET /health.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback only)")
    parser.add_argument("--port", type=int, default=5000, help="port (default: 5000)")
    parser.add_argument(
        "--reward",
        default="dapo",
        help="registry name (dapo, dapo-verl, binary, boxed, format, ...) or pkg.module:attr",
    )
    parser.add_argument(
        "--reward-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra keyword for the reward, VALUE read as JSON when it parses (repeatable; e.g. max_len=20480)",
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="verifier worker processes per batch (default: min(CPUs, 4))"
    )
    parser.add_argument("--timeout", type=float, default=5.0, help="per-item verification timeout in seconds")
    parser.add_argument(
        "--budget",
        type=float,
        default=None,
        help="cap on seconds of verification per request; rows not verified in time get status 'timeout'",
    )
    parser.add_argument(
        "--token", default=None, help="require 'Authorization: Bearer TOKEN' (default: $MATHREWARD_TOKEN, else none)"
    )
    parser.add_argument(
        "--max-items", type=int, default=16384, help="items per request (more: HTTP 413; default 16384)"
    )
    parser.add_argument(
        "--max-body-bytes", type=int, default=256 * 1024 * 1024, help="request body limit (HTTP 413; default 256 MiB)"
    )
    parser.add_argument("--max-concurrency", type=int, default=4, help="requests scored at once; others queue")
    parser.add_argument("--queue-timeout", type=float, default=120.0, help="seconds a request may queue before 503")
    parser.add_argument(
        "--graceful-timeout", type=float, default=60.0, help="seconds to let in-flight requests finish on shutdown"
    )
    parser.add_argument(
        "--header-timeout", type=float, default=10.0, help="seconds a connection may take to send its request headers"
    )
    parser.add_argument(
        "--idle-timeout", type=float, default=5.0, help="seconds an idle keep-alive connection is kept (default 5)"
    )
    parser.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    parser.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    """Build the reward and run uvicorn until SIGINT/SIGTERM (in-flight requests finish first)."""
    for name in ("max_items", "max_body_bytes", "max_concurrency", "port"):
        if getattr(args, name) <= 0:
            print(f"mathreward serve: --{name.replace('_', '-')} must be positive", file=sys.stderr)
            return 2
    if not (args.header_timeout > 0 and args.idle_timeout > 0):
        print("mathreward serve: --header-timeout and --idle-timeout must be positive", file=sys.stderr)
        return 2
    if args.timeout <= 0 or any(v is not None and v <= 0 for v in (args.workers, args.budget)):
        print("mathreward serve: --timeout, --workers and --budget must be positive", file=sys.stderr)
        return 2
    import uvicorn

    from mathreward.rewards.registry import build_reward_from_options
    from mathreward.rewards.server import ServerLimits, create_app, header_timeout_protocol

    token = args.token or os.environ.get("MATHREWARD_TOKEN") or None
    try:
        options = parse_reward_options(args.reward_option)
        reward = build_reward_from_options(
            args.reward, **{"timeout": args.timeout, "workers": args.workers, "budget": args.budget, **options}
        )
    except (KeyError, TypeError, ValueError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"mathreward serve: --reward {args.reward}: {message}", file=sys.stderr)
        return 2
    if args.host not in LOOPBACK and token is None:
        print(
            f"mathreward serve: warning: listening on {args.host} without a token; anyone who can reach it can use it",
            file=sys.stderr,
        )
    limits = ServerLimits(
        max_items=args.max_items,
        max_body_bytes=args.max_body_bytes,
        max_concurrency=args.max_concurrency,
        queue_timeout=args.queue_timeout,
    )
    app = create_app(reward, limits, token=token)
    print(f"mathreward serve: reward {reward.name!r} on http://{args.host}:{args.port}", file=sys.stderr, flush=True)
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        timeout_graceful_shutdown=args.graceful_timeout,
        limit_concurrency=None,
        http=header_timeout_protocol(args.header_timeout),
        timeout_keep_alive=args.idle_timeout,
        access_log=args.log_level == "debug",
    )
    uvicorn.Server(config).run()
    return 0
