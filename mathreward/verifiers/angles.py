"""Angles across units: a degree measure on one side, a multiple of pi on the other.

``120^\\circ`` and ``\\frac{2\\pi}{3}`` are the same angle. When exactly one side of a comparison writes degree
measures (``120^\\circ``, ``120°``, ``120\\degree``, ``120 degrees``) and the other side writes pi and no degree mark,
each degree measure N becomes ``\\frac{N\\pi}{180}``, and the exact comparison decides (``120^\\circ`` is not
``\\frac{\\pi}{3}``). A bare ``120`` is never read as degrees, and two sides that both carry degree marks are compared
as numbers, as before. Pure string work on raw answers (at most ``limits.MAX_ANSWER_CHARS``), one linear regex.
"""

from __future__ import annotations

import re

__all__ = ["align_angle_units", "has_degree_measure"]

# a number, then a degree mark; bounded repeats only, so the scan stays linear
_DEGREE_MEASURE_RE = re.compile(
    r"(?<![\w.])([-+]?\d{1,12}(?:\.\d{1,12})?)[ \t]{0,3}"
    r"(?:\^[ \t{]{0,4}\\circ[ \t}]{0,4}|°|\\degree(?![A-Za-z])|\\textdegree(?![A-Za-z])|degrees?\b)"
)
_PI_RE = re.compile(r"\\pi(?![A-Za-z])|π")


def has_degree_measure(text: str) -> bool:
    """Whether ``text`` writes a number with a degree mark."""
    return _DEGREE_MEASURE_RE.search(text) is not None


def _in_radians(text: str) -> str:
    return _DEGREE_MEASURE_RE.sub(lambda m: f"\\frac{{{m.group(1)}\\pi}}{{180}}", text)


def align_angle_units(gold: str, preds: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """Rewrite the degree side of a degrees-against-pi pair in radians; any other pair comes back unchanged."""
    joined = gold + "".join(preds)
    if "circ" not in joined and "°" not in joined and "degree" not in joined:
        return gold, preds
    gold_degrees = has_degree_measure(gold)
    pred_degrees = [has_degree_measure(pred) for pred in preds]
    if gold_degrees and not any(pred_degrees):
        if all(_PI_RE.search(pred) for pred in preds) and not _PI_RE.search(gold):
            return _in_radians(gold), preds
    elif not gold_degrees and all(pred_degrees):
        if _PI_RE.search(gold) and not any(_PI_RE.search(pred) for pred in preds):
            return gold, tuple(_in_radians(pred) for pred in preds)
    return gold, preds
