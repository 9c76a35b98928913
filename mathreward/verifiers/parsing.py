"""parse_answer: a bounded parse of one answer that says what kind of answer it is; curation classifies its gold
answers with it (one definition of "fraction", "radical", "interval", ...).

Numbers, fractions, radicals and multiples of pi are read in-process by the exact reader (no sympy parsing of the
text); shapes (tuples, sets, intervals, matrices, relations), multiple-choice letters and words by the structural
reader; only other expressions go to a guarded worker process (latex2sympy2_extended through math-verify) with a
deadline, and come back pickled by our own worker.
"""

from __future__ import annotations

import base64
import pickle
import re
from dataclasses import dataclass
from fractions import Fraction

from .compare import clean_cached, is_plain_words, numeric_value, structure_cached
from .exact import Refused, Value
from .limits import RefusedInput, check_answer
from .patterns import COMMAND_RE
from .structure import relation_split

__all__ = ["ParsedAnswer", "parse_answer", "value_kind", "KINDS"]

KINDS = (
    "integer",
    "fraction",
    "decimal",
    "radical",
    "pi_multiple",
    "base_numeral",
    "expression",
    "tuple",
    "set",
    "interval",
    "matrix",
    "equation",
    "text",
    "choice",
    "unparseable",
)

_CHOICE_RE = re.compile(r"^\(?([A-E])\)?$")
_BASE_NUMERAL_RE = re.compile(r"^\{?([0-9A-Fa-f]{1,40})\}?_\{?(\d{1,2})\}?$")  # "1011_2", "{43}_{5}"
_LETTER_RE = re.compile(r"[A-Za-z]")
_DECIMAL_WRITTEN_RE = re.compile(r"\d\.\d|(?<![\d.])\.\d|\d[eE][+-]?\d")


@dataclass(frozen=True)
class ParsedAnswer:
    """``kind`` (one of KINDS), ``text`` (the normalised answer) and ``value`` (a Fraction for integer / fraction /
    decimal, a sympy object for other parsed kinds, None when unparsed)."""

    kind: str
    text: str
    value: object | None


def _to_sympy(value: Value):
    import sympy

    total = sympy.Integer(0)
    for (radicand, pi_power), coef in value.terms.items():
        total += sympy.Rational(coef.numerator, coef.denominator) * sympy.sqrt(radicand) * sympy.pi**pi_power
    return total


def value_kind(text: str, value: Value) -> str:
    """The kind of a numeric value as written: integer, fraction, decimal (written with a decimal point or in
    scientific notation), radical ((a + b sqrt(r)) / d), pi_multiple ((a + b pi) / d) or expression (any other
    exact value)."""
    fraction = value.as_fraction()
    if fraction is not None:
        if fraction.denominator == 1:
            return "integer"
        if _DECIMAL_WRITTEN_RE.search(text) and "\\frac" not in text and "/" not in text:
            return "decimal"
        return "fraction"
    radicands = {radicand for radicand, _ in value.terms if radicand != 1}
    pi_powers = {pi_power for _, pi_power in value.terms if pi_power != 0}
    if pi_powers == {1} and not radicands:
        return "pi_multiple"
    if len(radicands) == 1 and not pi_powers:
        return "radical"
    return "expression"


def _numeric_kind(text: str, value: Value, percent: bool) -> ParsedAnswer:
    if percent and value.is_rational():
        fraction = value.as_fraction()
        return ParsedAnswer("decimal", text, fraction / 100 if fraction is not None else None)
    kind = value_kind(text, value)
    if kind in ("integer", "fraction", "decimal"):
        return ParsedAnswer(kind, text, value.as_fraction())
    return ParsedAnswer(kind, text, _to_sympy(value))


def _shape_kind(node: tuple) -> str | None:
    kind = node[0]
    if kind == "set":
        return "set"
    if kind == "list":
        return "tuple"  # a bare list "2, 3": several values, in the order written
    if kind == "seq":
        items = [item[1] for item in node[3] if item[0] == "atom"]
        if (
            node[1] != node[2].translate(str.maketrans(")]", "(["))
            or any("infty" in item for item in items)
            or (node[1] == "[" and len(node[3]) == 2)  # "[0, 1]": a closed interval, "(0, 1)" stays a pair
        ):
            return "interval"
        return "tuple"
    if kind == "union":
        return "interval"
    if kind == "matrix":
        return "matrix"
    if kind == "rel":
        return "equation"
    return None


def classify_symbolic(text: str) -> dict:
    """(In a worker.) Parse ``text`` with math-verify's LaTeX parser; the kind and the pickled sympy value."""
    from .symbolic import parse_symbolic

    parsed = parse_symbolic(text)
    if not parsed:
        return {"kind": "unparseable"}
    value = parsed[0]
    if isinstance(value, str):
        return {"kind": "text"}
    import sympy

    if isinstance(value, sympy.MatrixBase):
        kind = "matrix"
    elif isinstance(value, (sympy.Eq, sympy.core.relational.Relational)):
        kind = "equation"
    elif isinstance(value, sympy.FiniteSet):
        kind = "set"
    elif isinstance(value, (sympy.Interval, sympy.Union)):
        kind = "interval"
    elif isinstance(value, sympy.Tuple):
        kind = "tuple"
    elif isinstance(value, sympy.Integer):
        kind = "integer"
    elif isinstance(value, sympy.Rational):
        kind = "fraction"
    elif isinstance(value, sympy.Float):
        kind = "decimal"
    elif value.has(sympy.zoo, sympy.nan):
        return {"kind": "unparseable"}
    else:
        kind = "expression"
    try:
        payload = base64.b64encode(pickle.dumps(value)).decode()
    except Exception:  # noqa: BLE001 - some sympy objects do not pickle; the kind is still useful
        payload = None
    return {"kind": kind, "value": payload}


