"""Command `mathreward rl` (placeholder until implemented)."""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `rl` subcommand."""
    parser = subparsers.add_parser("rl", help="train a policy with PPO/GRPO/DAPO (not implemented yet)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Not implemented yet."""
    print("mathreward rl: not implemented yet", file=sys.stderr)
    return 2
