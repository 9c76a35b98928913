"""Answers that can never equal a constant, decided without sympy.

Two shapes are common among the answers the fallback finds in a rollout that ends without one (cut at the length
limit): a polynomial in free variables (``x^2 - 6x + 84``) and a formula cut after an operator (``30 \\times``,
``x^2 - 6x +``, ``80 \\times 79 =``). Against a constant gold the symbolic path says "not equal" to both: a
polynomial with a non-zero term of positive degree is not a constant, and a text that ends in an operator does not
parse there. ``never_constant(text)`` recognises them so the exact path can give that verdict itself.

The reader is a small recursive-descent parser over a bounded token list (numbers, single-letter variables, ``+ - *
/ ^``, ``\\cdot``, ``\\times``, ``\\frac``, brackets); anything else means "cannot tell" (the symbolic path decides,
as before). Letters the symbolic path reads as constants (``e``, ``i``, ``E``, ``I``), two letters side by side
(``pi``, ``ln``) and a letter before a bracket (``f(x)``, a function) are refused. Nothing here evaluates text.
"""

from __future__ import annotations

import re
from fractions import Fraction

__all__ = ["never_constant", "nonconstant_polynomial", "ends_in_operator"]

MAX_TOKENS = 200
MAX_DEGREE = 32
MAX_TERMS = 64
MAX_NUMBER_DIGITS = 30

# (?<!\s): a match starts where its spaces start, so a run of spaces is scanned once (linear finditer)
_TOKEN_RE = re.compile(r"(?<!\s)\s*(?:(\d{1,30}(?:\.\d{1,30})?)|(\\[A-Za-z]+)|([A-Za-z])|([-+*/^(){}]))")
_CONSTANT_LETTERS = frozenset("eiEI")
_MULTIPLY = ("*", "\\cdot", "\\times")
# operators (and the commands \times, \cdot cut part way) that leave a formula without its right operand
_DANGLING_RE = re.compile(r"(?:[-+=*/^]|\\(?:t|ti|tim|time|times|c|cd|cdo|cdot|div))\s*\Z")

Monomial = tuple[tuple[str, int], ...]
Polynomial = dict[Monomial, Fraction]


class _Unreadable(ValueError):
    """Not a polynomial this reader knows."""


def _add(a: Polynomial, b: Polynomial, sign: int = 1) -> Polynomial:
    out = dict(a)
    for key, coef in b.items():
        out[key] = out.get(key, Fraction(0)) + sign * coef
    out = {key: coef for key, coef in out.items() if coef != 0}
    if len(out) > MAX_TERMS:
        raise _Unreadable("too many terms")
    return out


def _mul(a: Polynomial, b: Polynomial) -> Polynomial:
    out: Polynomial = {}
    for ka, ca in a.items():
        for kb, cb in b.items():
            powers = dict(ka)
            for var, exp in kb:
                powers[var] = powers.get(var, 0) + exp
            if sum(powers.values()) > MAX_DEGREE:
                raise _Unreadable("degree too high")
            key = tuple(sorted(powers.items()))
            out[key] = out.get(key, Fraction(0)) + ca * cb
    out = {key: coef for key, coef in out.items() if coef != 0}
    if len(out) > MAX_TERMS:
        raise _Unreadable("too many terms")
    return out


def _constant_of(p: Polynomial) -> Fraction | None:
    if not p:
        return Fraction(0)
    if set(p) == {()}:
        return p[()]
    return None


def _tokens(text: str) -> list[tuple[int, str]]:
    """(kind, token): kind 1 number, 2 command, 3 letter, 4 operator or bracket."""
    out = []
    end = 0
    for match in _TOKEN_RE.finditer(text):
        if match.start() != end or len(out) >= MAX_TOKENS:
            raise _Unreadable("unknown character or too long")
        kind = match.lastindex or 0
        out.append((kind, match.group(kind)))
        end = match.end()
    if text[end:].strip():
        raise _Unreadable("unknown character")
    return out


