"""Command `mathreward serve` (placeholder until implemented)."""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `serve` subcommand."""
    parser = subparsers.add_parser("serve", help="serve rewards over HTTP (not implemented yet)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Not implemented yet."""
    print("mathreward serve: not implemented yet", file=sys.stderr)
    return 2
