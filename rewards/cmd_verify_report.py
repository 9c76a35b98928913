"""Command `mathreward verify-report` (placeholder until implemented)."""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `verify-report` subcommand."""
    parser = subparsers.add_parser("verify-report", help="report how answer format affects a scored file (not implemented yet)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Not implemented yet."""
    print("mathreward verify-report: not implemented yet", file=sys.stderr)
    return 2
