"""Pumping the package's text scanners (brace matching, box finding, ``$`` pairing, turn cutting, the extraction
fallbacks) for super-linear growth, by counting steps instead of time (used by test_verifiers_scanners.py).

A scanner is linear when the work it does grows like its input. ``steps(fn, text)`` counts the Python lines executed
while ``fn(text)`` runs (``sys.settrace``): the count is the same on a quiet and on a loaded machine, so a test built
on it cannot flake. ``growth(fn, fragment)`` builds inputs the way the regex pump does (a fragment repeated: openers
that never close, alternating delimiters, ...) at ``SMALL_CHARS`` and ``GROWTH`` times as many characters, and gives
the ratio of the step counts: about ``GROWTH`` for a linear scanner (less when a fixed cost dominates), ``GROWTH**2``
for one that rescans the rest of the text at every opener. The work of one C call (a ``str.find``, one regex search)
counts as one step: the scanners keep each such call to a bounded window or to text they do not read again, and the
regex pump covers the regular expressions.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

SMALL_CHARS = 1_000
GROWTH = 16
MAX_RATIO = 40.0  # linear: at most 16; n log n: about 22; quadratic: about 256

# Shapes that make a scanner rescan: openers that never close, groups inside groups, delimiters that alternate.
FRAGMENTS = (
    "\\boxed{",
    "\\fbox{a",
    "{\\boxed{",
    "\\boxed{1}{",
    "\\boxed{}",
    "\\boxed 5 ",
    "{",
    "}{",
    "{{}",
    "\\{",
    "$",
    "$5 ",
    "$5 ab ",
    "$a",
    "$$",
    "$x$ $",
    "\\(",
    "\\[x",
    "\\)",
    "\\\\",
    "\\$",
    "<|im_end|>",
    "<|im_start|>assistant\n",
    "<think>",
    "</think>",
    "<answer>",
    "</answer>",
    "Answer:",
    "answer ",
    "**Answer:** ",
    "The answer is ",
    "answer is $",
    "x^{",
    "\\frac{",
    "\\text{",
    "1.",
    "5!",
    ".",
    "1, ",
    "a ",
    "the value is ",
    "(",
)


def steps(fn: Callable[[str], object], text: str) -> int:
    """The number of Python lines executed while ``fn(text)`` runs (every frame, the standard library's too)."""
    count = 0

    def local(_frame, event, _arg):
        nonlocal count
        if event == "line":
            count += 1
        return local

    def start(_frame, _event, _arg):
        return local

    previous = sys.gettrace()
    sys.settrace(start)
    try:
        fn(text)
    finally:
        sys.settrace(previous)
    return count


def pumped(fragment: str, chars: int, suffix: str = "") -> str:
    """``fragment`` repeated to about ``chars`` characters, then ``suffix``."""
    return fragment * max(2, chars // len(fragment)) + suffix


def growth(
    fn: Callable[[str], object], fragment: str, suffix: str = "", small_chars: int = SMALL_CHARS
) -> tuple[float, int, int]:
    """(ratio of the step counts, steps at the small size, steps at the large size) of ``fn`` on ``fragment``
    repeated to ``small_chars`` and to ``GROWTH`` times as many characters."""
    small = steps(fn, pumped(fragment, small_chars, suffix))
    large = steps(fn, pumped(fragment, small_chars * GROWTH, suffix))
    return large / max(1, small), small, large
