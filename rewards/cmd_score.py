"""Command `mathreward score` (placeholder until implemented)."""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `score` subcommand."""
    parser = subparsers.add_parser("score", help="score a file of rollouts (not implemented yet)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Not implemented yet."""
    print("mathreward score: not implemented yet", file=sys.stderr)
    return 2
