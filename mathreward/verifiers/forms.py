"""Numbers written with words or remarks around them, read as the number.

- ``mixed_number``: ``1 1/2`` is 3/2 (a whole number, a space, a proper fraction); ``11/2`` stays 11/2.
- ``without_glued_unit``: ``10weeks`` is 10 (a known unit or counted word written against the number, see
  ``normalize.UNIT_WORDS``); ``2xy`` keeps its letters.
- ``without_remark`` (gold answers only): ``17 any text`` (from ``17\\text{ any text}``) and ``\\frac{737}{39}
  (about 18.9 cards)`` are the leading number, when the rest is a remark: plain words, or a parenthesised remark
  with a word in it; never a connector (``5 or 6``, ``2 and 3``) or a condition (``4 if n is even``).
- ``without_approximation``: an exact value followed by its approximation (``\\frac{737}{39} \\approx 18.9``) is
  the exact value; the approximation must be a plain decimal.
- ``base_numerals``: ``1101_4`` against ``1101_5`` is wrong (the subscript is the base, not a decoration);
  ``unit_powers_differ``: ``440 cm^2`` against ``440 cm^3`` is wrong (an area is not a volume).
- ``ordinal_value``: ``7^{th}``, ``12th``, ``the 20th day`` are the number; ``12^{t}`` stays a power.
- ``labelled_values``: ``2 large boxes and 6 small crates`` and ``Minimum: -2, Maximum: 9`` are the tuples
  ``(2, 6)`` and ``(-2, 9)``.
- ``braced_arguments``: ``\\frac{x+1}y`` is ``\\frac{x+1}{y}`` (one-character arguments get their braces).
- ``stated_value``: a long text answer that ends in its value (``\\text{... and the requested sum is }505``) is that
  value, when at least two words of prose (not LaTeX commands) come before the last "is"/"are"/"equals" and hold
  no negation.

All work on cleaned answers (``normalize.clean``); string methods and anchored regexes with bounded repetition only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction

from .braces import find_closing
from .normalize import is_unit_word
from .patterns import COMMAND_RE, LONG_WORD_RE

__all__ = [
    "mixed_number",
    "without_glued_unit",
    "without_remark",
    "stated_value",
    "without_approximation",
    "base_numerals",
    "unit_powers_differ",
    "ordinal_value",
    "labelled_values",
    "braced_arguments",
]

_MIXED_RE = re.compile(r"([+-]?)(\d{1,15}) (\d{1,15})/(\d{1,15})")
_GLUED_RE = re.compile(r"([+-]?\d[\d,]{0,30}(?:\.\d{1,30})?)([A-Za-z]{3,30})\.?")
_NOT_REMARKS = frozenset(
    """or and if when where for unless otherwise plus minus times to than per with at is are less more fewer greater
    smaller larger percent of by""".split()
)
_NEGATION_RE = re.compile(r"n't\b|\b(?:not|no|never|cannot|except)\b", re.IGNORECASE)
_COPULA_RE = re.compile(r"\b(?:is|are|equals?|was|were|becomes?)\b")
_MAX_TEXT = 600


def mixed_number(text: str) -> Fraction | None:
    """``1 1/2`` -> 3/2, ``-2 3/4`` -> -11/4; None unless ``text`` is a whole number and a proper fraction."""
    match = _MIXED_RE.fullmatch(text)
    if match is None:
        return None
    sign, whole, numerator, denominator = match.groups()
    num, den = int(numerator), int(denominator)
    if den <= 1 or num == 0 or num >= den:
        return None
    value = int(whole) + Fraction(num, den)
    return -value if sign == "-" else value


def without_glued_unit(text: str) -> str:
    """``10weeks`` -> ``10``; any other text comes back unchanged."""
    match = _GLUED_RE.fullmatch(text)
    if match is None or not is_unit_word(match.group(2)):
        return text
    return match.group(1)


def without_remark(gold: str, is_value: Callable[[str], bool]) -> str:
    """The leading value of a gold written as value + remark (see the module docstring), else ``gold`` itself."""
    if len(gold) > _MAX_TEXT or " " not in gold:
        return gold
    position = gold.find(" ")
    while position > 0:
        head, tail = gold[:position].strip(), gold[position + 1 :].strip()
        if tail and _is_remark(tail) and is_value(head):
            return head
        position = gold.find(" ", position + 1)
    return gold


def _is_remark(tail: str) -> bool:
    if tail[0] == "(":
        return tail[-1] == ")" and LONG_WORD_RE.search(tail) is not None and "\\cup" not in tail and "," not in tail
    words = tail.replace(".", " ").split()
    if not words or words[0].lower() in _NOT_REMARKS:
        return False
    if not all(word.isalpha() and word.isascii() and len(word) >= 2 for word in words):
        return False  # "1 less than n": a one-letter word is a variable
    return not any(word.lower() in _NOT_REMARKS for word in words) and any(len(word) >= 3 for word in words)


def stated_value(text: str) -> str:
    """The value a long text answer states at its end ("the requested sum is 505" -> "505"), else ``text``."""
    if len(text) > _MAX_TEXT:
        return text
    prose = COMMAND_RE.sub(" ", text)
    if len(LONG_WORD_RE.findall(prose)) < 3:
        return text
    verb = None
    for verb in _COPULA_RE.finditer(text):  # noqa: B007 - the last one is wanted
        pass
    if verb is None:
        return text
    before, value = text[: verb.start()], text[verb.end() :].strip()
    if len(LONG_WORD_RE.findall(COMMAND_RE.sub(" ", before))) < 2 or _NEGATION_RE.search(before) or not value:
        return text
    if LONG_WORD_RE.search(COMMAND_RE.sub(" ", value)):
        return text  # more prose after the verb: not a value
    return value


_APPROX_TAIL_RE = re.compile(r"[ ]?\\approx ?[-+]?\d{1,30}(?:\.\d{1,30})?(?: ?\\ldots| ?\.\.\.)?$")


def without_approximation(text: str, agrees: Callable[[str, str], bool] | None = None) -> str:
    """``\\frac{737}{39} \\approx 18.9`` -> ``\\frac{737}{39}``; any other text comes back unchanged.

    ``agrees(exact, decimal)``, when given, must accept the pair: an approximation that is not one (``42 \\approx
    43``) is a second answer, not a remark, and the text stays whole."""
    if "\\approx" not in text or len(text) > _MAX_TEXT:
        return text
    match = _APPROX_TAIL_RE.search(text)
    if match is None or match.start() == 0 or "\\approx" in text[: match.start()]:
        return text
    head = text[: match.start()].strip()
    if not any(char.isdigit() for char in head) or head.count("{") != head.count("}"):
        return text  # "x \\approx 11" names the variable, not an exact value
    decimal = text[match.start() :].strip().removeprefix("\\approx").strip().removesuffix("\\ldots").rstrip(". ")
    if agrees is not None and not agrees(head, decimal):
        return text
    return head


_BASE_RE = re.compile(r"\{?([-+]?[0-9A-Za-z.]{1,40})\}?_\{?(\d{1,2})\}?")
_UNIT_POWER_RE = re.compile(r"[A-Za-z}] ?\^[ {]{0,3}([23])[ }]{0,3}$")


def base_numerals(gold: str, preds: list[str]) -> tuple[bool, str] | None:
    """(equal, reason) when the gold and the one predicted answer are both numerals with a base subscript, else None:
    equal only with the same digits in the same base."""
    if len(preds) != 1 or "_" not in gold or "_" not in preds[0]:
        return None
    gold_match, pred_match = _BASE_RE.fullmatch(gold.replace(" ", "")), _BASE_RE.fullmatch(preds[0].replace(" ", ""))
    if gold_match is None or pred_match is None:
        return None
    same = gold_match.group(1).lower() == pred_match.group(1).lower() and int(gold_match.group(2)) == int(
        pred_match.group(2)
    )
    return same, "base numeral match" if same else "base numeral mismatch"


def unit_powers_differ(gold: str, pred: str) -> bool:
    """Whether both answers end in a unit raised to a power (``cm^2``, ``{units}^3``) and the powers differ."""
    if "^" not in gold or "^" not in pred:
        return False
    gold_power, pred_power = _UNIT_POWER_RE.search(gold), _UNIT_POWER_RE.search(pred)
    return gold_power is not None and pred_power is not None and gold_power.group(1) != pred_power.group(1)


# ------------------------------------------------------------------------------------------------- issue 30 forms

_ORDINAL_RE = re.compile(
    r"(?:the )?([+-]?\d{1,15}) ?(?:\^ ?\{ ?(?:st|nd|rd|th) ?\}|\^(?:st|nd|rd|th)|(?:st|nd|rd|th))(?![A-Za-z])"
    r"(?: [A-Za-z]{2,20}){0,2}"
)


def ordinal_value(text: str) -> str:
    """``7^{th}`` (from ``7^{\\text{th}}``), ``12th``, ``the 20th day`` -> the number; ``12^{t}`` and any other text
    come back unchanged (only an ordinal suffix makes the exponent a word)."""
    if len(text) > 60 or not ("th" in text or "st" in text or "nd" in text or "rd" in text):
        return text
    match = _ORDINAL_RE.fullmatch(text.strip())
    return match.group(1) if match is not None else text


_COUNTED_RE = re.compile(
    r"([+-]?\d{1,15}(?:\.\d{1,15})?) (?:[A-Za-z][A-Za-z'-]{0,20})(?: [A-Za-z][A-Za-z'-]{0,20}){0,3}"
)
_COUNT_HINT_RE = re.compile(r"\d [A-Za-z]{2}")
_LABELLED_RE = re.compile(r"[A-Za-z][A-Za-z ]{0,30}: ?([+-]?[^:,;]{1,60})")


def labelled_values(text: str) -> str:
    """Several values each written with words: ``2 large boxes and 6 small crates`` -> ``(2, 6)``, ``Minimum: -2,
    Maximum: 9`` -> ``(-2, 9)`` (a tuple: the order written is kept, so swapped labels do not match); any other text
    comes back unchanged (every part must be one of those shapes)."""
    if len(text) > _MAX_TEXT or (":" not in text and _COUNT_HINT_RE.search(text) is None):
        return text
    pieces = [piece.strip() for chunk in text.split(" and ") for piece in chunk.split(",")]
    pieces = [piece for piece in pieces if piece]
    if len(pieces) < 2:
        return text
    values = []
    for piece in pieces:
        match = _COUNTED_RE.fullmatch(piece) or _LABELLED_RE.fullmatch(piece)
        if match is None:
            return text
        words = COMMAND_RE.sub(" ", piece[: match.start(1)] + piece[match.end(1) :])
        if any(word.lower() in _NOT_REMARKS for word in words.replace(":", " ").split()):
            return text  # "5 or 6", "4 if n is even": not a label
        values.append(match.group(1).strip())
    return "(" + ", ".join(values) + ")"  # in the order written: a list gold is matched item by item


_NEEDS_BRACES_RE = re.compile(r"\\(?:frac|sqrt) ?[0-9A-Za-z]|\\frac ?\{[^{}]{0,80}\} ?[0-9A-Za-z]")
_BRACELESS_COMMAND_RE = re.compile(r"\\(?:frac|sqrt)(?![A-Za-z])")


def braced_arguments(text: str) -> str:
    """``\\frac{x+1}y`` -> ``\\frac{x+1}{y}``, ``\\frac12`` -> ``\\frac{1}{2}``, ``\\sqrt3`` -> ``\\sqrt{3}``: a one-character
    argument (a digit or a letter) written without braces gets them; one linear pass."""
    if len(text) > _MAX_TEXT or _NEEDS_BRACES_RE.search(text) is None:
        return text
    pieces = []
    pos = 0
    for match in _BRACELESS_COMMAND_RE.finditer(text):
        if match.start() < pos:
            continue
        pieces.append(text[pos : match.end()])
        pos = match.end()
        for _argument in range(2 if match.group() == "\\frac" else 1):
            while pos < len(text) and text[pos] == " ":
                pos += 1
            if pos >= len(text):
                break
            if text[pos] == "{":
                close = find_closing(text, pos)
                if close < 0:
                    break
                pieces.append(text[pos : close + 1])
                pos = close + 1
            elif text[pos] == "[" and match.group() == "\\sqrt":
                break  # \sqrt[3]{x}: left as written
            elif text[pos].isalnum():
                pieces.append("{" + text[pos] + "}")
                pos += 1
            else:
                break
    pieces.append(text[pos:])
    return "".join(pieces)
