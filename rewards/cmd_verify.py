"""Command `mathreward verify` (placeholder until implemented)."""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `verify` subcommand."""
    parser = subparsers.add_parser("verify", help="verify one response against a gold answer (not implemented yet)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Not implemented yet."""
    print("mathreward verify: not implemented yet", file=sys.stderr)
    return 2
