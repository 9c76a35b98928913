"""The `mathreward` command line: one entry point, each subcommand owned by the package that does the work.

Every command module exposes ``add_parser(subparsers)`` (which registers its subcommand and sets ``func``) and keeps
heavy imports (torch, transformers, datasets) inside its ``run`` function, so ``mathreward --help`` stays fast.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import sys

from mathreward import __version__
from mathreward.cli_options import CommandParser, add_command, add_output, fail, first_line
from mathreward.errors import UserError

# Command modules, in the order the subcommands are listed by --help.
COMMAND_MODULES = (
    "mathreward.scoring.commands",
    "mathreward.curation.commands",
    "mathreward.reward_models.commands",
    "mathreward.rl.commands",
)

# Demo stages in order: (name, "module:function", title). Each function is run_demo-like: (out_dir, quick) -> dict,
# writing into out_dir = <--out>/<name>. The policy checkpoint is made once and shared by the two stages after it.
DEMO_STAGES = (
    ("rewards", "mathreward.scoring.demo:run_demo", "score bundled rollouts"),
    ("curation", "mathreward.curation.demo:run_demo", "curate bundled raw problems"),
    (
        "policy",
        "mathreward.rl.demo:run_policy_demo",
        "warm up a tiny policy on the toy task (shared by the next stages)",
    ),
    (
        "reward_models",
        "mathreward.reward_models.demo:run_demo",
        "rollouts from the policy -> verified pairs -> pairwise RM and Bradley-Terry from the policy, evaluated",
    ),
    ("rl", "mathreward.rl.demo:run_demo", "DAPO and GRPO with the rule reward, DAPO with the pairwise RM's reward"),
)
# Stages that read another stage's files: asking for them runs that stage too (it reuses its saved output).
DEMO_NEEDS = {"reward_models": ("policy",), "rl": ("policy",)}


NO_SPACE_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}  # disk full, file-size limit, quota


def _number(value: object, digits: int = 3) -> str:
    return f"{value:.{digits}f}" if isinstance(value, (int, float)) else "-"


# The headline numbers of each demo stage's result, as one short cell of the closing table.
DEMO_HEADLINES = {
    "rewards": lambda r: f"{r.get('rows', '-')} rollouts, accuracy {_number(r.get('accuracy'))}",
    "curation": lambda r: f"{r.get('sample_rows_in', '-')} raw -> {r.get('sample_rows_out', '-')} curated rows",
    "policy": lambda r: (
        f"warm-up final loss {_number((r.get('warmup') or {}).get('final_loss'))}"
        + (" (reused)" if r.get("reused") else "")
    ),
    "reward_models": lambda r: (
        f"held-out accuracy: pairwise {_number(r.get('pairwise_accuracy'))}, "
        f"Bradley-Terry {_number(r.get('bt_accuracy'))}"
    ),
    "rl": lambda r: (
        "sampled-accuracy gain (points): "
        + ", ".join(f"{name} {gain:+.1f}" for name, gain in (r.get("gains_sampled_points") or {}).items())
    ),
}


def demo_table(summary: dict[str, dict], quick: bool) -> str:
    """The closing table of ``mathreward demo``: stage, seconds, headline numbers."""
    lines = [f"{'stage':<14} {'seconds':>8}  headline"]
    for stage, result in summary.items():
        headline = DEMO_HEADLINES.get(stage, lambda _r: "")(result)
        lines.append(f"{stage:<14} {_number(result.get('seconds'), 1):>8}  {headline}")
    if quick:
        lines.append("--quick: tiny sizes and a few steps; these numbers are a smoke run, not results")
    return "\n".join(lines)


def _stage_name(entry: tuple[str, str, str]) -> str:
    """The name a demo stage is selected by (``--stages``) and the folder it writes."""
    return entry[0]


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with one subcommand per registered command module."""
    parser = CommandParser(
        prog="mathreward",
        description="Verify math answers, curate integer-answer RL data, train a pairwise reward model, run PPO/DAPO.",
    )
    parser.add_argument("--version", action="version", version=f"mathreward {__version__}", help="print the version")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        module = importlib.import_module(module_name)
        module.add_parser(subparsers)
    _add_demo_parser(subparsers)
    return parser


