"""Command `mathreward rm` (placeholder until implemented)."""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `rm` subcommand."""
    parser = subparsers.add_parser("rm", help="train, evaluate and use the pairwise reward model (not implemented yet)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Not implemented yet."""
    print("mathreward rm: not implemented yet", file=sys.stderr)
    return 2
