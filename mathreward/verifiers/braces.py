"""Brace matching and box finding: the one implementation the package calls, linear in the text however it is built.

- ``find_closing(text, open_pos)``: the ``}`` that closes the ``{`` at ``open_pos`` (escaped braces ``\\{`` are
  skipped), -1 when it never closes (or closes further than ``max_chars``, or nests deeper than ``max_depth``).
- ``BraceMatcher(text)``: the same question asked many times about one text. Its answers come from a single forward
  scan that every question continues, so asking about every brace of a text (in order of position) costs one pass,
  where scanning again from each brace costs one pass per brace: ``"\\boxed{" * 5000`` rescanned the rest of the text
  5,000 times.
- ``find_boxes(text)``: every well-formed ``\\boxed{..}`` / ``\\fbox{..}`` / ``\\boxed 5`` as ``Box(start, end,
  content)``, a box nested in the previous one skipped, the content unwrapped of braces and boxes around it
  (``\\boxed{{5}}``, ``\\boxed{\\boxed{5}}``); ``last_box(text)``: the content of the last one.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["MAX_BOX_CHARS", "BraceMatcher", "Box", "find_boxes", "find_closing", "last_box"]

MAX_BOX_CHARS = 8_192  # a box whose content is longer than this is not an answer
MAX_BARE_BOX_CHARS = 64  # "\\boxed 5": the argument without braces is one short token

BOX_RE = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z])")
# What the brace scan stops at: an escape (a backslash and the character it escapes) or a brace.
_TOKEN_RE = re.compile(r"\\.|[{}]", re.DOTALL)


class BraceMatcher:
    """Closing braces of one text, found by a single forward scan shared by every question.

    The scan starts at the first brace asked about and only moves forward, keeping the braces still open on a stack;
    a question about a brace the scan has passed is answered from what it recorded. Questions asked in order of
    position (or in any order after the first) cost one pass over the text in total; a question about a brace before
    the first one asked about starts a scan of its own. An escaped brace (after an odd run of backslashes) opens
    nothing: -1.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._start = -1  # where the scan began (-1: not yet)
        self._pos = 0  # the next position the scan reads
        self._open: list[int] = []  # braces open at ``_pos``, innermost last
        self._deepest: list[int] = []  # for each open brace, the deepest nesting seen inside it so far
        self._closing: dict[int, tuple[int, int]] = {}  # open position -> (close position, deepest nesting inside)
        self._visited: set[int] = set()  # every "{" the scan read as a brace (not escaped)

    def closing(self, open_pos: int, max_chars: int | None = None, max_depth: int | None = None) -> int:
        """The index of the ``}`` closing the ``{`` at ``open_pos``; -1 when there is none, when it lies more than
        ``max_chars`` + 1 characters after ``open_pos``, or when braces nest more than ``max_depth`` levels inside."""
        text = self.text
        if not 0 <= open_pos < len(text) or text[open_pos] != "{" or _escaped(text, open_pos):
            return -1
        if self._start < 0:
            self._start = self._pos = open_pos
        elif open_pos < self._start:
            return BraceMatcher(text).closing(open_pos, max_chars, max_depth)  # before the scan began: ask anew
        limit = len(text) if max_chars is None else min(len(text), open_pos + max_chars + 2)
        if open_pos not in self._closing:
            if open_pos >= self._pos:
                self._scan_until(open_pos, open_pos + 1)  # up to the brace asked about
            if open_pos in self._visited:  # (always: the scan reads backslashes in pairs, as ``_escaped`` does)
                self._scan_until(open_pos, limit)
        found = self._closing.get(open_pos)
        if found is None:
            return -1
        close, deepest = found
        if close >= limit or (max_depth is not None and deepest > max_depth):
            return -1
        return close

    def _scan_until(self, open_pos: int, limit: int) -> None:
        """Scan forward until the brace at ``open_pos`` closes or the scan reaches ``limit``."""
        text = self.text
        stack = self._open
        deepest = self._deepest
        closing = self._closing
        visited = self._visited
        search = _TOKEN_RE.search
        pos = self._pos
        while True:
            token = search(text, pos)
            if token is None:
                pos = len(text)
                break
            start = token.start()
            if start >= limit:
                pos = start
                break
            pos = token.end()
            char = text[start]
            if char == "{":
                stack.append(start)
                deepest.append(1)
                visited.add(start)
            elif char == "}" and stack:
                opened = stack.pop()
                inner = deepest.pop()
                closing[opened] = (start, inner)
                if deepest and inner + 1 > deepest[-1]:
                    deepest[-1] = inner + 1
                if opened == open_pos:
                    break
        self._pos = pos


