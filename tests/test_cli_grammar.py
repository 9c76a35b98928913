"""One command-line grammar, checked on the real parser tree: every subcommand, every option.

Every option has help and shows its default where it takes a value; every output path is ``-o/--output``; one idea
has one spelling (the old spellings parse, hidden); ``mathreward --version`` prints the package's version.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest
from cli_run import mathreward as run_mathreward

import mathreward
from mathreward import cli
from mathreward.cli_options import HIDDEN, DefaultsHelpFormatter

# Leaf commands that write a file or a folder: each has -o/--output.
WRITERS = {
    ("score",),
    ("verify-report",),
    ("curate",),
    ("rm", "train"),
    ("rm", "eval"),
    ("rm", "score"),
    ("rm", "pairs"),
    ("rl", "train"),
    ("rl", "sample"),
    ("demo",),
}
# Leaf commands with progress bars: each hides them with --no-progress.
SHOW_PROGRESS = {("score",), ("curate",), ("rm", "train"), ("rm", "score"), ("rl", "train"), ("rl", "sample")}
OLD_SPELLINGS = {"--out", "--data", "--pairs", "--quiet", "--num-proc", "--answer-field", "--problem-field"}


def commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every parser of the tree with its command path (``("rm", "train")``)."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, (*path, name))


def visible_options(parser: argparse.ArgumentParser) -> Iterator[argparse.Action]:
    for action in parser._actions:
        if action.help != HIDDEN and not isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            yield action


def in_required_group(parser: argparse.ArgumentParser, action: argparse.Action) -> bool:
    return any(action in group._group_actions and group.required for group in parser._mutually_exclusive_groups)


TREE = list(commands(cli.build_parser()))
LEAVES = [(path, parser) for path, parser in TREE if not parser._subparsers]


def test_the_tree_holds_every_command() -> None:
    names = {path for path, _ in LEAVES}
    assert WRITERS <= names
    assert {("verify",), ("serve",)} <= names


@pytest.mark.parametrize(("path", "parser"), TREE, ids=[" ".join(p) or "mathreward" for p, _ in TREE])
def test_every_option_has_help_and_shows_its_default(path: tuple[str, ...], parser: argparse.ArgumentParser) -> None:
    formatter = DefaultsHelpFormatter("mathreward")
    for action in visible_options(parser):
        assert action.help and action.help.strip(), (path, action.option_strings or action.dest)
        takes_value = action.nargs != 0 and action.option_strings
        required = action.required or in_required_group(parser, action) or "(required)" in action.help
        if takes_value and not required:
            shown = formatter._get_help_string(action) or ""
            assert "default" in shown.lower(), (path, action.option_strings, shown)
    parser.format_help()  # every %(default)s expands


@pytest.mark.parametrize(("path", "parser"), LEAVES, ids=[" ".join(p) for p, _ in LEAVES])
def test_outputs_are_dash_o_output_and_one_idea_has_one_spelling(
    path: tuple[str, ...], parser: argparse.ArgumentParser
) -> None:
    options = {flag for action in visible_options(parser) for flag in action.option_strings}
    assert not options & OLD_SPELLINGS, (path, options & OLD_SPELLINGS)
    assert not [flag for flag in options if flag.endswith("-out")], path
    outputs = [action for action in visible_options(parser) if action.dest == "output"]
    if path in WRITERS:
        assert [action.option_strings for action in outputs] == [["-o", "--output"]], path
    else:
        assert not outputs, path
    if path in SHOW_PROGRESS:
        assert "--no-progress" in options, path
    for action in visible_options(parser):
        if "--workers" in action.option_strings:
            assert action.type is not None and action.type.__name__ == "positive_int"
        if "--timeout" in action.option_strings:
            assert action.type is not None and action.type.__name__ == "positive_float" and action.default == 5.0


def parse(*argv: str) -> argparse.Namespace:
    return cli.build_parser().parse_args(list(argv))


def test_old_spellings_still_parse_into_the_new_names() -> None:
    args = parse("rl", "train", "--data", "d.parquet", "--out", "run", "--model", "m")
    assert (args.data, args.output) == ("d.parquet", "run")
    assert parse("rl", "train", "d.parquet", "--model", "m").output == "rl_out"
    args = parse("rl", "sample", "--model", "m", "--data", "d.parquet", "--out", "r.jsonl")
    assert (args.data, args.output) == ("d.parquet", "r.jsonl")
    args = parse("rm", "train", "--pairs", "p.jsonl", "--model", "m", "--out", "rm")
    assert (args.pairs, args.output) == ("p.jsonl", "rm")
    args = parse("rm", "eval", "--pairs", "p.jsonl", "--model", "m", "--out", "r.json")
    assert (args.pairs, args.output) == ("p.jsonl", "r.json")
    args = parse("rm", "score", "rows.jsonl", "--model", "m", "--out", "s.jsonl", "--output", "centered")
    assert (args.output, args.scale) == ("s.jsonl", "centered")
    args = parse("rm", "score", "rows.jsonl", "--model", "m", "-o", "s.jsonl", "--scale", "centered")
    assert (args.output, args.scale) == ("s.jsonl", "centered")
    args = parse("rm", "pairs", "s.parquet", "--out", "p.jsonl", "--heldout-out", "h.jsonl")
    assert (args.output, args.heldout_out) == ("p.jsonl", "h.jsonl")
    args = parse("curate", "raw.jsonl", "-o", "c.parquet", "--answer-field", "a", "--problem-field", "q")
    assert (args.answer_field, args.problem_field, args.workers, args.no_progress) == ("a", "q", None, False)
    args = parse("curate", "raw.jsonl", "-o", "c.parquet", "--gold-field", "a", "--prompt-field", "q", "--quiet")
    assert (args.answer_field, args.problem_field, args.no_progress) == ("a", "q", True)
    assert parse("curate", "raw.jsonl", "-o", "c.parquet", "--num-proc", "3").workers == 3
    assert parse("demo", "--out", "d").output == "d" and parse("demo").output == "demo_out"


def test_version_prints_the_package_version() -> None:
    done = run_mathreward("--version", timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"mathreward {mathreward.__version__}"


def test_the_demo_ends_with_a_short_table() -> None:
    summary = {
        "rewards": {"rows": 53, "accuracy": 0.4528, "seconds": 23.34},
        "reward_models": {"pairwise_accuracy": 0.995, "bt_accuracy": 0.99, "seconds": 100.0},
        "rl": {"gains_sampled_points": {"dapo": 48.0, "pairwise": -6.3}, "seconds": 420.0},
    }
    assert cli.demo_table(summary, quick=True).splitlines() == [
        "stage           seconds  headline",
        "rewards            23.3  53 rollouts, accuracy 0.453",
        "reward_models     100.0  held-out accuracy: pairwise 0.995, Bradley-Terry 0.990",
        "rl                420.0  sampled-accuracy gain (points): dapo +48.0, pairwise -6.3",
        "--quick: tiny sizes and a few steps; these numbers are a smoke run, not results",
    ]
    assert "smoke" not in cli.demo_table(summary, quick=False)
