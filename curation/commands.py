"""Command `mathreward curate` (placeholder until implemented)."""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `curate` subcommand."""
    parser = subparsers.add_parser("curate", help="curate raw problems into integer-answer parquet (not implemented yet)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Not implemented yet."""
    print("mathreward curate: not implemented yet", file=sys.stderr)
    return 2