def _escaped(text: str, pos: int) -> bool:
    """Whether the character at ``pos`` follows an odd run of backslashes (``\\{`` is a literal brace)."""
    run = 0
    while pos > run and text[pos - run - 1] == "\\":
        run += 1
    return run % 2 == 1


def find_closing(text: str, open_pos: int, max_chars: int | None = None, max_depth: int | None = None) -> int:
    """The index of the ``}`` closing the ``{`` at ``open_pos`` (escaped braces skipped); -1 when it never closes, is
    escaped itself, closes more than ``max_chars`` + 1 characters later, or nests more than ``max_depth`` levels
    inside. For many questions about one text, ask one ``BraceMatcher``."""
    return BraceMatcher(text).closing(open_pos, max_chars, max_depth)


class Box(NamedTuple):
    """A box of a text: ``text[start:end]`` is ``\\boxed{..}``; ``content`` is what it holds, unwrapped."""

    start: int
    end: int
    content: str


def find_boxes(text: str) -> list[Box]:
    """Every well-formed box of ``text`` in order of position (a box nested in the previous one is skipped).

    ``\\boxed{..}`` and ``\\fbox{..}`` with balanced braces (content at most ``MAX_BOX_CHARS``), or ``\\boxed 5`` (a
    space, then one short token). One linear pass however many boxes never close."""
    found: list[Box] = []
    matcher = BraceMatcher(text)
    for match in BOX_RE.finditer(text):
        if found and match.start() < found[-1].end:
            continue
        parsed = _parse_box(matcher, match.end())
        if parsed is not None:
            found.append(Box(match.start(), parsed[0], parsed[1]))
    return found


def last_box(text: str) -> str | None:
    """The content of the last well-formed box of ``text`` (see ``find_boxes``), None when there is none."""
    boxes = find_boxes(text)
    return boxes[-1].content if boxes else None


def _parse_box(matcher: BraceMatcher, pos: int) -> tuple[int, str] | None:
    """The box argument starting at ``pos`` (just after ``\\boxed``) as (end, content), or None."""
    text = matcher.text
    n = len(text)
    i = pos
    while i < n and text[i] in " \t":
        i += 1
    if i >= n:
        return None
    if text[i] == "{":
        end = matcher.closing(i, MAX_BOX_CHARS)
        if end < 0:
            return None
        return end + 1, _unwrap_nested_box(text[i + 1 : end].strip())
    if i == pos:
        return None  # "\boxed5" is not a box; "\boxed 5" is
    j = i
    while j < n and j - i < MAX_BARE_BOX_CHARS and not text[j].isspace() and text[j] not in "$\\":
        j += 1
    content = text[i:j].rstrip(".,;")
    return (j, content) if content else None


def strip_outer_braces(content: str) -> str:
    """``{{5}}`` -> ``5``: drop brace pairs that wrap the whole content (one linear pass); ``{1}{2}`` stays."""
    lead = len(content) - len(content.lstrip("{"))
    trail = len(content) - len(content.rstrip("}"))
    levels = min(lead, trail)
    if levels == 0 or levels * 2 >= len(content):
        return content
    inner = content[levels:-levels]
    depth = 0
    for token in _TOKEN_RE.finditer(inner):
        char = token.group()
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return content
    return inner.strip() if depth == 0 and not content[levels - 1 : levels + 1] == "\\{" else content


def _unwrap_nested_box(content: str) -> str:
    """``{5}`` and ``\\boxed{5}`` inside a box give ``5`` (a few levels)."""
    content = strip_outer_braces(content)
    for _ in range(8):
        match = BOX_RE.match(content)
        if match is None:
            break
        parsed = _parse_box(BraceMatcher(content), match.end())
        if parsed is None or parsed[0] != len(content):
            break
        content = parsed[1].strip()
    return content
