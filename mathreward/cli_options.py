"""The pieces every subcommand's parser is built from, so that one idea has one spelling everywhere.

Inputs are positional; every output path is ``-o/--output``; fields are ``--<what>-field``; ``--workers``,
``--timeout`` and ``--no-progress`` mean the same thing in every command. Old spellings stay as hidden aliases
(``help=SUPPRESS``): they parse, they are not shown. Help shows each option's default. Numbers are checked when parsed
(``positive_float`` rejects nan, inf, 0 and -1), so a bad setting is one line before anything loads.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

HIDDEN = argparse.SUPPRESS
PROGRESS_HELP = "hide the progress bars"


class CommandParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line (``mathreward score: error: ...``, exit 2), whose help shows
    defaults, and which supports positional inputs that also have a hidden old ``--flag`` spelling."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", DefaultsHelpFormatter)
        super().__init__(*args, **kwargs)
        self.required_values: list[tuple[str, str]] = []  # (dest, how the user names it) checked after parsing
        self.optional_values: list[str] = []  # dests set to None when neither spelling was given

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        """Parse, then check the values that a positional or its hidden alias must supply."""
        namespace, extras = super().parse_known_args(args, namespace)
        for dest, shown in self.required_values:
            if getattr(namespace, dest, None) is None:
                self.error(f"the following arguments are required: {shown}")
        for dest in self.optional_values:
            if not hasattr(namespace, dest):
                setattr(namespace, dest, None)
        if not hasattr(namespace, "command_name"):  # the deepest subcommand parses first: its name wins
            namespace.command_name = self.prog
        return namespace, extras

    def error(self, message: str) -> Any:  # type: ignore[override]
        """Print one line and exit 2 (argparse prints the whole usage first; ``--help`` shows it)."""
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class DefaultsHelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help that ends each option with ``(default: X)`` where it has a default and its text does not already say it."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if text == HIDDEN or "default" in text.lower() or not has_shown_default(action):
            return text
        return text + " (default: %(default)s)"


def has_shown_default(action: argparse.Action) -> bool:
    """True when ``action``'s default is a value worth printing (not None, False, an empty list or SUPPRESS)."""
    default = action.default
    if default is None or default is False or default == [] or default == HIDDEN:
        return False
    return bool(action.option_strings) or action.nargs in (argparse.OPTIONAL, argparse.ZERO_OR_MORE)


def add_command(subparsers: Any, name: str, **kwargs: Any) -> CommandParser:
    """A subcommand parser of our class (one-line errors, defaults in help), whatever parser ``subparsers`` hangs on."""
    kwargs.setdefault("formatter_class", DefaultsHelpFormatter)
    subparsers._parser_class = CommandParser  # argparse makes sub-parsers of this class (default: the parent's)
    return subparsers.add_parser(name, **kwargs)


