"""A fast lane for the commonest verifications: a response that ends in ``Answer: <number>`` or ``\\boxed{<number>}``,
where the number is a plain integer, a plain decimal or a simple fraction (``-7``, ``34.0``, ``3/4``,
``\\frac{3}{4}``), against a gold of the same kind.

``fast_verdicts(responses, golds, style, options)`` gives, for each row, the exact ``Verdict`` the full path
(``extraction.extract`` + ``compare.compare``) would give, or None when the row is not one of the shapes below; the
caller then runs the full path for that row. The lane only answers when it is sure, so it bails out on anything
unusual: chat-template tokens other than a turn's end (``Answer: 34<|im_end|>`` is cut by
``turns.strip_end_of_turn``, the full path's own rules), a ``<think>`` that never closes, ``<answer>`` tags, HTML,
doubled backslashes, a second box, a number the full path reads another way (``+``, ``-0``, more than 18 digits,
non-ASCII digits), a trailing period, markdown around the keyword other than bold, or a response longer than the
extraction tail. A closed ``<think>...</think>`` block is cut off the way ``turns.answer_region`` does, and other
``<`` (an inequality in the reasoning) are read as text. Earlier answer lines (``Answer: 33`` then ``Answer: 34``)
do not matter: the last line is the last marker. Integers with leading zeros (``034``) or thousands separators
(``1,234``) against an integer gold, under the default options, are compared as integers: ``compare`` reads both
sides so and gives two integers' reasons (``tests/test_score_fast_lane.py`` pins it row by row); against any other
gold they go through the full path's own comparison (``verdict.exact_check``).

Shapes answered (the final line of the answer region, then only spaces, tabs and newlines):

- styles ``dapo``, ``auto``, ``strict``: ``Answer: <number>`` (or ``**Answer:** <number>``) as the last line, the only
  marker of the region (path ``answer_line``; a box before it does not count in auto and strict: the later wins);
- styles ``boxed``, ``auto``, ``strict``: ``\\boxed{<number>}`` (optionally closed by ``$``, ``$$``, ``\\]`` or ``\\)``
  and a period) as the only box of the region, with no ``Answer:`` marker anywhere (path ``boxed``);
- style ``dapo`` with no "answer" (any case) anywhere, styles ``boxed`` with no box anywhere and ``strict`` with
  neither: ``no_answer``.

Two integers are compared as integers (the reasons "numeric" / "numeric mismatch" are taken from ``compare`` itself,
once); anything with a decimal or a fraction goes through ``verdict.exact_check`` (the full path's own comparison,
cached).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import astuple
from functools import lru_cache

from . import choices
from .commitment import answer_stands_read, plain_review, visible_text
from .compare import Options, clean_cached, compare
from .extraction import (
    PATH_ANSWER_LINE,
    PATH_BOXED,
    PATH_LAST_NUMBER,
    PATH_MATH_SPAN,
    PATH_NONE,
    TAIL_CHARS,
    plain_fallback_in_python,
    plain_reading,
    repair_matrix_rows,
)
from .languages import MARKER_WORDS
from .turns import strip_end_of_turn
from .verdict import Verdict, exact_check, gold_text, no_answer

__all__ = ["LaneRow", "disabled", "fast_row", "fast_rows", "fast_verdict", "fast_verdicts"]

_state = {"enabled": True}
MAX_COMPARED_CHARS = 64  # a fallback answer the lane compares by exact_check is at most this long
# ... or this long when it is prose cut after a display opener (its one backslash: ``by. \\[``, ``so. \\[ x^``), which
# the exact path decides (``unreadable.cut_after_display_opener``) in about the time of a short answer
MAX_OPENER_CUT_CHARS = 256

_INT = r"-?[1-9][0-9]{0,17}|0"  # canonical ASCII integers only
_POS = r"[1-9][0-9]{0,17}"
_DECIMAL = r"-?(?:[1-9][0-9]{0,17}|0)\.[0-9]{1,18}"  # "34.0", "-0.75": one leading digit group, digits after the point
_NUMBER = (
    r"(?:" + _INT + r"|" + _DECIMAL + r"|-?" + _POS + r"/" + _POS + r"|-?\\d?frac\{" + _POS + r"\}\{" + _POS + r"\})"
)
# Integers spelled another way, which the full path reads as the same value: leading zeros ("034"), thousands
# separators ("1,234"). The lane compares them with an integer gold as integers, else by ``exact_check``.
_LOOSE_INT = r"-?0[0-9]{1,17}|-?[1-9][0-9]{0,2}(?:,[0-9]{3}){1,5}"
_INT_RE = re.compile(r"(?:" + _INT + r")")
_LOOSE_INT_RE = re.compile(_LOOSE_INT)
# What the fallback finds in a rollout cut in its reasoning, against an integer gold (``_formula_row``):
# an equation, "40 \\times 27 = 1080" or "x^2 - 5x + 6 = 0" (also the start of a display, "\\[ x^2 - 5x + 6 = 0 \\");
# an operation of two integers, "40 \\times 27"; or a formula cut before it could be a constant, "\\[ x^2 - 5x +",
# "40 \\times", "40 \\ti", "40 \\times 27 =".
_SMALL = r"(?:[1-9][0-9]{0,8}|0)"
_OPERATOR = r"\\times|\\cdot|\+|-"
_X_TERM = r"(?:[1-9][0-9]{0,8})?x(?:\^[2-9])?"
_POLYNOMIAL = r"-?" + _X_TERM + r"(?: [+-] (?:" + _X_TERM + r"|[1-9][0-9]{0,8}))*"
_FORMULA_RE = re.compile(
    r"(?:(?P<left>" + _SMALL + r") (?P<operator>" + _OPERATOR + r") (?P<right>" + _SMALL + r")"
    r"|(?:\\\[ )?" + _POLYNOMIAL + r") = (?P<value>-?[1-9][0-9]{0,17}|0)(?: \\)?"
    r"|(?P<first>" + _SMALL + r") (?P<operation>" + _OPERATOR + r") (?P<second>" + _SMALL + r")"
    r"|(?P<cut>(?:\\\[ )?(?:-?x(?:\^[2-9]?)?|" + _POLYNOMIAL + r"(?: [+-])?)(?: =)?"
    r"|" + _SMALL + r" \\t(?:i(?:m(?:es?)?)?)?|" + _SMALL + r" \\times " + _SMALL + r" =)"
)
_DANGLING = ("+", "-", "=", "^", "\\t", "\\ti", "\\tim", "\\time", "\\times")  # a formula cut there is no constant
_OPERATIONS = {
    "\\times": lambda a, b: a * b,
    "\\cdot": lambda a, b: a * b,
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
}
_NUMBER_RE = re.compile(_NUMBER)
# the whole last line: "Answer: 34", "**Answer:** 34", "**Answer**: 34"
_LINE_RE = re.compile(r"(?:Answer:|\*\*Answer(?::\*\*|\*\*:))[ \t]*(" + _NUMBER + r"|" + _LOOSE_INT + r")\Z")
_BOX_RE = re.compile(r"\\boxed\{(" + _NUMBER + r")\}(?:\$\$?|\\\]|\\\))?\.?\Z")  # the end of the last line
_BOX_WINDOW = 80  # a box shape ends within this many characters of the end
# what may follow "answer" to make it an "Answer:" marker (generously; control characters read as spaces there)
_COLON_RE = re.compile(r"(?<![*_ \t\x00-\x08\x0b-\x1f\x7f-\x9f])[*_ \t\x00-\x08\x0b-\x1f\x7f-\x9f]*[:：]")
_LINE_STYLES = frozenset({"dapo", "auto", "strict"})
_BOX_STYLES = frozenset({"boxed", "auto", "strict"})
# What follows "<" in a chat-template token (turns.strip_end_of_turn drops or cuts at them): the lane leaves those
_TOKEN_TAILS = ("|", "｜", "s>", "/s>", "pad>", "eos>", "end_of_turn>", "start_of_turn>")
_THINK_OPEN = "<think>"
_OTHER_LABELS = tuple(word for word in MARKER_WORDS if word != "answer")  # "答" covers "答案"
_THINK_CLOSE = "</think>"
_DOUBLE_BACKSLASH_RE = re.compile(r"\\\\")  # a compiled search reads a long text about twice as fast as `in` here
_DEFAULT_OPTIONS = Options()


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


def _no_marker(text: str) -> bool:
    """Whether the text holds no "Answer:" marker at all."""
    if "：" not in text and ":" not in text:
        return True
    low = text.lower()
    return not _other_label(low) and _markers(low, len(text) + 8) == 0


def _other_label(low: str) -> bool:
    """Whether ``low`` (lower-cased text) holds an answer label in another language (``答案``, ``Antwort``, ...):
    those rows go to the full path, which reads them."""
    return any(word in low for word in _OTHER_LABELS)


def _region(response: str) -> str | None:
    """The answer region of a response as ``turns.answer_region`` finds it, when that is simple: the text after a
    closed ``</think>`` (or the whole text); None when chat tokens, an unclosed think, ``<answer>`` tags or doubled backslashes make it anything else."""
    if _DOUBLE_BACKSLASH_RE.search(response) is not None:
        return None  # turns.halve_backslashes may rewrite the text
    pos = response.find("<")
    if pos < 0:
        return response
    response = strip_end_of_turn(response)  # chat-template tokens: the full path's own rules, in one place
    pos = response.find("<")
    while pos >= 0:
        after = response[pos + 1 : pos + 16]
        if after.startswith(_TOKEN_TAILS) or after[:6].lower() == "answer" or after[:7].lower() == "/answer":
            return None
        if (after[:1].isalpha() and not after.startswith("think>")) or after.startswith("!--"):
            return None  # an HTML tag or comment (it may hide text: commitment.visible_text decides)
        pos = response.find("<", pos + 1)
    close = response.rfind(_THINK_CLOSE)
    if close >= 0 and close > response.rfind(_THINK_OPEN):
        return response[close + len(_THINK_CLOSE) :]
    return None if _THINK_OPEN in response else response


LaneRow = tuple[bool, str | None, str, str]  # a Verdict's fields in order: correct, pred, status, detail
_NO_ANSWER_ROW: LaneRow = astuple(no_answer(PATH_NONE))


def fast_verdict(response: object, gold: object, style: str, options: Options | None = None) -> Verdict | None:
    """The full path's ``Verdict`` for one row when it has a fast-lane shape, else None (see the module doc).
    ``options``: the equivalence options (None: the defaults)."""
    row = fast_row(response, gold, style, options)
    return None if row is None else Verdict(*row)


def fast_row(response: object, gold: object, style: str, options: Options | None = None) -> LaneRow | None:
    """``fast_verdict``'s answer as a plain tuple of the Verdict's fields (no object per row: the columns of
    `mathreward score` are built from these), or None where the full path must decide."""
    if type(response) is not str or type(gold) is not str or len(response) > TAIL_CHARS:
        return None
    region = _region(response)
    if region is None:
        return _fallback_row(response, gold, options) if style == "auto" else None
    text = region.rstrip(" \t\n")
    line_start = text.rfind("\n") + 1
    if style in _LINE_STYLES:
        match = _LINE_RE.match(text, line_start)
        if match is not None:
            # the last line is the last marker: earlier answer lines and boxes do not count (the last wins)
            return _verdict(match.group(1), gold, PATH_ANSWER_LINE, options)
    if style in _BOX_STYLES:
        match = _BOX_RE.search(text, max(line_start, len(text) - _BOX_WINDOW))
        if match is not None:
            if region.count("\\boxed") != 1 or "\\fbox" in region or not _no_marker(region):
                return None
            return _verdict(match.group(1), gold, PATH_BOXED, options)
    if not text:
        return None  # an empty region: the full path says so its own way
    if style == "dapo" and "答案" not in region and "answer" not in region.lower():
        return _NO_ANSWER_ROW  # no "Answer" anywhere: no answer line
    if style in ("boxed", "strict") and "\\boxed" not in region and "\\fbox" not in region:
        if style == "boxed" or _no_marker(region):
            return _NO_ANSWER_ROW  # no box anywhere (and for strict no marker either)
    if style == "auto":
        return _fallback_row(response, gold, options)
    return None


def _fallback_row(response: str, gold: str, options: Options | None) -> LaneRow | None:
    """The full path's verdict for a response without an answer marker or box, read by the auto fallback: the
    answer ``extraction.plain_fallback`` finds, which ``commitment.plain_review`` says stands as it is, when it is a
    plain number (compared as ``_verdict`` compares them), against an integer gold under the default options a
    formula of ``_FORMULA_RE``, else an answer of at most ``MAX_COMPARED_CHARS`` (``MAX_OPENER_CUT_CHARS`` for prose cut
    after ``\\[``) by the full path's own comparison (``verdict.exact_check``: so short a text, or such prose, compares
    in well under a millisecond); no answer at all against a gold that names no choice. None for anything else: the
    full path decides, under its deadline. The commonest such rows (the last math span, or the final sentence's
    trailing expression, of a plain text) are read by the compiled reader when the package has it
    (``extraction.plain_reading``: the same reading and the review's first steps, in one call)."""
    reading = plain_reading(response)
    if reading is not None:
        if reading[3] >= 0 and not answer_stands_read(response, *reading[3:]):
            return None
        path = PATH_LAST_NUMBER if reading[2] else PATH_MATH_SPAN
        return _answer_row(response[reading[0] : reading[1]], gold, path, options)
    if visible_text(response) is not response:
        return None  # hidden text may go: the full path decides
    found = plain_fallback_in_python(response)
    if found is None:
        return None
    pred = found.answer
    if pred is None:
        return _NO_ANSWER_ROW if _no_choice(gold) else None  # a choice gold: the full path reads a letter
    if not plain_review(response, found):
        return None
    return _answer_row(pred, gold, found.path, options)


def _answer_row(pred: str, gold: str, path: str, options: Options | None) -> LaneRow | None:
    """The verdict of the fallback's answer ``pred`` (found on ``path``, reviewed) against ``gold``, as
    ``_fallback_row`` says; None where the full path decides."""
    if _NUMBER_RE.fullmatch(pred):
        return _verdict(pred, gold, path, options)
    if options is None and _INT_RE.fullmatch(gold):
        decided = _formula_row(pred, int(gold), path)
        if decided is not None:
            return decided
    gold_answer = gold_text(gold)
    if not gold_answer or len(pred) > _compared_chars(pred):
        return None
    checked = exact_check((repair_matrix_rows(pred),), gold_answer, options or _DEFAULT_OPTIONS)
    if checked is None:
        return None  # the symbolic path decides (the full path finds this comparison in exact_check's cache)
    status, reason = checked
    return (status == "correct", pred, status, f"path={path}; {reason}")


def _compared_chars(pred: str) -> int:
    """The longest fallback answer of this kind the lane compares: ``MAX_OPENER_CUT_CHARS`` for prose whose one
    backslash opens a display (cut after it), else ``MAX_COMPARED_CHARS``."""
    return MAX_OPENER_CUT_CHARS if pred.count("\\") == 1 and "\\[" in pred else MAX_COMPARED_CHARS


@lru_cache(maxsize=4096)
def _no_choice(gold: str) -> bool:
    """Whether the gold names no multiple-choice letter (then a response without an answer has none: the full path
    reads a choice letter only for such a gold)."""
    try:
        return choices.gold_choice(clean_cached(gold_text(gold))) is None
    except Exception:  # noqa: BLE001 - a gold the clean-up refuses: the full path decides
        return False


def _formula_row(pred: str, gold: int, path: str) -> LaneRow | None:
    """The verdict of a formula of ``_FORMULA_RE`` against an integer gold, None for any other answer: an equation
    ``a OP b = c`` whose sides differ is wrong whatever the gold, else it and a polynomial equal to ``c`` are read by
    their last side (right when ``c`` equals the gold); ``a OP b`` is compared by its value; a formula cut before it
    could be a constant equals no constant. The reasons are ``compare``'s own (``_formula_detail``)."""
    match = _FORMULA_RE.fullmatch(pred)
    if match is None:
        return None
    cut = match.group("cut")
    if cut is not None:
        if not cut.endswith(_DANGLING) and not _has_variable_term(cut.removeprefix("\\[ ")):
            return None  # a polynomial whose terms cancel ("x - x") is a constant: the full path decides
        return (False, pred, "wrong", _formula_detail(path, "cut", False))
    value = match.group("value")
    if value is None:
        first, second = int(match.group("first")), int(match.group("second"))
        equal = _OPERATIONS[match.group("operation")](first, second) == gold
        return (equal, pred, "correct" if equal else "wrong", _formula_detail(path, "value", equal))
    left, operator = match.group("left"), match.group("operator")
    if operator is not None and _OPERATIONS[operator](int(left), int(match.group("right"))) != int(value):
        return (False, pred, "wrong", _formula_detail(path, "false", False))
    equal = int(value) == gold
    return (equal, pred, "correct" if equal else "wrong", _formula_detail(path, "side", equal))


def _has_variable_term(polynomial: str) -> bool:
    """Whether a polynomial of ``_POLYNOMIAL`` keeps a term of positive degree once its like terms are added (then
    no constant equals it, as ``polynomial.never_constant`` finds on the full path)."""
    coefficients: dict[str, int] = {}
    sign = 1
    for token in polynomial.split(" "):
        if token in ("+", "-"):
            sign = 1 if token == "+" else -1
            continue
        if token.startswith("-"):
            sign, token = -sign, token[1:]
        coefficient, variable, power = token.partition("x")
        if variable:
            coefficients[power] = coefficients.get(power, 0) + sign * int(coefficient or "1")
    return any(coefficients.values())


@lru_cache(maxsize=32)
def _formula_detail(path: str, kind: str, equal: bool) -> str:
    """The detail of a formula of each kind of ``_formula_row`` found on ``path``, with the reason ``compare`` gives
    against the gold 5 for one of that kind: an equation read by its last side (equal or not), one whose sides
    differ ("false"), an operation (equal or not: "value"), a cut one."""
    pred = {
        ("side", True): "2 + 3 = 5",
        ("side", False): "2 + 4 = 6",
        ("false", False): "2 + 3 = 6",
        ("value", True): "2 + 3",
        ("value", False): "2 + 4",
        ("cut", False): "2 \\times",
    }[kind, equal]
    return f"path={path}; {compare('5', (pred,)).reason}"


def _verdict(pred: str, gold: str, path: str, options: Options | None) -> LaneRow | None:
    """The verdict of a plain number ``pred`` (a match of ``_NUMBER``) against ``gold`` (None unless the gold is a
    plain number too). Two integers are compared here; anything else by ``_exact_verdict``."""
    if gold.isdigit() and gold.isascii() and len(gold) <= 18 and (gold[0] != "0" or len(gold) == 1):
        text, gold_is_int = gold, True  # a canonical integer gold (what _gold_number says of it, without its cache)
    else:
        number = _gold_number(gold)
        if number is None:
            return None
        text, gold_is_int = number
    digits = pred[1:] if pred[:1] == "-" else pred
    if gold_is_int and digits.isdigit() and (digits[0] != "0" or pred == "0"):
        # a canonical integer (of the number shapes only an integer is all digits; "034" is not canonical)
        equal = int(pred) == int(text)
        return (equal, pred, "correct" if equal else "wrong", _int_detail(path, equal))
    if gold_is_int and options is None and _LOOSE_INT_RE.fullmatch(pred):
        # "034" or "1,234" against an integer, under the default options: compare reads both sides as integers
        # (a leading zero in its first step, plain numbers; thousands groups as a numeric value) and gives two
        # integers' reasons, "numeric" or "numeric mismatch"
        equal = int(pred.replace(",", "")) == int(text)
        return (equal, pred, "correct" if equal else "wrong", _int_detail(path, equal))
    return _exact_verdict(pred, text, path, options)


@lru_cache(maxsize=4096)
def _gold_number(gold: str) -> tuple[str, bool] | None:
    """The text of a plain-number gold and whether it is an integer; None for any other gold."""
    text = gold if _INT_RE.fullmatch(gold) else gold_text(gold)
    if not _NUMBER_RE.fullmatch(text):
        return None
    return text, _INT_RE.fullmatch(text) is not None


@lru_cache(maxsize=16)
def _int_detail(path: str, equal: bool) -> str:
    """The detail of two integers compared on ``path``: the reason ``compare`` gives, after the path."""
    return f"path={path}; {_reason(equal)}"


@lru_cache(maxsize=65536)
def _exact_verdict(pred: str, gold_number: str, path: str, options: Options | None) -> LaneRow | None:
    """The Verdict of ``pred`` against a plain-number gold where either is a decimal or a fraction: the full path's
    own comparison (``verdict.exact_check``), cached."""
    checked = exact_check((pred,), gold_number, options or _DEFAULT_OPTIONS)
    if checked is None:
        return None
    status, reason = checked
    return (status == "correct", pred, status, f"path={path}; {reason}")


def fast_verdicts(
    responses: Sequence[object], golds: Sequence[object], style: str, options: Options = _DEFAULT_OPTIONS
) -> list[Verdict | None]:
    """One entry per row: the fast lane's ``Verdict``, or None where the full path must decide."""
    if not _state["enabled"] or (style not in _LINE_STYLES and style not in _BOX_STYLES):
        return [None] * len(responses)
    return [None if row is None else Verdict(*row) for row in fast_rows(responses, golds, style, options)]


def fast_rows(
    responses: Sequence[object], golds: Sequence[object], style: str, options: Options = _DEFAULT_OPTIONS
) -> list[LaneRow | None]:
    """``fast_verdicts`` as plain tuples (see ``fast_row``): one entry per row, None where the full path must decide."""
    if not _state["enabled"] or (style not in _LINE_STYLES and style not in _BOX_STYLES):
        return [None] * len(responses)
    key = None if options == _DEFAULT_OPTIONS else options  # the defaults: a cheaper cache key
    return [fast_row(response, gold, style, key) for response, gold in zip(responses, golds, strict=True)]


@contextmanager
def disabled() -> Iterator[None]:
    """Run ``verify_batch`` without the fast lane inside the block (the bench and tests compare both paths)."""
    before = _state["enabled"]
    _state["enabled"] = False
    try:
        yield
    finally:
        _state["enabled"] = before
