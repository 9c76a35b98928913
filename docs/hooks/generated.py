"""MkDocs hook: pages that hold a ``<!-- generated: NAME -->`` line get that line replaced by text built from the code.

- ``cli``: every command and option of ``mathreward.cli.build_parser()`` (usage, description, each option's help
  with its default), walked from the real argparse tree at build time, so the command-line reference cannot drift.
- ``rewards``: every name of the reward registry with its summary and the options its factory accepts.
"""

from __future__ import annotations

import argparse
import inspect
import re
from collections.abc import Callable, Iterator

MARKER = re.compile(r"^<!-- generated: ([a-z-]+) -->$", re.M)


def _cell(text: str, *, html: bool = True) -> str:
    """Text safe inside one markdown table cell (``html``: also escape angle brackets, for prose outside code)."""
    cell = " ".join(str(text).split()).replace("|", "\\|")
    return cell.replace("<", "&lt;").replace(">", "&gt;") if html else cell


def _subcommands(parser: argparse.ArgumentParser) -> Iterator[tuple[str, str, argparse.ArgumentParser]]:
    """(help, name, parser) of each direct subcommand, in the order --help lists them."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, sub in action.choices.items():
                yield helps.get(name, ""), name, sub


def _flag(action: argparse.Action) -> str:
    if not action.option_strings:
        return f"`{action.metavar if isinstance(action.metavar, str) else action.dest}`"
    names = ", ".join(f"`{name}`" for name in action.option_strings)
    if action.nargs == 0:
        return names
    metavar = action.metavar if isinstance(action.metavar, str) else action.dest.upper()
    return f"{names} `{metavar}`"


def _options_table(parser: argparse.ArgumentParser) -> list[str]:
    """One row per argument: its flags and its help, which states its default (tests/test_cli_grammar.py checks that)."""
    rows = []
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)) or action.help == argparse.SUPPRESS:
            continue
        help_text = parser._get_formatter()._expand_help(action) if action.help else ""
        if action.required and action.option_strings and "required" not in help_text:
            help_text += " (required)"
        if action.choices:
            help_text += f" (one of: {', '.join(str(c) for c in action.choices)})"
        rows.append(f"| {_cell(_flag(action), html=False)} | {_cell(help_text)} |")
    if not rows:
        return []
    return ["| argument | meaning |", "|---|---|", *rows, ""]


def _command_section(parser: argparse.ArgumentParser, summary: str, level: int) -> list[str]:
    usage = " ".join(parser.format_usage().split())
    lines = [f"{'#' * level} `{parser.prog}`", ""]
    if summary:
        lines += [summary[:1].upper() + summary[1:] + ".", ""]
    lines += ["```text", usage.removeprefix("usage: "), "```", ""]
    if parser.description:
        lines += [" ".join(parser.description.split()), ""]
    lines += _options_table(parser)
    for sub_summary, _name, sub in _subcommands(parser):
        lines += _command_section(sub, sub_summary, min(level + 1, 4))
    return lines


def cli_reference() -> str:
    """Markdown for the whole command tree of ``mathreward``."""
    from mathreward.cli import build_parser

    parser = build_parser()
    lines = ["```text", parser.format_help().rstrip(), "```", ""]
    for summary, _name, sub in _subcommands(parser):
        lines += _command_section(sub, summary, 2)
    return "\n".join(lines)


def _summary(obj: object) -> str:
    doc = inspect.getdoc(obj) or ""
    return " ".join(doc.split("\n\n", 1)[0].split())


def _options(factory: Callable) -> str:
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return ""
    shown = []
    for p in parameters:
        if p.kind is inspect.Parameter.VAR_KEYWORD:
            shown.append(f"`**{p.name}`")
        elif p.kind is not inspect.Parameter.VAR_POSITIONAL:
            default = p.default
            if default is None and inspect.isclass(factory) and getattr(factory, p.name, None) is not None:
                default = getattr(factory, p.name)  # None means "the class's own", e.g. dapo's wrong_score -1.0
            shown.append(f"`{p.name}`" if default is inspect.Parameter.empty else f"`{p.name}={default!r}`")
    return ", ".join(shown)


def rewards_reference() -> str:
    """Markdown table of every registered reward: name, what it gives, the options its factory takes."""
    from mathreward.rewards import available_rewards
    from mathreward.rewards.registry import resolve_factory

    rows = ["| name | what it gives | options (default) |", "|---|---|---|"]
    for name in available_rewards():
        factory = resolve_factory(name)
        rows.append(f"| `{name}` | {_cell(_summary(factory))} | {_cell(_options(factory), html=False)} |")
    return "\n".join(rows) + "\n"


GENERATORS: dict[str, Callable[[], str]] = {"cli": cli_reference, "rewards": rewards_reference}


def on_page_markdown(markdown: str, **_: object) -> str:
    """Replace each ``<!-- generated: NAME -->`` line with the text of ``GENERATORS[NAME]``."""

    def fill(match: re.Match[str]) -> str:
        return GENERATORS[match.group(1)]()

    return MARKER.sub(fill, markdown)