def _base_numeral(atom: str) -> ParsedAnswer | None:
    """``1011_2`` (digits in a base): the kind, with the value when every digit fits the base (2 to 16)."""
    match = _BASE_NUMERAL_RE.match(atom.replace(" ", ""))
    if match is None:
        return None
    digits, base = match.group(1), int(match.group(2))
    try:
        value = Fraction(int(digits, base)) if 2 <= base <= 16 else None
    except ValueError:
        value = None  # a digit too large for the base ("29_3")
    return ParsedAnswer("base_numeral", atom, value)


def parse_answer(text: str, *, timeout: float = 2.0, symbolic: bool = True) -> ParsedAnswer:
    """Classify and parse one answer, bounded in size and time; never raises on bad input.

    ``symbolic=False`` never starts a worker process: an answer the in-process readers cannot read is an
    "expression" (no value) when it names a variable or a function, else "unparseable".
    """
    if not isinstance(text, str):
        return ParsedAnswer("unparseable", "", None)
    try:
        check_answer(text)
        cleaned = clean_cached(text)
        check_answer(cleaned)
    except RefusedInput:
        return ParsedAnswer("unparseable", text[:200], None)
    if not cleaned:
        return ParsedAnswer("unparseable", cleaned, None)
    try:
        node = structure_cached(cleaned)
    except RecursionError:
        return ParsedAnswer("unparseable", cleaned, None)
    shape = _shape_kind(node)
    if shape is not None:
        return ParsedAnswer(shape, cleaned, _shape_value(shape, node))
    atom = node[1]
    if _CHOICE_RE.match(atom):
        return ParsedAnswer("choice", cleaned, None)
    base = _base_numeral(atom)
    if base is not None:
        return base
    try:
        number = numeric_value(atom)
    except Refused:
        return ParsedAnswer("unparseable", cleaned, None)
    if number is not None:
        return _numeric_kind(atom, number[0], number[1])
    if is_plain_words(atom):
        return ParsedAnswer("text", cleaned, None)
    if not symbolic:
        if relation_split(cleaned)[1]:
            return ParsedAnswer("equation", cleaned, None)  # "y = 2x + 1" (its prefix was read off as a variable)
        kind = "expression" if _LETTER_RE.search(COMMAND_RE.sub("", atom)) else "unparseable"
        return ParsedAnswer(kind, cleaned, None)
    return _from_worker(cleaned, "expression", timeout)


def _atom_sympy(node: tuple):
    """The sympy value of a numeric atom (exact reader only), +-oo for infinities; None otherwise."""
    import sympy

    if node[0] != "atom":
        return None
    text = node[1].replace(" ", "")
    if text in ("\\infty", "+\\infty", "-\\infty"):
        return -sympy.oo if text.startswith("-") else sympy.oo
    try:
        number = numeric_value(node[1])
    except Refused:
        return None
    return _to_sympy(number[0]) if number is not None and not number[1] else None


def _shape_value(kind: str, node: tuple):
    """A sympy value for tuples, sets, intervals and matrices whose entries are all numbers; else None."""
    import sympy

    try:
        if kind == "matrix":
            rows = [[_atom_sympy(cell) for cell in row] for row in node[1]]
            if all(cell is not None for row in rows for cell in row) and len({len(row) for row in rows}) == 1:
                return sympy.Matrix(rows)
            return None
        if node[0] in ("list", "set"):
            items = [_atom_sympy(item) for item in node[1]]
            if any(item is None for item in items):
                return None
            return sympy.FiniteSet(*items) if node[0] == "set" else sympy.Tuple(*items)
        if node[0] == "seq":
            items = [_atom_sympy(item) for item in node[3]]
            if any(item is None for item in items):
                return None
            if kind == "interval" and len(items) == 2:
                return sympy.Interval(items[0], items[1], left_open=node[1] == "(", right_open=node[2] == ")")
            return sympy.Tuple(*items)
        if node[0] == "union":
            parts = [_shape_value("interval", part) for part in node[1]]
            return sympy.Union(*parts) if all(part is not None for part in parts) else None
    except (TypeError, ValueError):
        return None
    return None


def _from_worker(cleaned: str, fallback_kind: str, timeout: float) -> ParsedAnswer:
    from .guard import default_pool

    result = default_pool().run([{"op": "parse", "text": cleaned}], timeout, workers=1)[0]
    if result.get("status") != "ok":
        return ParsedAnswer("unparseable", cleaned, None)
    info = result.get("result", {})
    kind = info.get("kind", "unparseable")
    value = None
    if info.get("value"):
        value = pickle.loads(base64.b64decode(info["value"]))  # produced by our own worker from a sympy object
        if kind in ("integer", "fraction"):
            value = Fraction(int(value.p), int(value.q))
    return ParsedAnswer(kind if kind in KINDS else fallback_kind, cleaned, value)