class _Reader:
    def __init__(self, tokens: list[tuple[int, str]]):
        self.ahead = tokens[::-1]  # the next token last
        self.taken: list[tuple[int, str]] = [(0, "")]  # the tokens read so far

    def peek(self) -> tuple[int, str] | None:
        return self.ahead[-1] if self.ahead else None

    def take(self) -> tuple[int, str]:
        if not self.ahead:
            raise _Unreadable("unexpected end")
        self.taken.append(self.ahead.pop())
        return self.taken[-1]

    def expression(self, depth: int) -> Polynomial:
        if depth > 20:
            raise _Unreadable("nested too deeply")
        value = self.term(depth)
        while (token := self.peek()) is not None and token[1] in ("+", "-"):
            self.take()
            value = _add(value, self.term(depth), 1 if token[1] == "+" else -1)
        return value

    def term(self, depth: int) -> Polynomial:
        value = self.signed(depth)
        while (token := self.peek()) is not None:
            if token[1] in _MULTIPLY:
                self.take()
                value = _mul(value, self.signed(depth))
            elif token[1] == "/":
                self.take()
                divisor = _constant_of(self.signed(depth))
                if not divisor:
                    raise _Unreadable("division by a variable or by zero")
                value = {key: coef / divisor for key, coef in value.items()}
            elif token[0] in (1, 3) or token[1] in ("(", "{", "\\frac"):
                if token[0] == 1 and self.taken[-1][0] == 1:
                    raise _Unreadable("two numbers side by side")
                value = _mul(value, self.power(depth))
            else:
                return value
        return value

    def signed(self, depth: int) -> Polynomial:
        token = self.peek()
        if token is not None and token[1] in ("+", "-"):
            self.take()
            value = self.signed(depth)
            return {key: -coef for key, coef in value.items()} if token[1] == "-" else value
        return self.power(depth)

    def power(self, depth: int) -> Polynomial:
        base = self.atom(depth)
        token = self.peek()
        if token is None or token[1] != "^":
            return base
        self.take()
        exponent = self.take()
        if exponent[1] == "{":
            exponent = self.take()
            if self.take()[1] != "}":
                raise _Unreadable("exponent not a whole number")
        bare = self.taken[-2][1] == "^"  # x^23 is x squared times 3 in LaTeX; x^{23} is the 23rd power
        if exponent[0] != 1 or not exponent[1].isdigit() or (len(exponent[1]) > 1 and bare):
            raise _Unreadable("exponent not a whole number")
        n = int(exponent[1])
        if n > MAX_DEGREE:
            raise _Unreadable("degree too high")
        result: Polynomial = {(): Fraction(1)}
        for _ in range(n):
            result = _mul(result, base)
        return result

    def atom(self, depth: int) -> Polynomial:
        kind, token = self.take()
        if kind == 1:
            if len(token) > MAX_NUMBER_DIGITS:
                raise _Unreadable("number too long")
            return {(): Fraction(token)} if Fraction(token) else {}
        if kind == 3:
            after = self.peek()
            if token in _CONSTANT_LETTERS or (after is not None and (after[0] == 3 or after[1] in ("(", "{"))):
                raise _Unreadable("a constant's letter, a word or a function")
            return {((token, 1),): Fraction(1)}
        if token in ("(", "{"):
            value = self.expression(depth + 1)
            if self.take()[1] != (")" if token == "(" else "}"):
                raise _Unreadable("unbalanced")
            return value
        if token == "\\frac":
            numerator = self._group(depth)
            denominator = _constant_of(self._group(depth))
            if not denominator:
                raise _Unreadable("division by a variable or by zero")
            return {key: coef / denominator for key, coef in numerator.items()}
        raise _Unreadable("unknown token")

    def _group(self, depth: int) -> Polynomial:
        if self.take()[1] != "{":
            raise _Unreadable("\\frac without braces")
        value = self.expression(depth + 1)
        if self.take()[1] != "}":
            raise _Unreadable("unbalanced")
        return value


def nonconstant_polynomial(text: str) -> bool:
    """Whether ``text`` reads as a polynomial in free variables with a non-zero term of positive degree
    (``x^2 - 6x + 84``: yes; ``x - x + 3``, ``f(x)``, ``e^2``, ``\\sin x``: no, or cannot tell)."""
    if len(text) > 400:
        return False
    try:
        reader = _Reader(_tokens(text))
        value = reader.expression(0)
        if reader.peek() is not None:
            return False
    except (_Unreadable, ValueError, ZeroDivisionError):
        return False
    return _constant_of(value) is None


def ends_in_operator(text: str) -> bool:
    """Whether ``text`` is a formula cut after an operator (``30 \\times``, ``x^2 - 6x +``, ``80 \\times 79 =``,
    ``10 \\tim``): there is no right operand, so it is not a value."""
    return len(text) <= 400 and _DANGLING_RE.search(text) is not None and text.strip() not in ("-", "+")


def never_constant(text: str) -> bool:
    """A cleaned single answer that equals no constant: a non-constant polynomial or a formula cut after an
    operator."""
    return ends_in_operator(text) or nonconstant_polynomial(text)
