"""Gold-answer handling for curation: clean a dataset's answer text, classify it (with the verifiers' parser,
``verifiers.parsing.parse_answer``), and parse numeric forms exactly.

The parser here is a small recursive-descent reader for the arithmetic subset of LaTeX that integer rewrites need
(integers, decimals, ``\\frac``, ``\\sqrt``, ``\\pi``, powers with small integer exponents, brackets, implicit
products). It builds sympy numbers directly from tokens — never ``sympify``/``eval`` — and every input is bounded
(length, digits, exponent size), so a hostile or huge answer is refused rather than computed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from mathreward.verifiers.parsing import KINDS as VERIFIER_KINDS
from mathreward.verifiers.parsing import parse_answer
from mathreward.verifiers.structure import strip_variable_prefix

MAX_ANSWER_CHARS = 200
MAX_NUMBER_DIGITS = 40
MAX_EXPONENT = 64
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)

_SPACING = re.compile(r"\\[,;:! ]|\\quad|\\qquad|~|\\displaystyle|\\left|\\right|\\mathrm|\\rm")
_UNIT_TEXT = re.compile(r"\\(?:text|textbf|mbox|mathrm)\s*\{([^{}]*)\}")  # the group is stripped by its reader
_DEGREES = re.compile(r"\^\s*(?:\{\s*)?\\circ\s*\}?|°|\\degree")
_THOUSANDS = re.compile(r"^-?\d{1,3}(?:(?:,|\{,\})\d{3})+(?:\.\d+)?$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(?:\d+\.\d*|\.\d+)$")
_BASE = re.compile(r"^\{?(\d+)\}?_\{?(\d{1,2})\}?$")
_CHOICE = re.compile(r"^\(?([A-E])\)?$")
_MIXED = re.compile(r"^(-?)(\d+)\s*\\frac\{(\d+)\}\{(\d+)\}$")
_UNIT_WORDS = re.compile(  # (?<!\s): a match starts where its spaces start, so a space run is scanned once
    r"(?<!\s)\s*(?:units?|square units|sq\.? ?units|cm|m|km|mm|inches|inch|in|feet|foot|ft|yards?|miles?|meters?|"
    r"centimeters?|degrees?|dollars?|cents?|hours?|minutes?|seconds?|days?|weeks?|years?|mph|pounds?|ounces?|"
    r"gallons?|liters?|square feet|square inches|square meters|square centimeters|cubic feet|cubic inches|"
    r"cubic units|cubic centimeters|cm\^2|m\^2|cm\^3|ft\^2|in\^2|sq ft|people|students|ways|times)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CleanAnswer:
    """An answer after cosmetic clean-up: the text and which decorations were removed."""

    text: str
    removed: tuple[str, ...]


def clean_answer(raw: str) -> CleanAnswer:
    """Strip display decorations that do not change the value: $, \\boxed, spacing, units, degrees, %, \\$, commas."""
    text = raw.strip()
    removed: list[str] = []
    for _ in range(3):
        inner = _unwrap(text)
        if inner == text:
            break
        text = inner
    text = text.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("−", "-")
    text = _SPACING.sub("", text).strip()
    if _DEGREES.search(text):
        text = _DEGREES.sub("", text).strip()
        removed.append("degrees")
    if "\\%" in text or text.endswith("%"):
        text = text.replace("\\%", "").rstrip("%").strip()
        removed.append("percent")
    if text.startswith("\\$") or text.startswith("$"):
        text = text.lstrip("\\$").strip()
        removed.append("dollar")
    match = _UNIT_TEXT.search(text)
    if match and text[: match.start()].strip() and not text[match.end() :].strip():
        unit = match.group(1).strip()
        if unit and not re.search(r"\d", unit):
            text = text[: match.start()].strip()
            removed.append("unit")
    stripped = _UNIT_WORDS.sub("", text)
    if stripped != text and stripped.strip() and re.search(r"\d$|\}$", stripped.strip()):
        text = stripped.strip()
        removed.append("unit")
    if "\\approx" in text and text.split("\\approx")[0].strip():
        text = text.split("\\approx")[0].strip()
        removed.append("approximation")
    if _THOUSANDS.match(text):
        text = text.replace("{,}", "").replace(",", "")
        removed.append("thousands")
    elif re.search(r"\d(?:,|\{,\})\d{3}(?!\d)", text) and not re.match(r"^[\[({]|^\\\{", text):
        candidate = re.sub(r"(?<=\d)(?:,|\{,\})(?=\d{3}(?!\d))", "", text)
        if "," not in candidate:
            text = candidate
            removed.append("thousands")
    return CleanAnswer(text=text.strip(), removed=tuple(removed))


def _unwrap(text: str) -> str:
    text = text.strip()
    for opener, closer in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if text.startswith(opener) and text.endswith(closer) and len(text) > len(opener) + len(closer) - 1:
            return text[len(opener) : len(text) - len(closer)].strip()
    for command in ("\\boxed", "\\fbox"):
        if (
            text.startswith(command + "{")
            and text.endswith("}")
            and _matching_brace(text, len(command)) == len(text) - 1
        ):
            return text[len(command) + 1 : -1].strip()
    if text.startswith("{") and _matching_brace(text, 0) == len(text) - 1:
        return text[1:-1].strip()
    return text


def _matching_brace(text: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def last_boxed(text: str) -> str | None:
    """Content of the last ``\\boxed{...}``/``\\fbox{...}`` in ``text`` with balanced braces (``\\boxed 5`` too)."""
    best = None
    for match in re.finditer(r"\\(?:boxed|fbox)\s*(\{)?", text):
        if match.group(1):
            end = _matching_brace(text, match.end() - 1)
            if end < 0:
                continue
            best = text[match.end() : end]
        else:
            rest = re.match(r"\s*([^\s$]+)", text[match.end() :])
            if rest:
                best = rest.group(1)
    return best.strip() if best is not None else None


# ---------------------------------------------------------------------------------------------------------------
# Exact parser for the arithmetic subset
# ---------------------------------------------------------------------------------------------------------------


class NotNumeric(ValueError):
    """The text is not a closed arithmetic expression this parser accepts (variables, text, lists, ...)."""


_TOKEN = re.compile(r"\s*(\d+\.\d*|\.\d+|\d+|\\[a-zA-Z]+|[a-zA-Z]|\S)")
_COMMANDS_IGNORED = {"\\left", "\\right", "\\displaystyle"}


def _tokenize(text: str) -> list[str]:
    tokens = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            break
        token = match.group(1)
        pos = match.end()
        if token in _COMMANDS_IGNORED:
            continue
        tokens.append(token)
    return tokens


class _Parser:
    """Recursive descent over tokens; values are sympy numbers built from integers, sqrt and pi only."""

    def __init__(self, text: str):
        import sympy

        self.sp = sympy
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise NotNumeric(f"expected {expected!r}, got {token!r}")
        self.pos += 1
        return token

    def parse(self):
        value = self.expr()
        if self.peek() is not None:
            raise NotNumeric(f"unexpected {self.peek()!r}")
        return value

    def expr(self):
        value = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            rhs = self.term()
            value = value + rhs if op == "+" else value - rhs
        return value

    def term(self):
        value = self.unary()
        while True:
            token = self.peek()
            if token in ("*", "\\cdot", "\\times"):
                self.take()
                value = value * self.unary()
            elif token in ("/", "\\div"):
                self.take()
                divisor = self.unary()
                if divisor == 0:
                    raise NotNumeric("division by zero")
                value = value / divisor
            elif token is not None and (token in ("(", "{", "\\frac", "\\sqrt", "\\pi") or token[0].isdigit()):
                value = value * self.power()
            else:
                return value

    def unary(self):
        if self.peek() == "-":
            self.take()
            return -self.unary()
        if self.peek() == "+":
            self.take()
            return self.unary()
        return self.power()

    def power(self):
        base = self.primary()
        if self.peek() == "^":
            self.take()
            exponent = self.argument()
            if not exponent.is_Integer or abs(int(exponent)) > MAX_EXPONENT:
                raise NotNumeric("exponent too large or not an integer")
            if base == 0 and exponent < 0:
                raise NotNumeric("division by zero")
            if isinstance(base, self.sp.Rational) and abs(base.p) > 10**6:
                raise NotNumeric("power too large")
            return base**exponent
        return base

    def argument(self):
        """A command argument: a braced group, or a single digit / token (``\\frac12``, ``\\sqrt3``)."""
        token = self.peek()
        if token == "{":
            self.take()
            value = self.expr()
            self.take("}")
            return value
        if token is not None and token[0].isdigit() and "." not in token:
            self.take()
            if len(token) > 1:
                self.tokens.insert(self.pos, token[1:])
            return self.sp.Integer(int(token[0]))
        return self.primary()

    def primary(self):
        sp = self.sp
        token = self.peek()
        if token is None:
            raise NotNumeric("unexpected end")
        if token[0].isdigit() or token[0] == ".":
            self.take()
            if len(token) > MAX_NUMBER_DIGITS:
                raise NotNumeric("number too long")
            return sp.Rational(Fraction(token)) if "." in token else sp.Integer(int(token))
        if token in ("(", "{", "["):
            closer = {"(": ")", "{": "}", "[": "]"}[token]
            self.take()
            value = self.expr()
            self.take(closer)
            return value
        if token == "\\frac":
            self.take()
            numerator = self.argument()
            denominator = self.argument()
            if denominator == 0:
                raise NotNumeric("division by zero")
            return numerator / denominator
        if token == "\\sqrt":
            self.take()
            if self.peek() == "[":
                raise NotNumeric("higher roots are not handled")
            radicand = self.argument()
            if not radicand.is_Rational or radicand < 0 or abs(radicand.p) > 10**9 or radicand.q > 10**9:
                raise NotNumeric("radicand not a small non-negative rational")
            return sp.sqrt(radicand)
        if token == "\\pi":
            self.take()
            return sp.pi
        raise NotNumeric(f"unsupported token {token!r}")


def parse_number(text: str):
    """Parse an arithmetic LaTeX answer into an exact sympy number; raise NotNumeric if it is not one."""
    if len(text) > MAX_ANSWER_CHARS:
        raise NotNumeric("answer too long")
    mixed = _MIXED.match(text)
    if mixed:
        import sympy

        sign = -1 if mixed.group(1) else 1
        whole, num, den = (int(mixed.group(i)) for i in (2, 3, 4))
        if den == 0:
            raise NotNumeric("division by zero")
        return sympy.Rational(sign * (whole * den + num), den)
    return _Parser(text).parse()


# ---------------------------------------------------------------------------------------------------------------
# Decomposition into (a + b*U) / d
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decomposition:
    """value = (a + b * U) / d with integers a, b, d > 0 and gcd(a, b, d) = 1; U is 1, sqrt(radicand) or pi."""

    a: int
    b: int
    d: int
    unit: str  # "one" | "sqrt" | "pi"
    radicand: int = 1


def decompose(value) -> Decomposition | None:
    """Write an exact sympy number as (a + b*U)/d with one irrational unit, or return None."""
    import math

    import sympy

    value = sympy.expand(value)
    if value.is_Rational:
        return Decomposition(a=int(value.p), b=0, d=int(value.q), unit="one")
    coefficients = value.as_coefficients_dict()
    constant = Fraction(0)  # exact rationals; sympy's Rational(0) is typed as possibly nan / zoo
    unit_term = None
    unit_coefficient = Fraction(0)
    for term, coefficient in coefficients.items():
        if not coefficient.is_Rational:
            return None
        if term == 1:
            constant += Fraction(int(coefficient.p), int(coefficient.q))
            continue
        if unit_term is not None and term != unit_term:
            return None
        if term == sympy.pi:
            unit_term = term
        elif term.is_Pow and term.exp == sympy.Rational(1, 2) and term.base.is_Integer and term.base > 1:
            unit_term = term
        else:
            return None
        unit_coefficient += Fraction(int(coefficient.p), int(coefficient.q))
    if unit_term is None or unit_coefficient == 0:
        return Decomposition(a=constant.numerator, b=0, d=constant.denominator, unit="one")
    d = math.lcm(constant.denominator, unit_coefficient.denominator)
    a = int(constant * d)
    b = int(unit_coefficient * d)
    if unit_term == sympy.pi:
        return Decomposition(a=a, b=b, d=d, unit="pi")
    return Decomposition(a=a, b=b, d=d, unit="sqrt", radicand=int(unit_term.base))


# ---------------------------------------------------------------------------------------------------------------
# Classification
# ---------------------------------------------------------------------------------------------------------------

# The kinds are the verifiers' (``verifiers.parsing.KINDS``), plus "empty" for a missing gold answer.
KINDS = (*VERIFIER_KINDS, "empty")
NUMERIC_VALUE_KINDS = frozenset({"integer", "fraction", "decimal", "radical", "pi_multiple", "expression"})
_BASE_DIGITS = re.compile(r"^\{?(\d+)\}?_\{?(\d{1,2})\}?$")


@dataclass(frozen=True)
class Classified:
    """Answer class plus what the transformation step needs (plain data, picklable)."""

    kind: str
    text: str  # cleaned answer text
    integer: int | None = None  # for kind integer
    decomposition: Decomposition | None = None  # for numeric kinds
    base: tuple[str, int] | None = None  # (digits, base) for base numerals
    detail: str = ""


def classify(raw: str) -> Classified:
    """Classify a gold answer (dataset text) into one of KINDS with the verifiers' parser, after removing the
    decorations the integer rewrite ignores (``clean_answer``); numeric kinds also get their (a + b*U)/d form.

    A numeric value that has no such form (``\\sqrt2+\\sqrt3``, ``\\frac{3\\sqrt3}{\\pi}``) is an "expression".
    """
    if raw is None or not str(raw).strip():
        return Classified(kind="empty", text="")
    if len(raw) > 4 * MAX_ANSWER_CHARS:
        return Classified(kind="unparseable", text=raw[:80], detail="answer too long")
    text = clean_answer(str(raw)).text
    parsed = parse_answer(text, symbolic=False)
    kind = parsed.kind
    if kind == "base_numeral":
        digits = _BASE_DIGITS.match(text.replace(" ", ""))
        base = (digits.group(1), int(digits.group(2))) if digits else None
        return Classified(kind=kind, text=text, base=base)
    if kind not in NUMERIC_VALUE_KINDS or parsed.value is None:
        return Classified(kind=kind, text=text)
    import sympy

    value = parsed.value
    if isinstance(value, Fraction):
        value = sympy.Rational(value.numerator, value.denominator)
    try:
        decomposition = decompose(value)
    except (TypeError, ValueError, RecursionError) as exc:
        return Classified(kind="unparseable", text=text, detail=type(exc).__name__)
    if decomposition is None:
        return Classified(kind="expression", text=text, detail="numeric but not (a+b*U)/d")
    try:
        parse_number(
            strip_variable_prefix(text)
        )  # the rewrite is verified with this exact parser: its bounds apply to what we accept
    except NotNumeric as exc:
        return Classified(kind="unparseable", text=text, detail=f"{kind} beyond the rewrite parser: {exc}")
    except (ZeroDivisionError, OverflowError, ValueError, TypeError, RecursionError) as exc:
        return Classified(kind="unparseable", text=text, detail=type(exc).__name__)
    if kind == "integer":
        return Classified(kind=kind, text=text, integer=decomposition.a, decomposition=decomposition)
    return Classified(kind=kind, text=text, decomposition=decomposition)


def value_of(text: str):
    """Exact sympy value of a cleaned numeric answer (used to verify rewrites); raises NotNumeric."""
    mixed_or_plain = clean_answer(text).text
    return parse_number(mixed_or_plain)
