"""Command `mathreward verify`: check one response against a gold answer and print the verdict as JSON."""

from __future__ import annotations

import argparse
import sys

STYLE_CHOICES = ("auto", "strict", "dapo", "boxed")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
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
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
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
