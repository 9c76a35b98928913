"""The scanners that walk rollout text are linear, and brace matching / box finding have one implementation.

- ``braces``: exact answers of ``find_closing``, ``BraceMatcher``, ``find_boxes`` and ``last_box`` (escapes, caps,
  depth, nesting, any order of questions), and that they agree with a plain rescan from each brace;
- every scanner (brace matching, box finding, ``$`` pairing, turn cutting, the extraction styles and their fallbacks,
  gold reading, answer clean-up) pumped like the regex pump pumps patterns: repeated openers, unclosed groups,
  alternating delimiters at 1,000 and 16,000 characters; the steps they take (Python lines executed, counted, not
  timed) grow at most ``scan_pump.MAX_RATIO`` times where linear growth is 16 times.
"""

from __future__ import annotations

import random

import pytest
import scan_pump

from mathreward.verifiers import limits, normalize, turns
from mathreward.verifiers.braces import BraceMatcher, find_boxes, find_closing, last_box
from mathreward.verifiers.commitment import plain_review
from mathreward.verifiers.extraction import (
    COMPILED_READER,
    extract,
    plain_fallback,
    plain_fallback_in_python,
    plain_reading,
    plain_reading_steps,
    read_gold,
)
from mathreward.verifiers.fast_lane import fast_rows


def _rescan(text: str, open_pos: int, max_chars: int | None = None, max_depth: int | None = None) -> int:
    """The closing brace found by scanning again from ``open_pos`` (the definition the matcher must agree with; an
    escaped brace opens nothing)."""
    run = len(text[:open_pos]) - len(text[:open_pos].rstrip("\\"))
    if run % 2:
        return -1
    depth = 0
    deepest = 0
    i = open_pos
    limit = len(text) if max_chars is None else min(len(text), open_pos + max_chars + 2)
    while i < limit:
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i if max_depth is None or deepest <= max_depth else -1
        i += 1
    return -1


def test_find_closing_reads_nesting_and_escapes() -> None:
    text = "\\frac{a{b}\\}c}{d}"
    assert find_closing(text, 5) == 13
    assert find_closing(text, 14) == 16
    assert find_closing("{\\{}", 0) == 3
    assert find_closing("{{}", 0) == -1
    assert find_closing("a{}", 0) == -1  # not a brace
    assert find_closing("\\{}", 1) == -1  # an escaped brace opens nothing
    assert find_closing("\\\\{}", 2) == 3  # after an escaped backslash it does
    assert find_closing("{{{}}}", 0, max_depth=2) == -1
    assert find_closing("{{{}}}", 0, max_depth=3) == 5
    assert find_closing("{" + "x" * 10 + "}", 0, max_chars=9) == -1
    assert find_closing("{" + "x" * 10 + "}", 0, max_chars=10) == 11


def test_the_matcher_agrees_with_a_rescan_from_every_brace_in_any_order() -> None:
    rng = random.Random(5)
    for _ in range(300):
        text = "".join(rng.choice("{{}}\\ab") for _ in range(rng.randint(1, 60)))
        opens = [i for i, ch in enumerate(text) if ch == "{"]
        for order in (opens, list(reversed(opens)), rng.sample(opens, len(opens))):
            matcher = BraceMatcher(text)
            for pos in order:
                cap = rng.choice([None, 3, 10])
                depth = rng.choice([None, 1, 2])
                assert matcher.closing(pos, cap, depth) == _rescan(text, pos, cap, depth), (text, pos, cap, depth)


def test_find_boxes_keeps_the_well_formed_boxes() -> None:
    text = "so \\boxed{{5}} and \\fbox{x^{2}} then \\boxed 7. \\boxed{\\boxed{8}} \\boxed{open \\boxed{9}"
    assert [box.content for box in find_boxes(text)] == ["5", "x^{2}", "7", "8", "9"]
    first = find_boxes(text)[0]
    assert text[first.start : first.end] == "\\boxed{{5}}"
    assert last_box("no box here") is None
    assert last_box("\\boxed{1} \\boxed{2+\\{3\\}}") == "2+\\{3\\}"
    assert last_box("\\boxed{" + "x" * 9000 + "}") is None  # longer than MAX_BOX_CHARS: not an answer
    assert last_box("\\boxed{a\\boxed{b}c}") == "a\\boxed{b}c"  # a box nested in the previous one is not another box


def _every_brace(text: str) -> None:
    matcher = BraceMatcher(text)
    for pos, char in enumerate(text):
        if char == "{":
            matcher.closing(pos, 8192)


def _compiled_reading(text: str) -> None:
    """The compiled reader: the characters it looked at, which it counts itself, spent here as Python lines (the
    pump's steps)."""
    plain_reading(text)
    for _ in range(plain_reading_steps()):
        pass


def _reviewed(text: str) -> bool | None:
    """The fast lane's reading of a row without an answer: the fallback, then its review of what follows it."""
    found = plain_fallback(text)
    return None if found is None else plain_review(text, found)


SCANNERS = {
    "brace matcher": _every_brace,
    "find_boxes": find_boxes,
    "extract auto": lambda text: extract(text, "auto"),
    "extract strict": lambda text: extract(text, "strict"),
    "extract dapo": lambda text: extract(text, "dapo"),
    "extract boxed": lambda text: extract(text, "boxed"),
    "read_gold": read_gold,
    "plain_fallback": plain_fallback,
    "plain_fallback_in_python": plain_fallback_in_python,
    "compiled reader": _compiled_reading,
    "plain_review": _reviewed,
    "fast lane auto": lambda text: fast_rows([text], ["7"], "auto"),
    "answer_region": lambda text: turns.answer_region(text, "read"),
    "clean": lambda text: normalize.clean(text[:2000]),
    "check_symbolic": lambda text: _refused(text[:2000]),
}


def _refused(text: str) -> bool:
    try:
        limits.check_symbolic(text)
    except limits.RefusedInput:
        return True
    return False


@pytest.mark.parametrize("name", sorted(SCANNERS))
def test_every_scanner_takes_steps_linear_in_the_text(name: str) -> None:
    if name == "compiled reader" and not COMPILED_READER:
        pytest.skip("the compiled reader is not built here (no C compiler): its Python twin is pumped above")
    scanner = SCANNERS[name]
    findings = []
    for fragment in scan_pump.FRAGMENTS:
        for suffix in ("", " 7"):
            ratio, small, large = scan_pump.growth(scanner, fragment, suffix)
            if ratio > scan_pump.MAX_RATIO:
                findings.append(f"{fragment!r} + {suffix!r}: {small} -> {large} steps ({ratio:.0f}x)")
    assert not findings, f"{name} grows faster than its input:\n" + "\n".join(findings)


def test_the_step_pump_flags_a_scanner_that_rescans() -> None:
    """The old box finder (a rescan from every opener) is flagged: the pump can fail."""

    def rescanning_boxes(text: str) -> None:
        pos = text.find("\\boxed{")
        while pos >= 0:
            _rescan(text, pos + 6, 8192)
            pos = text.find("\\boxed{", pos + 1)

    ratio, _small, _large = scan_pump.growth(rescanning_boxes, "\\boxed{", small_chars=200)
    assert ratio > scan_pump.MAX_RATIO
    ratio, _small, _large = scan_pump.growth(find_boxes, "\\boxed{")
    assert ratio <= scan_pump.MAX_RATIO
