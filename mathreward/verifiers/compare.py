"""Structural comparison of a gold answer and a predicted answer.

``compare(gold, pred_candidates, options, symbolic=None)`` walks the two shapes (see ``structure``) and compares
single values with the exact path (``exact``). When a single-value comparison needs symbolic algebra, it either
raises ``NeedsSymbolic`` (``symbolic=None``: the caller sends the pair to a guarded worker process) or calls the
given ``symbolic(gold_text, pred_text, options) -> bool`` (inside that worker). No sympy is imported here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from functools import lru_cache

from . import angles, choices, forms, parameters, set_builder
from .exact import Refused, Unsupported, Value, parse_plain_number, parse_value
from .limits import RefusedInput, check_answer, check_symbolic
from .normalize import DEGREES_MARK, clean, plain_text, strip_units, trig_in_degrees
from .patterns import LONG_WORD_RE, SPACE_THOUSANDS_RE
from .polynomial import never_constant
from .structure import is_thousands_number, parse_structure, relation_split
from .unreadable import symbolic_unreadable

__all__ = [
    "FINAL_REASONS",
    "Options",
    "NeedsSymbolic",
    "Outcome",
    "compare",
    "numeric_value",
    "clean_cached",
    "structure_cached",
]


@dataclass(frozen=True)
class Options:
    """Equivalence options: ``float_rounding`` (decimal places for numeric comparison; None = exact),
    ``percent_as_fraction`` (``50\\%`` also equals ``\\frac12``) and ``rename_variables`` (a prediction written with
    other free variable names, ``f(y)`` for ``f(x)``, is renamed to the gold's first, as math-verify's
    ``strict=False``; off by default: a free variable's name matters)."""

    float_rounding: int | None = None
    percent_as_fraction: bool = False
    rename_variables: bool = False


class NeedsSymbolic(Exception):
    """The exact path cannot decide; the pair needs the symbolic path."""


@dataclass(frozen=True)
class Outcome:
    """The result of a comparison: ``equal`` and a short ``reason`` for Verdict.detail."""

    equal: bool
    reason: str


SymbolicFn = Callable[[str, str, Options], bool]

_DECIMAL_COMMA_RE = re.compile(r"\A[+-]?\d+,\d+")  # \A: whole answers only (fullmatch)
_EURO_RE = re.compile(r"\A[+-]?\d{1,3}(?:\.\d{3})+,\d+")
_CHOICE_RE = re.compile(r"^\(?([A-J])\)?$")
_PRED_CHOICE_RE = re.compile(r"^(?:\(([A-J])\)|([A-J])(?:\)|[.:])?)(?:\s.*)?$", re.DOTALL)
_TEXT_RE = re.compile(r"^[A-Za-z][A-Za-z '\-]*$")
_COMMA_GROUPS_RE = re.compile(r"\d{1,3}(?:,[1-9]\d{2})+")
_COMMA_DECIMAL_GOLD_RE = re.compile(r"\A[+-]?(?:0,\d+|\d+,(?:\d{1,2}|\d{4,}))")


@lru_cache(maxsize=4096)
def clean_cached(text: str) -> str:
    """``normalize.clean`` with a cache (gold answers repeat across a batch)."""
    return clean(text)


@lru_cache(maxsize=4096)
def structure_cached(text: str) -> tuple:
    """``structure.parse_structure`` of a cleaned answer, cached."""
    return parse_structure(text)


@lru_cache(maxsize=8192)
def numeric_value(text: str, decimal_comma: bool = False) -> tuple[Value, bool] | None:
    """Exact value of a single numeric answer and whether it carried a percent sign; None if not numeric.

    Handles units/currency, thousands separators (``1,000``, ``1 000``), ``%``, scientific notation and, when
    ``decimal_comma`` is set, decimal commas (``1000,99``, ``2,74``, ``1.000,5``). Raises ``Refused`` for values
    too large to compute.
    """
    text = text.strip()
    for word in ("per cent", "percent"):
        if text.endswith(word):
            text = text[: -len(word)].rstrip() + "%"
            break
    mixed = forms.mixed_number(text)
    if mixed is not None:
        return Value.rational(mixed), False  # "1 1/2"
    text = strip_units(forms.without_glued_unit(text))
    percent = False
    if text.endswith("%"):
        percent = True
        text = text[:-1].rstrip()
    text = text.replace("\\%", "")
    if not text:
        return None
    if is_thousands_number(text):
        text = text.replace(",", "")
    elif SPACE_THOUSANDS_RE.fullmatch(text):
        text = text.replace(" ", "")
        if decimal_comma:
            text = text.replace(",", ".")
    elif decimal_comma and _EURO_RE.fullmatch(text):
        text = text.replace(".", "").replace(",", ".")
    elif decimal_comma and _DECIMAL_COMMA_RE.fullmatch(text):
        text = text.replace(",", ".")
    number = parse_plain_number(text)
    if number is None and "\\overline" in text:
        number = _repeating_decimal(text)
    if number is not None:
        return Value.rational(number), percent
    if "," in text or not any(ch.isdigit() or ch == "\\" for ch in text):
        return None
    try:
        return parse_value(text), percent
    except Unsupported:
        return None


_REPEATING_RE = re.compile(r"\A([+-]?)(\d*)\.(\d*)\\overline\{(\d{1,50})\}")


def _repeating_decimal(text: str) -> Fraction | None:
    """``0.\\overline{3}`` -> 1/3, ``1.2\\overline{45}`` -> 1.2454545..."""
    match = _REPEATING_RE.fullmatch(text.replace(" ", ""))
    if match is None:
        return None
    sign, whole, fixed, repeat = match.groups()
    value = Fraction(int(whole or "0")) + Fraction(int(fixed or "0"), 10 ** len(fixed))
    value += Fraction(int(repeat), (10 ** len(repeat) - 1) * 10 ** len(fixed))
    return -value if sign == "-" else value


_DECIMAL_LITERAL_RE = re.compile(r"\A[+-]?(\d*)\.(\d+)")
MIN_APPROX_DIGITS = 4  # significant digits a decimal needs to stand for a rational value it rounds
MIN_IRRATIONAL_DIGITS = 15  # ... and for an irrational one (roots, pi): the value as a double prints it


def _decimal_places(text: str) -> tuple[int, int] | None:
    """(decimal places, significant digits) of a plain decimal literal ("2.6667" -> (4, 5)), else None."""
    match = _DECIMAL_LITERAL_RE.fullmatch(text.strip().replace("\u2212", "-"))
    if match is None:
        return None
    digits = (match.group(1) + match.group(2)).lstrip("0")
    return len(match.group(2)), len(digits)


def approximates(exact: Value, decimal_text: str, decimal: Value) -> bool:
    """The default rule for a decimal against an exact value: the decimal is the exact value rounded to the decimal's
    own places (off by at most half a unit in its last place) and has enough significant digits to name it: at
    least ``MIN_APPROX_DIGITS`` for a rational value, ``MIN_IRRATIONAL_DIGITS`` (a double's printout) for an
    irrational one. ``0.0833333333333333`` stands for 1/12, ``2.6667`` for 8/3 and ``4.123105625617661`` for
    ``\\sqrt{17}``; ``0.3`` (1/3), ``3.14`` and ``3.1416`` (pi) do not (``float_rounding`` loosens it)."""
    shape = _decimal_places(decimal_text)
    if shape is None or shape[1] < MIN_APPROX_DIGITS or shape[0] > 30:
        return False
    places = shape[0]
    target = decimal.as_fraction()
    if target is None:
        return False
    half_unit = Fraction(1, 2 * 10**places)
    exact_fraction = exact.as_fraction()
    if exact_fraction is not None:
        return abs(exact_fraction - target) <= half_unit
    if shape[1] < MIN_IRRATIONAL_DIGITS:
        return False
    value = _decimal_value(exact, places + 30)
    if value is None:
        return False
    with localcontext() as context:
        context.prec = places + 40
        written = Decimal(target.numerator) / Decimal(target.denominator)
        return abs(value - written) <= Decimal(1) / Decimal(2 * 10**places)


_PI_DIGITS = "3.14159265358979323846264338327950288419716939937510582097494459230781640628620899862803482534211706798"


def _decimal_value(value: Value, digits: int) -> Decimal | None:
    """``value`` (sums of c sqrt(r) pi^k) to ``digits`` significant digits; None when too large to do that."""
    if digits > 90 or len(value.terms) > 8:
        return None
    with localcontext() as context:
        context.prec = digits + 10
        pi = Decimal(_PI_DIGITS)
        total = Decimal(0)
        for (radicand, pi_power), coef in value.terms.items():
            if abs(pi_power) > 8 or max(coef.numerator.bit_length(), coef.denominator.bit_length()) > 256:
                return None
            term = Decimal(coef.numerator) / Decimal(coef.denominator) * Decimal(radicand).sqrt()
            total += term * pi**pi_power
        return +total


def _approximation(gold_text: str, gold: tuple[Value, bool], pred_text: str, pred: tuple[Value, bool]) -> bool:
    """One side is a decimal that rounds the other side's exact value (see ``approximates``)."""
    if gold[1] != pred[1]:
        return False
    gold_decimal, pred_decimal = _decimal_places(gold_text), _decimal_places(pred_text)
    if pred_decimal is not None and gold_decimal is None:
        return approximates(gold[0], pred_text, pred[0])
    if gold_decimal is not None and pred_decimal is None:
        return approximates(pred[0], gold_text, gold[0])
    return False


def _values_equal(gold: tuple[Value, bool], pred: tuple[Value, bool], options: Options) -> bool:
    gold_values = [gold[0]]
    pred_values = [pred[0]]
    if options.percent_as_fraction:
        hundred = Value.rational(100)
        if gold[1]:
            gold_values.append(gold[0] / hundred)
        if pred[1]:
            pred_values.append(pred[0] / hundred)
    for g in gold_values:
        for p in pred_values:
            if g == p:
                return True
            if options.float_rounding is not None:
                try:
                    if round(g.to_float(), options.float_rounding) == round(p.to_float(), options.float_rounding):
                        return True
                except (OverflowError, ValueError):
                    pass
    return False


def _choice(text: str) -> str | None:
    match = _CHOICE_RE.match(text)
    return match.group(1) if match else None


def _pred_choice(text: str) -> str | None:
    match = _PRED_CHOICE_RE.match(text)
    if match is None:
        return None
    return match.group(1) or match.group(2)


def is_plain_words(text: str) -> bool:
    """A plain-word answer ("Evelyn", "no solution"), not an expression like ``xy`` or ``2\\pi``."""
    return bool(_TEXT_RE.match(text)) and bool(LONG_WORD_RE.search(text))


_INNER_SPACE_RE = re.compile(r"(?<![\d.,])\s+|\s+(?![\d.,])")
_SINGLE_BRACE_RE = re.compile(r"\{(\w)\}")


def _squash(text: str) -> str:
    """Whitespace-free spelling for a text comparison; spaces between two digits are kept ("3 4" is not 34)."""
    text = _SINGLE_BRACE_RE.sub(r"\1", _INNER_SPACE_RE.sub("", text))
    return text.replace("+\\infty", "\\infty")


def _compare_atoms(gold: str, pred: str, options: Options, symbolic: SymbolicFn | None) -> bool:
    if gold == pred or _squash(gold) == _squash(pred):
        return True
    gold_choice = _choice(gold)
    if gold_choice is not None:
        pred_choice = _pred_choice(pred)
        if pred_choice is not None:
            return pred_choice == gold_choice
    gold_number = numeric_value(gold)
    pred_number = numeric_value(pred, True)
    if gold_number is not None and pred_number is not None:
        return _values_equal(gold_number, pred_number, options) or _approximation(gold, gold_number, pred, pred_number)
    gold_text, pred_text = is_plain_words(gold), is_plain_words(pred)
    if gold_text or pred_text:
        if gold_text and pred_text:
            return plain_text(gold) == plain_text(pred)
        if (gold_number is not None and pred_text) or (pred_number is not None and gold_text):
            return False
    if gold_choice is not None:
        return False
    if symbolic is None:
        raise NeedsSymbolic
    return symbolic(gold, pred, options)


def _tri(fn: Callable[[], bool]) -> bool | None:
    """Run a comparison; None when it needs the symbolic path."""
    try:
        return fn()
    except NeedsSymbolic:
        return None


def _all_pairs(golds: tuple, preds: tuple, options: Options, symbolic: SymbolicFn | None) -> bool:
    """Element-wise comparison (ordered): equal only if every pair is equal."""
    if len(golds) != len(preds):
        return False
    undecided = False
    for g, p in zip(golds, preds, strict=True):
        result = _tri(lambda g=g, p=p: _compare_nodes(g, p, options, symbolic))
        if result is False:
            return False
        undecided |= result is None
    if undecided:
        raise NeedsSymbolic
    return True


def _same_set(golds: tuple, preds: tuple, options: Options, symbolic: SymbolicFn | None) -> bool:
    """Order-free comparison: every gold item has an equal predicted item and vice versa."""
    if len(golds) > 64 or len(preds) > 64:
        return False
    table = [[_tri(lambda g=g, p=p: _compare_nodes(g, p, options, symbolic)) for p in preds] for g in golds]
    row_states = [True if True in row else (None if None in row else False) for row in table]
    column_states = [
        True if any(row[j] is True for row in table) else (None if any(row[j] is None for row in table) else False)
        for j in range(len(preds))
    ]
    states = row_states + column_states
    if False in states:
        return False
    if None in states:
        raise NeedsSymbolic
    return True


_COLLECTIONS = ("list", "set")


def _compare_nodes(gold: tuple, pred: tuple, options: Options, symbolic: SymbolicFn | None) -> bool:
    gk, pk = gold[0], pred[0]
    if gk == "atom" and pk == "atom":
        return _compare_atoms(gold[1], pred[1], options, symbolic)
    if gk == "list" and pk == "atom":
        # a gold that spells one value twice ("\\boxed{x+11} or \\boxed{11+x}"): right when it equals every item
        return _all_pairs(gold[1], tuple(pred for _ in gold[1]), options, symbolic)
    if pk == "list" and gk not in _COLLECTIONS and gk != "seq":
        # several answers against one: right only if every one of them is right (hedging is wrong)
        return _all_pairs(tuple(gold for _ in pred[1]), pred[1], options, symbolic)
    if gk in _COLLECTIONS and pk in _COLLECTIONS:
        return _same_set(gold[1], pred[1], options, symbolic)
    if gk == "union" and pk == "union":
        return _same_set(gold[1], pred[1], options, symbolic)
    if gk == "seq" and pk == "seq":
        return gold[1] == pred[1] and gold[2] == pred[2] and _all_pairs(gold[3], pred[3], options, symbolic)
    if gk == "seq" and pk == "list":
        return _all_pairs(gold[3], pred[1], options, symbolic)
    if gk == "list" and pk == "seq" and pred[1] == "(":
        return _all_pairs(gold[1], pred[3], options, symbolic)
    if (gk == "matrix" and pk == "atom" and "\\begin" in pred[1]) or (
        pk == "matrix" and gk == "atom" and "\\begin" in gold[1]
    ):
        # an expression of matrices ("A + B", "I I") against a matrix: compared by value on the symbolic path
        if symbolic is None:
            raise NeedsSymbolic
        return False
    if {gk, pk} == {"matrix", "seq"}:
        # a row or column vector against a list: \begin{matrix}\frac12\\1\end{matrix} = [0.5, 1]
        matrix, seq = (gold, pred) if gk == "matrix" else (pred, gold)
        cells = _vector_cells(matrix)
        if cells is None or len(cells) != len(seq[3]) or seq[1] + seq[2] not in ("()", "[]"):
            return False
        if gk == "seq" and seq[1] == "[" and len(cells) == 2:
            return False  # a gold "[a, b]" may be an interval
        pairs = (cells, seq[3]) if gk == "matrix" else (seq[3], cells)
        return _all_pairs(pairs[0], pairs[1], options, symbolic)
    if gk == "matrix" and pk == "matrix":
        if len(gold[1]) != len(pred[1]):
            return False
        return _all_pairs(
            tuple(("seq", "[", "]", row) for row in gold[1]),
            tuple(("seq", "[", "]", row) for row in pred[1]),
            options,
            symbolic,
        )
    if gk == "atom" and pk == "rel" and set(pred[2]) == {"="} and pred[1][-1][0] == "atom":
        # a worked chain ending in the value: "\pi r^2 = 9\pi" against 9\pi
        return _compare_nodes(gold, pred[1][-1], options, symbolic)
    if gk == "rel" and pk == "rel":
        if gold[2] == pred[2] and len(gold[1]) == len(pred[1]):
            result = _tri(lambda: _all_pairs(gold[1], pred[1], options, symbolic))
            if result:
                return True
        if gold[2] == ("=",) and pred[2] == ("=",):
            result = _tri(lambda: _all_pairs(gold[1], pred[1][::-1], options, symbolic))
            if result:
                return True
        if symbolic is None:
            raise NeedsSymbolic
        return False
    if gk in ("rel", "union") or pk in ("rel", "union"):
        # x > 2 against (2, \infty) and the like: only the symbolic path can tell
        if symbolic is None:
            raise NeedsSymbolic
        return False
    return False


def _vector_cells(matrix: tuple) -> tuple | None:
    """The entries of a matrix with one row or one column (two entries or more), else None."""
    rows = matrix[1]
    if len(rows) == 1 and len(rows[0]) > 1:
        return rows[0]
    if len(rows) > 1 and all(len(row) == 1 for row in rows):
        return tuple(row[0] for row in rows)
    return None


@lru_cache(maxsize=4096)
def _plain_gold(gold: str):
    return parse_plain_number(gold.strip())


def _plain_pair(gold: str, pred: str) -> Outcome | None:
    if len(pred) > 100:
        return None
    gold_number = _plain_gold(gold)
    if gold_number is None:
        return None
    pred_number = parse_plain_number(pred.strip().replace("\u2212", "-"))
    if pred_number is None:
        return None
    return Outcome(True, "numeric") if gold_number == pred_number else Outcome(False, "numeric mismatch")


def _same_angle_units(gold: str, preds: list[str]) -> tuple[str, list[str]]:
    """When one side writes trig arguments in degrees (``\\cos 58^\\circ``), read the other side's bare numeric
    arguments (``\\cos58``) in degrees too."""
    gold_degrees = DEGREES_MARK in gold
    if gold_degrees and not any(DEGREES_MARK in pred for pred in preds):
        return gold, [trig_in_degrees(pred) for pred in preds]
    if not gold_degrees and any(DEGREES_MARK in pred for pred in preds):
        return trig_in_degrees(gold), preds
    return gold, preds


def _is_number(text: str) -> bool:
    try:
        return numeric_value(text) is not None
    except (Refused, RefusedInput):
        return False


def _written_forms(text: str) -> str:
    """The rewrites both sides get: brace-less arguments braced, an ordinal or a list of labelled / counted values
    read as the value(s)."""
    return forms.labelled_values(forms.ordinal_value(forms.braced_arguments(text)))


@lru_cache(maxsize=4096)
def _gold_form(gold: str) -> str:
    gold = set_builder.as_intervals(forms.without_approximation(forms.stated_value(_written_forms(gold))))
    return forms.without_remark(gold, _is_number)


@lru_cache(maxsize=8192)
def _pred_form(pred: str) -> str:
    pred = forms.without_approximation(forms.stated_value(_written_forms(pred)), _near_enough)
    return set_builder.as_intervals(pred)


_LETTERS_RE = re.compile(r"[A-Za-z]")
_COMMAND_RE = re.compile(r"\\(?:d?frac|sqrt|pi|cdot|times|div|left|right)(?![A-Za-z])")


def _constant(text: str) -> Value | None:
    """The exact value of a side that is a plain constant (no variable, unit or angle mark), else None."""
    if "circ" in text or "°" in text or "$" in text or _LETTERS_RE.search(_COMMAND_RE.sub("", text)) is not None:
        return None
    try:
        found = numeric_value(text)
    except (Refused, RefusedInput):
        return None
    if found is None:
        return None
    value, percent = found
    return value / Value.rational(100) if percent else value


def _near_enough(exact_text: str, decimal_text: str) -> bool:
    """Whether ``decimal_text`` can stand for the value of ``exact_text``: equal, or a decimal within one unit of its
    last place (rounded or cut); a side whose value is unknown here agrees."""
    exact, decimal = _constant(exact_text), _constant(decimal_text)
    if exact is None or decimal is None or exact == decimal:
        return True
    places = _decimal_places(decimal_text)
    target, value = decimal.as_fraction(), exact.as_fraction()
    if places is None or target is None:
        return False
    if value is None:
        try:
            return abs(exact.to_float() - float(target)) < 10.0 ** -places[0]
        except (OverflowError, ValueError):
            return True
    return abs(value - target) < Fraction(1, 10 ** places[0])


def _false_approximation(text: str) -> bool:
    """``42 \\approx 43``, ``\\frac12 \\approx \\frac22``: constants joined by ``\\approx`` that no rounding
    relates."""
    if "\\approx" not in text or len(text) > 400:
        return False
    sides = [side.strip() for side in text.split("\\approx")]
    if len(sides) > 4 or any(_constant(side) is None for side in sides):
        return False
    return any(not (_near_enough(a, b) or _near_enough(b, a)) for a, b in zip(sides, sides[1:], strict=False))


def false_equation(node: tuple) -> bool:
    """Whether a parsed answer is a chain of ``=`` between constants whose sides differ (``41 = 42``, ``2 + 3 = 6``);
    a decimal side may round the others (``\\frac{1}{3} = 0.3333``). A chain with a variable (``x = 5``,
    ``x = 5+5+1 = 11``) is an answer read by its last side, as the peer checkers read it."""
    if node[0] != "rel" or any(op != "=" for op in node[2]) or any(side[0] != "atom" for side in node[1]):
        return False
    sides = [(side[1], _constant(side[1])) for side in node[1]]
    if any(value is None for _text, value in sides):
        return False  # a side with a variable: a worked chain, read by its last side (x = 5+5+1 = 11)
    return any(
        value != other and not (_near_enough(text, other_text) or _near_enough(other_text, text))
        for (text, value), (other_text, other) in zip(sides, sides[1:], strict=False)
    )


def _equivalent_forms(gold: str, preds: list[str], options: Options) -> tuple[str, list[str]]:
    """Cleaned answers rewritten into the forms the structural comparison reads: set-builder notation as intervals,
    a remark after the gold's value dropped, a long text answer as the value it states, a general solution's free
    parameter named as in the gold (see ``set_builder``, ``forms``, ``parameters``)."""
    gold = _gold_form(gold)
    preds = [_pred_form(pred) for pred in preds]
    if len(preds) == 1 and "(" in gold and "=" in gold:
        gold, pred = parameters.constant_case(*parameters.align_function_variables(gold, preds[0]))
        preds = [pred]
    if len(preds) == 1 and parameters.may_apply(gold, preds[0]):
        gold, pred = parameters.align_parameters(gold, preds[0])
        preds = [pred]
    if len(preds) == 1 and options.rename_variables:
        preds = [parameters.rename_free_variables(gold, preds[0])]
    return gold, preds


ANOTHER_VARIABLE = "another variable"
SEVERAL_ANSWERS = "several answers"
FINAL_REASONS = (SEVERAL_ANSWERS, ANOTHER_VARIABLE)  # outcomes no whole-answer symbolic check may overturn


def equation_sides(text: str) -> tuple[str, str] | None:
    """The two sides of an answer that is one equation (``y = 2x + 3``), else None."""
    parts, ops = relation_split(clean_cached(text))
    if ops != ["="] or not all(parts) or "," in text:
        return None
    return parts[0], parts[1]


def _never_equal(gold: str, gold_node: tuple, pred: str, pred_node: tuple) -> bool:
    """A constant gold against a single answer no constant equals (``polynomial.never_constant``) or that the symbolic
    path reads nothing in (``unreadable.symbolic_unreadable``: prose cut after ``\\[``, prose with a period): the
    symbolic path would answer "value mismatch" (it parses both sides, finds them unequal or the answer unreadable,
    and an equation on each side, which it could rearrange, is not there)."""
    if gold_node[0] != "atom" or pred_node[0] != "atom" or _constant(gold_node[1]) is None:
        return False
    if not (never_constant(pred_node[1]) or symbolic_unreadable(pred_node[1])):
        return False
    if equation_sides(gold) is not None and equation_sides(pred) is not None:
        return False
    try:
        check_symbolic(gold_node[1])  # what the symbolic path refuses stays its verdict ("error")
        check_symbolic(pred_node[1])
    except RefusedInput:
        return False
    return True


def compare(
    gold: str,
    preds: tuple[str, ...] | list[str] | str,
    options: Options = Options(),
    symbolic: SymbolicFn | None = None,
) -> Outcome:
    """Compare a gold answer with a predicted answer (or several candidates of one response).

    Raises ``NeedsSymbolic`` when ``symbolic`` is None and the exact path cannot decide, ``RefusedInput``/``Refused``
    for answers too large to handle.
    """
    if isinstance(preds, str):
        preds = (preds,)
    given = (gold, tuple(preds))  # as the symbolic path's equation check reads them
    if len(preds) == 1 and preds[0] is not None:
        quick = _plain_pair(gold, preds[0])  # "34" vs "034": no clean-up, no parsing
        if quick is not None:
            return quick
    for text in preds:
        check_answer(text)
    check_answer(gold)
    gold, preds = angles.align_angle_units(gold, tuple(text for text in preds if text is not None))
    gold_clean = clean_cached(gold)
    pred_cleans = [clean_cached(text) for text in preds if text is not None]
    pred_cleans = [text for text in pred_cleans if text]
    gold_clean, pred_cleans = _same_angle_units(gold_clean, pred_cleans)
    if not pred_cleans:
        return Outcome(False, "empty answer")
    if len(pred_cleans) == 1 and _squash(pred_cleans[0]) == _squash(gold_clean):
        return Outcome(True, "same text")
    decided = choices.decide(gold_clean, pred_cleans) or forms.base_numerals(gold_clean, pred_cleans)
    if decided is not None:
        return Outcome(*decided)
    forms_of = _equivalent_forms(gold_clean, pred_cleans, options)
    if forms_of != (gold_clean, pred_cleans):
        gold_clean, pred_cleans = forms_of
        if len(pred_cleans) == 1 and _squash(pred_cleans[0]) == _squash(gold_clean):
            return Outcome(True, "same text")
    if len(pred_cleans) == 1 and not options.rename_variables:
        gold_variable, pred_variable = parameters.named_variable(gold_clean), parameters.named_variable(pred_cleans[0])
        if gold_variable and pred_variable and gold_variable != pred_variable:
            # "-2 \le y \le 7" against "x \in [-2, 7]": the same interval, but of another variable
            return Outcome(False, f"{ANOTHER_VARIABLE} ({pred_variable} for {gold_variable})")
    if len(pred_cleans) == 1 and _COMMA_DECIMAL_GOLD_RE.fullmatch(gold_clean):
        pred_number = parse_plain_number(pred_cleans[0])
        if pred_number is not None and "." in pred_cleans[0]:
            # "1,22" against "1.22": a gold written with a decimal comma (it cannot be thousands: not 3 digits)
            equal = parse_plain_number(gold_clean.replace(",", ".")) == pred_number
            return Outcome(equal, "numeric (decimal comma)" if equal else "numeric mismatch")
    gold_node = structure_cached(gold_clean)
    if gold_node[0] == "atom" and len(pred_cleans) == 1:
        gold_number = numeric_value(gold_node[1])
        if gold_number is not None:
            pred_number = numeric_value(pred_cleans[0], True)
            if pred_number is not None:
                if forms.unit_powers_differ(gold_node[1], pred_cleans[0]):
                    return Outcome(False, "numeric mismatch (cm^2 is not cm^3)")
                if _values_equal(gold_number, pred_number, options):
                    return Outcome(True, "numeric")
                if _approximation(gold_node[1], gold_number, pred_cleans[0], pred_number):
                    return Outcome(True, "numeric (decimal rounds the exact value)")
                return Outcome(False, "numeric mismatch")
    if len(pred_cleans) == 1:
        pred_node = structure_cached(pred_cleans[0])
    else:
        items: list[tuple] = []
        for text in pred_cleans:
            node = structure_cached(text)
            items.extend(node[1] if node[0] == "list" else (node,))
        pred_node = ("list", tuple(items))
    if pred_node[0] == "list" and _COMMA_GROUPS_RE.fullmatch(gold_clean):
        # "45,135" is 45135 or the list 45, 135 ("enter the angles separated by commas"): a list of exactly those
        # groups matches too; a group with a leading zero ("1,024") can only be a thousands group
        gold_list = ("list", tuple(("atom", group) for group in gold_clean.split(",")))
        if _tri(lambda: _compare_nodes(gold_list, pred_node, options, symbolic)):
            return Outcome(True, "list match (comma-grouped gold read as a list)")
    if false_equation(pred_node) or any(_false_approximation(text) for text in pred_cleans):
        return Outcome(False, "false equation: its sides differ")
    hedged = pred_node[0] == "list" and gold_node[0] not in _COLLECTIONS and gold_node[0] != "seq"
    try:
        equal = _compare_nodes(gold_node, pred_node, options, symbolic)
    except NeedsSymbolic:
        if not (len(given[1]) == 1 and _never_equal(given[0], gold_node, given[1][0], pred_node)):
            raise
        equal = False  # what the symbolic path answers: no constant equals such a text
    if hedged and not equal:
        return Outcome(False, f"{SEVERAL_ANSWERS} ({len(pred_node[1])}) for a single-valued gold")
    kind = gold_node[0] if gold_node[0] != "atom" else "value"
    return Outcome(equal, f"{kind} {'match' if equal else 'mismatch'}")


def is_numeric_gold(gold: str) -> Fraction | None:
    """The exact rational value of a gold answer when it is a plain number (exact-path check), else None."""
    try:
        node = structure_cached(clean_cached(gold))
    except RefusedInput:
        return None
    if node[0] != "atom":
        return None
    try:
        value = numeric_value(node[1])
    except Refused:
        return None
    return value[0].as_fraction() if value is not None else None


__all__ += ["is_numeric_gold", "equation_sides", "Refused", "RefusedInput"]