def _add_demo_parser(subparsers: argparse._SubParsersAction) -> None:
    demo = add_command(subparsers, "demo", help="run every stage on bundled data and print a summary")
    add_output(demo, "folder for the demo's files", required=False, default="demo_out", legacy=("--out",))
    demo.add_argument("--quick", action="store_true", help="smaller, faster stages (a smoke test, not a result)")
    demo.add_argument(
        "--stages",
        default=",".join(_stage_name(entry) for entry in DEMO_STAGES),
        help="comma-separated subset of: " + ", ".join(_stage_name(entry) for entry in DEMO_STAGES),
    )
    demo.set_defaults(func=_run_demo)


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process and of the child processes it has waited for (a stage's workers
    and commands), so a stage's CPU time is the difference across it."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _run_demo(args: argparse.Namespace) -> int:
    """Run the chosen demo stages in order; each writes into its own sub-folder of --out."""
    import json
    import time

    wanted = {name.strip() for name in args.stages.split(",") if name.strip()}
    known = {_stage_name(entry) for entry in DEMO_STAGES}
    unknown = wanted - known
    if unknown:
        raise UserError(f"--stages: unknown stage(s) {sorted(unknown)}; choose from {sorted(known)}")
    from mathreward.preflight import check_output_folder

    out_dir = check_output_folder(args.output, resuming=True)  # a rerun writes over its own earlier stages
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in list(wanted):
        wanted.update(DEMO_NEEDS.get(name, ()))
    summary: dict[str, dict] = {}
    for package, target, title in DEMO_STAGES:
        if package not in wanted:
            continue
        print(f"\n=== {package}: {title}", flush=True)
        started, cpu_started = time.perf_counter(), _cpu_seconds()
        module_name, function = target.split(":")
        run_stage = getattr(importlib.import_module(module_name), function)
        result = run_stage(out_dir / package, quick=args.quick)
        result["seconds"] = round(time.perf_counter() - started, 1)
        result["cpu_seconds"] = round(_cpu_seconds() - cpu_started, 1)
        summary[package] = result
        print(f"=== {package}: done in {result['seconds']} s", flush=True)
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    print("\n" + demo_table(summary, args.quick))
    print(f"every number of every stage: {out_dir / 'summary.json'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code.

    A ``UserError`` (a bad option, file, row or field) prints one line, ``mathreward <command>: error: ...``, and
    returns 2; any other exception is a bug and keeps its traceback."""
    from mathreward.signals import EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated, raise_on_sigterm

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version and parse errors (already printed, one line)
        return exit_.code if isinstance(exit_.code, int) else 2
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    raise_on_sigterm()  # SIGTERM (timeout, Slurm, Kubernetes) stops a command as Ctrl-C does: nothing left behind
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        return fail(getattr(args, "command_name", "mathreward"), first_line(exc))
    except KeyboardInterrupt as exc:
        stopped = isinstance(exc, Terminated)
        print(f"mathreward: {'terminated' if stopped else 'interrupted'}", file=sys.stderr)
        code = EXIT_TERMINATED if stopped else EXIT_INTERRUPTED
        if argv is None:  # the program itself: every cleanup has run, and no thread may hold it up now
            _exit_now(code)
        return code
    except BrokenPipeError:
        # The reader of our output went away (e.g. `| head`): stop quietly, as Unix tools do.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:
        if exc.errno not in NO_SPACE_ERRNOS:
            raise
        # a full disk, a quota, a file-size limit: every write goes to a temporary file first, so nothing was replaced
        where = f" writing {exc.filename}" if exc.filename else ""
        fail(
            getattr(args, "command_name", "mathreward"),
            f"no space{where}: {exc.strerror or exc}; no output was replaced",
        )
        return 1


def _exit_now(code: int) -> None:
    """End the process with ``code`` without waiting for threads still blocked (an LLM request, a socket): the
    ``finally`` blocks that remove temporary files and stop workers have run by the time a stop reaches ``main``."""
    import os

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
