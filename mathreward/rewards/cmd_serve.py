"""Command ``mathreward serve``: the reward server over HTTP (OpenRLHF remote RM protocol, /score, /health)."""

from __future__ import annotations

import argparse
import json
import os
import sys

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
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
    parser.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    parser.set_defaults(func=run)


def _reward_options(items: list[str]) -> dict[str, object]:
    """``KEY=VALUE`` strings -> keywords; VALUE is JSON when it parses (numbers, booleans), else the string."""
    options: dict[str, object] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--reward-option must look like KEY=VALUE, got {item!r}")
        try:
            options[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            options[key.strip()] = value
    return options


def run(args: argparse.Namespace) -> int:
    """Build the reward and run uvicorn until SIGINT/SIGTERM (in-flight requests finish first)."""
    for name in ("max_items", "max_body_bytes", "max_concurrency", "port"):
        if getattr(args, name) <= 0:
            print(f"mathreward serve: --{name.replace('_', '-')} must be positive", file=sys.stderr)
            return 2
    if args.timeout <= 0 or any(v is not None and v <= 0 for v in (args.workers, args.budget)):
        print("mathreward serve: --timeout, --workers and --budget must be positive", file=sys.stderr)
        return 2
    import uvicorn
    from mathreward.rewards.registry import build_reward_from_options
    from mathreward.rewards.server import ServerLimits, create_app

    token = args.token or os.environ.get("MATHREWARD_TOKEN") or None
    try:
        options = _reward_options(args.reward_option)
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
        access_log=args.log_level == "debug",
    )
    uvicorn.Server(config).run()
    return 0
