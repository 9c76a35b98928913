"""Size bounds checked before any parsing: hostile answers are refused here, never computed."""

from __future__ import annotations

import re

from .braces import BraceMatcher
from .patterns import COMMAND_RE

__all__ = ["MAX_ANSWER_CHARS", "MAX_NESTING", "RefusedInput", "check_answer", "check_symbolic"]

MAX_ANSWER_CHARS = 2_000
MAX_NESTING = 50
MAX_SYMBOLIC_EXPONENT_DIGITS = 4  # x^{9999} at most on the symbolic path
MAX_SYMBOLIC_FACTORIAL = 500
MAX_SYMBOLIC_DIGITS = 400

_BIG_FACTORIAL_RE = re.compile(r"(?<!\d)(\d+)\s*!")  # (?<!\d): a digit run is read from its start only
_LONG_NUMBER_RE = re.compile(r"\d{" + str(MAX_SYMBOLIC_DIGITS + 1) + ",}")
_NUMBER_RE = re.compile(r"\d+")
# a number raised to a number inside an exponent: 10^{10^{10}}, 9^{9^{9^9}} (x^{x^2} and e^{-x^2} are fine)
_CHAINED_POWER_RE = re.compile(r"\^\s*(?:[\d.]+|\{[^{}]*\})\s*\^")  # 2^2^2, 2^{3}^{4}
# Each run of spaces is followed by a required token, so it is read one way only (no adjacent \s*\s*).
_NUMERIC_POWER_RE = re.compile(r"(?:\d|\\(?:pi|infty))\s*(?:\}\s*)?\^\s*(?:\{\s*)?(?:[-+]\s*)?(?:\d|\\(?:pi|infty))")


class RefusedInput(ValueError):
    """The answer is too large or too deeply nested to parse safely."""


def check_answer(text: str) -> None:
    """Refuse answers that are too long or nested too deeply for any parser."""
    if len(text) > MAX_ANSWER_CHARS:
        raise RefusedInput(f"answer longer than {MAX_ANSWER_CHARS} characters")
    if text.count("{") + text.count("(") + text.count("[") <= MAX_NESTING:
        return
    depth = 0
    deepest = 0
    for char in text:
        if char in "{([":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_NESTING:
                    raise RefusedInput(f"answer nested deeper than {MAX_NESTING} levels")
        elif char in "})]":
            depth -= 1


def _exponent_at(matcher: BraceMatcher, pos: int) -> tuple[str, int]:
    """The exponent argument starting at ``pos`` (just after ``^``) and where it ends: a brace group (to the end of
    the text when it never closes) or one token. One ``matcher`` per text keeps every group of it one pass."""
    text = matcher.text
    n = len(text)
    while pos < n and text[pos] == " ":
        pos += 1
    if pos >= n:
        return "", n
    if text[pos] == "{":
        close = matcher.closing(pos)
        return (text[pos + 1 : close], close + 1) if close >= 0 else (text[pos + 1 :], n)
    if text[pos].isdigit():
        match = _NUMBER_RE.match(text, pos)
        return (match.group(), match.end()) if match else ("", pos)
    if text[pos] == "\\":
        match = COMMAND_RE.match(text, pos)
        return (match.group(), match.end()) if match else (text[pos : pos + 2], pos + 2)
    return text[pos], pos + 1


def check_symbolic(text: str) -> None:
    """Refuse what sympy would try to compute in full: power towers, huge exponents, giant factorials."""
    check_answer(text)
    matcher = BraceMatcher(text)
    pos = text.find("^")
    while pos >= 0:
        exponent, end = _exponent_at(matcher, pos + 1)
        if _NUMERIC_POWER_RE.search(exponent):
            raise RefusedInput("power tower")
        if any(len(number) > MAX_SYMBOLIC_EXPONENT_DIGITS for number in _NUMBER_RE.findall(exponent)):
            raise RefusedInput("exponent too large")
        # a "^" inside this exponent reads a part of it, which holds no tower and no long number either: one pass
        pos = text.find("^", max(pos + 1, end))
    for match in _BIG_FACTORIAL_RE.finditer(text):
        if len(match.group(1)) > 4 or int(match.group(1)) > MAX_SYMBOLIC_FACTORIAL:
            raise RefusedInput("factorial too large")
    if _CHAINED_POWER_RE.search(text):
        raise RefusedInput("power tower")
    if "\\uparrow" in text:
        raise RefusedInput("Knuth arrows")
    if _LONG_NUMBER_RE.search(text):
        raise RefusedInput("number too long for the symbolic path")
