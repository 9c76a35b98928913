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

from mathreward.cli_options import (
    add_command,
    add_input,
    add_output,
    add_progress,
    add_timeout,
    add_workers,
    first_line,
    non_negative_float,
    non_negative_int,
    port_number,
    positive_float,
    positive_int,
    print_next,
)
from mathreward.errors import UserError
from mathreward.preflight import check_input_file, check_output_file
from mathreward.scoring.spec import (
    DEFAULT_GOLD_FIELDS,
    DEFAULT_LENGTH_FIELDS,
    DEFAULT_REWARD,
    STYLE_CHOICES,
    ScoreOptions,
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
    parser = add_command(
        subparsers,
        "verify",
        help="verify one response against a gold answer (prints the verdict as JSON)",
        description="Extract the final answer of RESPONSE and compare it with GOLD. Prints the Verdict as JSON "
        '({"correct", "pred", "status", "detail"}); exit code 0 whatever the verdict.',
    )
    parser.add_argument("--gold", required=True, help="gold answer: plain (42), LaTeX ($\\frac12$) or boxed")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--response", help="the model response text")
    source.add_argument("--response-file", help="read the response from this file ('-' for stdin)")
    parser.add_argument("--style", choices=STYLE_CHOICES, default="auto", help="answer extraction style")
    add_timeout(parser, "verification timeout")
    parser.add_argument(
        "--float-rounding",
        type=non_negative_int,
        default=None,
        help="compare numbers rounded to N decimals (default: exact comparison)",
    )
    parser.add_argument("--percent-as-fraction", action="store_true", help="let 50%% equal 1/2")
    parser.add_argument(
        "--unclosed-think",
        choices=("no_answer", "read"),
        default="no_answer",
        help="a response whose <think> never closes: no_answer, or read like any text",
    )
    parser.set_defaults(func=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    """Verify and print the verdict JSON; a ``UserError`` when the response file cannot be read."""
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
            raise UserError(f"{args.response_file}: cannot be read ({exc.strerror or exc})") from None
    else:
        response = args.response
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


def _add_gold_field(parser: argparse.ArgumentParser) -> None:
    """``--gold-field``; by default the first of the usual gold columns that a file has."""
    parser.add_argument(
        "--gold-field",
        default=None,
        help="field with the gold answer (default: the first of " + ", ".join(DEFAULT_GOLD_FIELDS) + " present)",
    )


def _add_reward_option(parser: argparse.ArgumentParser, example: str) -> None:
    """``--reward-option KEY=VALUE``, repeatable: a keyword passed to the reward (``example`` shows one)."""
    parser.add_argument(
        "--reward-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"extra keyword for the reward, VALUE read as JSON when it parses (repeatable; e.g. {example}) "
        "(default: none)",
    )


def _add_score(subparsers: argparse._SubParsersAction) -> None:
    """Register the `score` subcommand."""
    parser = add_command(
        subparsers,
        "score",
        help="score a file of rollouts (jsonl/json/parquet) with a reward",
        description="Score every rollout of INPUT and write OUTPUT (parquet or jsonl): the input columns plus "
        "score, correct, pred and status. Nested fields use dots (reward_model.ground_truth). With --ray, INPUT may "
        "be several files or folders and OUTPUT is a folder of parquet files.",
    )
    parser.add_argument("input", nargs="+", help="rollouts: .jsonl, .json or .parquet (with --ray: also folders)")
    add_output(parser, "output file: .parquet or .jsonl (with --ray or --output-parts: a new folder)")
    parser.add_argument("--response-field", default="response", help="field with the model response")
    _add_gold_field(parser)
    parser.add_argument("--prompt-field", default=None, help="field with the prompt (default: prompt, when present)")
    parser.add_argument(
        "--data-source-field", default="data_source", help="field passed to rewards as data_sources (when present)"
    )
    parser.add_argument(
        "--reference-field",
        default=None,
        help="field with a reference solution, passed as references (pairwise) (default: none)",
    )
    parser.add_argument(
        "--group-field", default=None, help="field with the prompt-group id, passed as group_ids (default: none)"
    )
    parser.add_argument(
        "--style", choices=STYLE_CHOICES, default=None, help="answer extraction style (default: the reward's own)"
    )
    parser.add_argument(
        "--reward",
        default=DEFAULT_REWARD,
        help="reward name from the registry (default: routed = by data_source: DAPO sources -> dapo (+1/-1 on the "
        "Answer: line), MATH-style sources -> boxed, anything else -> binary with the auto extractor)",
    )
    _add_reward_option(parser, "model_path=ckpt")
    overlong = parser.add_argument_group("overlong punishment (DAPO soft overlong shaping)")
    overlong.add_argument(
        "--max-len",
        type=positive_int,
        default=None,
        help="max response length in tokens; enables shaping (default: no shaping)",
    )
    overlong.add_argument(
        "--buffer-len",
        type=positive_int,
        default=None,
        help="length of the punishment buffer in tokens (default: none; required with --max-len)",
    )
    overlong.add_argument("--overlong-factor", type=non_negative_float, default=1.0, help="penalty at max-len")
    overlong.add_argument(
        "--length-field",
        default=None,
        help="field with response token counts (default: " + ", ".join(DEFAULT_LENGTH_FIELDS) + " when present)",
    )
    overlong.add_argument(
        "--tokenizer",
        default=None,
        help="tokenizer path to count tokens when no length field (default: none, use the length field)",
    )
    add_workers(parser)
    add_timeout(parser)
    parser.add_argument("--chunk-size", type=positive_int, default=1024, help="rows scored per reward call")
    add_progress(parser)
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
    """Score the file(s) and print a summary; a ``UserError`` (one line) on bad input, before any work."""
    from mathreward.preflight import check_not_an_input
    from mathreward.scoring.score_files import score_file, setup_scoring_process
    from mathreward.scoring.summary import format_summary

    if args.ray or args.output_parts:
        check_not_an_input(args.output, args.input)
    else:
        check_output_file(args.output, args.input)
    options = ScoreOptions.from_namespace(args)
    try:
        if args.ray:
            from mathreward.scoring.ray_score import score_with_ray

            summary = score_with_ray(args.input, args.output, options=options, address=args.ray_address)
        else:
            setup_scoring_process()  # this process only scores (and forks the workers)
            summary = score_file(args.input, args.output, options, output_parts=args.output_parts)
    except UserError:
        raise
    except ValueError as exc:  # a reward rejecting an option value, e.g. an unknown style
        raise UserError(first_line(exc)) from None
    print(format_summary(summary))
    print_next(
        args.output, f"mathreward verify-report {args.output}, or mathreward rm pairs {args.output} -o pairs.jsonl"
    )
    return 0


def _add_verify_report(subparsers: argparse._SubParsersAction) -> None:
    """Register the `verify-report` subcommand."""
    parser = add_command(
        subparsers,
        "verify-report",
        help="report statuses, extraction paths and strict-vs-auto disagreements of a scored file",
        description="Read SCORED (written by `mathreward score`) and report the share of each status and "
        "extraction path, the most frequent no_answer endings and a sample of rows where two extraction styles "
        "disagree. Prints a table, and the JSON report (to -o, or to stdout).",
    )
    add_input(parser, "scored", "scored rollouts (.parquet or .jsonl) with a status column")
    parser.add_argument("--style-a", choices=STYLE_CHOICES, default="strict", help="first style")
    parser.add_argument("--style-b", choices=STYLE_CHOICES, default="auto", help="second style")
    parser.add_argument("--response-field", default="response", help="field with the response")
    _add_gold_field(parser)
    parser.add_argument("--sample", type=non_negative_int, default=10, help="disagreements shown")
    parser.add_argument("--top", type=non_negative_int, default=10, help="no_answer endings shown")
    parser.add_argument("--max-verify", type=non_negative_int, default=5000, help="most disagreeing rows verified")
    add_timeout(parser, "per-row verification timeout")
    add_workers(parser, default_text="the CPU count, at most 4")
    add_output(parser, "write the JSON report to this file (default: print it)", required=False)
    parser.add_argument("--plot", default=None, help="write a PNG of status and path shares here (default: no plot)")
    parser.set_defaults(func=run_verify_report)


def run_verify_report(args: argparse.Namespace) -> int:
    """Build, print and optionally write the report; a ``UserError`` (one line) on bad input, before any work."""
    import json

    from mathreward.scoring.report import build_report, format_report, plot_report, write_text_atomic

    check_input_file(args.scored)
    if args.output:
        check_output_file(args.output, [args.scored])
    if args.plot:
        check_output_file(args.plot, [args.scored, args.output], suffixes=(".png",))
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
    parser = add_command(
        subparsers,
        "serve",
        help="serve a reward over HTTP (OpenRLHF /get_reward, /score, /health)",
        description="Serve a reward over HTTP: POST /get_reward (OpenRLHF remote RM), POST /score, GET /health.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: 127.0.0.1, loopback only)")
    parser.add_argument("--port", type=port_number, default=5000, help="port, 1 to 65535")
    parser.add_argument(
        "--reward",
        default="dapo",
        help="registry name (dapo, dapo-verl, binary, boxed, format, ...) or pkg.module:attr",
    )
    _add_reward_option(parser, "max_len=20480")
    add_workers(parser, default_text="the CPU count, at most 4; verifier processes per batch")
    add_timeout(parser, "per-item verification timeout")
    parser.add_argument(
        "--budget",
        type=positive_float,
        default=None,
        help="cap on seconds of verification per request; rows not verified in time get status 'timeout' "
        "(default: no cap)",
    )
    parser.add_argument(
        "--token", default=None, help="require 'Authorization: Bearer TOKEN' (default: $MATHREWARD_TOKEN, else none)"
    )
    parser.add_argument("--max-items", type=positive_int, default=16384, help="items per request (more: HTTP 413)")
    parser.add_argument(
        "--max-body-bytes", type=positive_int, default=256 * 1024 * 1024, help="request body limit in bytes (HTTP 413)"
    )
    parser.add_argument("--max-concurrency", type=positive_int, default=4, help="requests scored at once; others queue")
    parser.add_argument(
        "--queue-timeout", type=positive_float, default=120.0, help="seconds a request may queue before 503"
    )
    parser.add_argument(
        "--graceful-timeout",
        type=non_negative_float,
        default=60.0,
        help="seconds to let in-flight requests finish on shutdown",
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="server log level",
    )
    parser.add_argument(
        "--header-timeout",
        type=positive_float,
        default=10.0,
        help="seconds a connection may take to send its request headers",
    )
    parser.add_argument(
        "--idle-timeout", type=positive_float, default=5.0, help="seconds an idle keep-alive connection is kept"
    )
    parser.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    """Build the reward and run uvicorn until SIGINT/SIGTERM (in-flight requests finish first)."""
    from mathreward.preflight import check_listen_address

    check_listen_address(args.host, args.port)
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
        raise UserError(f"--reward {args.reward}: {first_line(exc)}") from None
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