# ---------------------------------------------------------------------------------------------------- value types
def _number(
    kind: Callable[[str], Any], text: str, accept: Callable[[Any], bool] | None = None, wanted: str = ""
) -> Any:
    """``text`` read as ``kind`` (finite when a float); with ``accept``, a value it refuses is "must be ``wanted``"."""
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    if accept is not None and not accept(value):
        raise argparse.ArgumentTypeError(f"must be {wanted}, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """A finite number above 0 (timeouts, learning rates, epochs)."""
    return _number(float, text, lambda value: value > 0, "a finite number above 0")


def non_negative_float(text: str) -> float:
    """A finite number, 0 or above (weight decay, coefficients)."""
    return _number(float, text, lambda value: value >= 0, "a finite number, 0 or above")


def finite_float(text: str) -> float:
    """Any finite number."""
    return _number(float, text)


def unit_fraction(text: str) -> float:
    """A number in [0, 1)."""
    return _number(float, text, lambda value: 0 <= value < 1, "at least 0 and below 1")


def positive_int(text: str) -> int:
    """A whole number above 0 (counts: steps, batch sizes, workers)."""
    return _number(int, text, lambda value: value >= 1, "a whole number above 0")


def non_negative_int(text: str) -> int:
    """A whole number, 0 or above."""
    return _number(int, text, lambda value: value >= 0, "a whole number, 0 or above")


def port_number(text: str) -> int:
    """A TCP port, 1 to 65535."""
    return _number(int, text, lambda value: 1 <= value <= 65535, "a port from 1 to 65535")


# ---------------------------------------------------------------------------------------------------- options
def add_input(
    parser: CommandParser,
    dest: str,
    help: str,
    *,
    legacy: Sequence[str] = (),
    required: bool = True,
) -> None:
    """The positional input ``dest`` (shown as its upper-case name); ``legacy`` are old ``--flag`` spellings kept
    hidden (given either way, the value lands in ``dest``)."""
    metavar = dest.upper()
    if not legacy:
        parser.add_argument(dest, metavar=metavar, help=help)
        return
    parser.add_argument(dest, nargs="?", metavar=metavar, help=help, default=HIDDEN)
    for flag in legacy:
        parser.add_argument(flag, dest=dest, help=HIDDEN, default=HIDDEN)
    if required:
        parser.required_values.append((dest, metavar))
    else:
        parser.optional_values.append(dest)


def add_output(
    parser: CommandParser, help: str, *, required: bool = True, default: str | None = None, legacy: Sequence[str] = ()
) -> None:
    """``-o/--output`` (a file or a folder, as ``help`` says); ``legacy``: old spellings kept hidden."""
    shown = f"{help} (required)" if required else help
    parser.add_argument("-o", "--output", dest="output", default=default, metavar="PATH", help=shown)
    for flag in legacy:
        parser.add_argument(flag, dest="output", default=HIDDEN, help=HIDDEN)
    if required:
        parser.required_values.append(("output", "-o/--output"))


def add_progress(parser: argparse.ArgumentParser, *, legacy: Sequence[str] = ()) -> None:
    """``--no-progress`` (``legacy``: old spellings such as ``--quiet``, hidden)."""
    parser.add_argument("--no-progress", action="store_true", help=PROGRESS_HELP)
    for flag in legacy:
        parser.add_argument(flag, dest="no_progress", action="store_true", help=HIDDEN)


def add_workers(
    parser: argparse.ArgumentParser, *, default_text: str = "the CPU count", legacy: Sequence[str] = ()
) -> None:
    """``--workers N`` (processes; None: ``default_text``)."""
    parser.add_argument(
        "--workers", type=positive_int, default=None, help=f"worker processes (default: {default_text})"
    )
    for flag in legacy:
        parser.add_argument(flag, dest="workers", type=positive_int, default=HIDDEN, help=HIDDEN)


def add_timeout(parser: argparse.ArgumentParser, what: str = "per-rollout verification timeout") -> None:
    """``--timeout SECONDS`` (finite, above 0; default 5)."""
    parser.add_argument("--timeout", type=positive_float, default=5.0, metavar="SECONDS", help=f"{what} in seconds")


def add_overwrite(parser: argparse.ArgumentParser, what: str = "run folder") -> None:
    """``--overwrite``: replace an existing output instead of refusing it."""
    parser.add_argument("--overwrite", action="store_true", help=f"replace an existing {what} (else it is refused)")


def print_next(output: Any, next_step: str) -> None:
    """The closing line of a command that wrote something: where it is and what to run next (on stderr, so that
    stdout stays the command's result, e.g. ``rl train``'s JSON summary)."""
    print(f"output: {output}; next: {next_step}", file=sys.stderr, flush=True)


def first_line(error: BaseException) -> str:
    """An exception as one line: its message's first line, else its type's name."""
    text = str(error).strip()
    if isinstance(error, KeyError) and error.args:
        text = str(error.args[0]).strip()
    return text.splitlines()[0] if text else type(error).__name__


def fail(command: str, message: str) -> int:
    """Print ``mathreward <command>: error: message`` to stderr; returns the exit code 2."""
    print(f"{command}: error: {message}", file=sys.stderr, flush=True)
    return 2


__all__ = [
    "CommandParser",
    "DefaultsHelpFormatter",
    "add_command",
    "add_input",
    "add_output",
    "add_overwrite",
    "add_progress",
    "add_timeout",
    "add_workers",
    "fail",
    "finite_float",
    "first_line",
    "non_negative_float",
    "non_negative_int",
    "port_number",
    "positive_float",
    "positive_int",
    "print_next",
    "unit_fraction",
]
