"""A fast lane for the commonest verification: an integer gold and a response that ends in ``Answer: <int>`` or
``\\boxed{<int>}``.

``fast_verdicts(responses, golds, style)`` gives, for each row, the exact ``Verdict`` the full path
(``extraction.extract`` + ``compare.compare``) would give, or None when the row is not one of the shapes below; the
caller then runs the full path for that row. The lane only answers when it is sure, so it bails out on anything
unusual: any ``<`` in the response (think/answer tags, chat end-of-turn tokens), a second ``Answer:`` marker, the
Chinese marker, a second box, a non-canonical integer (leading zeros, ``+``, ``-0``, more than 18 digits, non-ASCII
digits), a trailing period, markdown around the keyword, or a response longer than the extraction tail.

Shapes answered (the final line, then only spaces, tabs and newlines):

- styles ``dapo``, ``auto``, ``strict``: ``Answer: <int>`` at the start of the last line (path ``answer_line``);
- styles ``boxed``, ``auto``, ``strict``: ``\\boxed{<int>}`` (optionally closed by ``$``, ``$$``, ``\\]`` or ``\\)`` and
  a period) as the only box of the response, with no ``Answer:`` marker anywhere (path ``boxed``);
- style ``dapo`` with no "answer" (any case) anywhere, style ``boxed`` with no box anywhere: ``no_answer``.

The comparison reasons ("numeric" / "numeric mismatch") are taken from ``compare`` itself, once, so the details stay
identical to the full path's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache

from .compare import compare
from .extraction import PATH_ANSWER_LINE, PATH_BOXED, TAIL_CHARS

__all__ = ["fast_verdicts", "fast_verdict", "disabled"]

_state = {"enabled": True}

_INT = r"(?:-?[1-9][0-9]{0,17}|0)"  # canonical ASCII integers only
_GOLD_RE = re.compile(_INT)
_LINE_RE = re.compile(r"Answer:[ \t]*(" + _INT + r")\Z")  # the whole last line
_BOX_RE = re.compile(r"\\boxed\{(" + _INT + r")\}(?:\$\$?|\\\]|\\\))?\.?\Z")  # the end of the last line
_BOX_WINDOW = 40  # a box shape ends within this many characters of the end
_COLON_RE = re.compile(
    r"(?<![*_ \t])[*_ \t]*[:：]"
)  # what may follow "answer" to make it an "Answer:" marker (generously)
_LINE_STYLES = frozenset({"dapo", "auto", "strict"})
_BOX_STYLES = frozenset({"boxed", "auto", "strict"})


@lru_cache(maxsize=2)
def _reason(equal: bool) -> str:
    """The reason ``compare`` gives for two plain integers (equal or not)."""
    return compare("7", ("7",) if equal else ("8",)).reason


def _markers(low: str, limit: int) -> int:
    """How many "answer" + colon markers ``low`` (lower-cased text) holds before ``limit``, counting at most 2."""
    count = 0
    pos = low.find("answer", 0, limit)
    while pos >= 0:
        if _COLON_RE.match(low, pos + 6):
            count += 1
            if count > 1:
                break
        pos = low.find("answer", pos + 6, limit)
    return count


def _one_marker(response: str) -> bool:
    """Whether the response holds exactly one "Answer:" marker (the caller found one on the last line)."""
    if "：" not in response and response.find(":") == response.rfind(":"):
        return True  # every marker needs a colon: the last line's is the only one
    return "答案" not in response and _markers(response.lower(), len(response) + 8) == 1


def _no_marker(response: str) -> bool:
    """Whether the response holds no "Answer:" marker at all."""
    if "：" not in response and ":" not in response:
        return True
    return "答案" not in response and _markers(response.lower(), len(response) + 8) == 0


def fast_verdict(response: object, gold: object, style: str):
    """The full path's ``Verdict`` for one row when it has a fast-lane shape, else None (see the module doc)."""
    if type(response) is not str or type(gold) is not str or len(response) > TAIL_CHARS or "<" in response:
        return None
    text = response.rstrip(" \t\n")
    line_start = text.rfind("\n") + 1
    if style in _LINE_STYLES:
        match = _LINE_RE.match(text, line_start)
        if match is not None:
            if not _one_marker(response):
                return None
            if style != "dapo" and ("\\boxed" in response or "\\fbox" in response):
                return None
            return _verdict(match.group(1), gold, PATH_ANSWER_LINE)
    if style in _BOX_STYLES:
        match = _BOX_RE.search(text, max(line_start, len(text) - _BOX_WINDOW))
        if match is not None:
            if response.count("\\boxed") != 1 or "\\fbox" in response or not _no_marker(response):
                return None
            return _verdict(match.group(1), gold, PATH_BOXED)
    if style == "dapo" and "答案" not in response and "answer" not in response.lower():
        return _no_answer(style)  # no "Answer" anywhere: no answer line
    if style == "boxed" and "\\boxed" not in response and "\\fbox" not in response:
        return _no_answer(style)  # no box anywhere
    return None


@lru_cache(maxsize=4)
def _no_answer(style: str):
    """The full path's verdict for a response without any answer in ``style`` (its exact wording)."""
    from .core import verify_batch

    with disabled():
        return verify_batch(["."], ["1"], style=style, workers=0)[0]


@lru_cache(maxsize=1)
def _verdict_class() -> type:
    from .core import Verdict  # core imports this module, so not at the top

    return Verdict


@lru_cache(maxsize=65536)
def _verdict(pred: str, gold: str, path: str):
    """The Verdict of a canonical integer ``pred`` against ``gold`` (None unless ``gold`` is a canonical integer)."""
    if not _GOLD_RE.fullmatch(gold):
        return None
    equal = int(pred) == int(gold)
    return _verdict_class()(equal, pred, "correct" if equal else "wrong", f"path={path}; {_reason(equal)}")


def fast_verdicts(responses: Sequence[object], golds: Sequence[object], style: str) -> list:
    """One entry per row: the fast lane's ``Verdict``, or None where the full path must decide."""
    if not _state["enabled"] or (style not in _LINE_STYLES and style not in _BOX_STYLES):
        return [None] * len(responses)
    return [fast_verdict(response, gold, style) for response, gold in zip(responses, golds, strict=True)]


@contextmanager
def disabled() -> Iterator[None]:
    """Run ``verify_batch`` without the fast lane inside the block (the bench and tests compare both paths)."""
    before = _state["enabled"]
    _state["enabled"] = False
    try:
        yield
    finally:
        _state["enabled"] = before
