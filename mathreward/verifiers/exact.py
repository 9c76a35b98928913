"""Exact arithmetic on answers without sympy: rationals, square roots and powers of pi.

A value is a finite sum of terms ``c * sqrt(r) * pi**k`` with ``c`` a ``Fraction``, ``r`` a square-free positive
integer and ``k`` an integer, kept in a canonical form, so ``2\\sqrt3 == \\sqrt{12}`` and ``\\frac{\\pi}{2} ==
\\frac12\\pi`` compare equal by dictionary equality. The parser is a small recursive-descent reader of the LaTeX
subset answers use (numbers, + - * / ^, \\frac, \\sqrt, \\pi, \\cdot, \\times, parentheses, factorials of small
integers, double factorials). Anything else raises ``Unsupported`` (the caller falls back to the symbolic path); anything too big to
compute safely (``10^{10^{10}}``, ``5000!``) raises ``Refused``. Nothing here evaluates text as code.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

__all__ = ["Unsupported", "Refused", "Value", "parse_value", "parse_plain_number"]

MAX_EXPONENT = 100_000  # |n| in x^n
MAX_RESULT_BITS = 400_000  # numerator/denominator size of any intermediate result
MAX_FACTORIAL = 1_000
MAX_RADICAND = 10**12  # square-free decomposition by trial division up to its cube root
MAX_TERMS = 64
MAX_DEPTH = 60
MAX_TOKENS = 400


class Unsupported(ValueError):
    """The fast exact path cannot read this answer; the symbolic path may."""


class Refused(ValueError):
    """The answer asks for a computation too large to do safely (a huge power or factorial)."""


class Value:
    """An exact value: ``{(radicand, pi_power): coefficient}`` with no zero coefficients."""

    __slots__ = ("terms",)

    def __init__(self, terms: dict[tuple[int, int], Fraction]):
        self.terms = {key: coef for key, coef in terms.items() if coef != 0}
        if len(self.terms) > MAX_TERMS:
            raise Unsupported("too many terms")

    @staticmethod
    def rational(value: Fraction | int) -> Value:
        return Value({(1, 0): Fraction(value)})

    def is_rational(self) -> bool:
        return not self.terms or set(self.terms) == {(1, 0)}

    def as_fraction(self) -> Fraction | None:
        """The value as a Fraction when it is rational, else None."""
        if not self.terms:
            return Fraction(0)
        if self.is_rational():
            return self.terms[(1, 0)]
        return None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Value) and self.terms == other.terms

    def __hash__(self) -> int:
        return hash(frozenset(self.terms.items()))

    def __repr__(self) -> str:
        return f"Value({self.terms})"

    def __neg__(self) -> Value:
        return Value({key: -coef for key, coef in self.terms.items()})

    def __add__(self, other: Value) -> Value:
        terms = dict(self.terms)
        for key, coef in other.terms.items():
            terms[key] = terms.get(key, Fraction(0)) + coef
        return Value(terms)

    def __sub__(self, other: Value) -> Value:
        return self + (-other)

    def __mul__(self, other: Value) -> Value:
        terms: dict[tuple[int, int], Fraction] = {}
        for (r1, k1), c1 in self.terms.items():
            for (r2, k2), c2 in other.terms.items():
                g = math.gcd(r1, r2)
                radicand = (r1 // g) * (r2 // g)
                coef = c1 * c2 * g
                _check_size(coef)
                key = (radicand, k1 + k2)
                terms[key] = terms.get(key, Fraction(0)) + coef
        return Value(terms)

    def reciprocal(self) -> Value:
        if not self.terms:
            raise Unsupported("division by zero")
        if len(self.terms) != 1:
            raise Unsupported("division by a sum")
        ((radicand, pi_power), coef) = next(iter(self.terms.items()))
        # 1 / (c sqrt(r) pi^k) = sqrt(r) / (c r) pi^-k
        return Value({(radicand, -pi_power): 1 / (coef * radicand)})

    def __truediv__(self, other: Value) -> Value:
        return self * other.reciprocal()

    def power(self, exponent: Value) -> Value:
        exp = exponent.as_fraction()
        if exp is None:
            raise Unsupported("irrational exponent")
        if exp.denominator == 2 and exp.numerator == 1:
            return self.sqrt()
        if exp.denominator != 1:
            raise Unsupported("fractional exponent")
        n = exp.numerator
        base = self.as_fraction()
        if base is not None:
            if base in (0, 1) or n == 0:
                if base == 0 and n < 0:
                    raise Unsupported("division by zero")
                return Value.rational(base**n if n >= 0 else 1)
            if base == -1:
                return Value.rational(-1 if n % 2 else 1)
            if abs(n) > MAX_EXPONENT:
                raise Refused("exponent too large")
            bits = max(base.numerator.bit_length(), base.denominator.bit_length())
            if bits * abs(n) > MAX_RESULT_BITS:
                raise Refused("power too large")
            return Value.rational(base**n)
        if abs(n) > 64:
            raise Refused("power of an irrational too large")
        if len(self.terms) == 1:
            ((radicand, pi_power), coef) = next(iter(self.terms.items()))
            m = abs(n)
            value = Value({(radicand if m % 2 else 1, pi_power * m): coef**m * Fraction(radicand) ** (m // 2)})
            return value.reciprocal() if n < 0 else value
        if n < 0 or n > 16:
            raise Unsupported("power of a sum")
        result = Value.rational(1)
        for _ in range(n):
            result = result * self
        return result

    def sqrt(self) -> Value:
        base = self.as_fraction()
        if base is None or base < 0:
            raise Unsupported("square root of a non-rational or negative value")
        product = base.numerator * base.denominator  # sqrt(p/q) = sqrt(p q) / q
        if product > MAX_RADICAND:
            raise Unsupported("radicand too large")
        outside, inside = _split_square(product)
        return Value({(inside, 0): Fraction(outside, base.denominator)})

    def to_float(self) -> float:
        total = 0.0
        for (radicand, pi_power), coef in self.terms.items():
            total += float(coef) * math.sqrt(radicand) * math.pi**pi_power
        return total


def _check_size(value: Fraction) -> None:
    if max(value.numerator.bit_length(), value.denominator.bit_length()) > MAX_RESULT_BITS:
        raise Refused("number too large")


def _split_square(n: int) -> tuple[int, int]:
    """Write ``n`` as ``a*a*b`` with ``b`` square-free; returns (a, b). n <= MAX_RADICAND."""
    if n == 0:
        return 0, 1
    root = math.isqrt(n)
    if root * root == n:
        return root, 1
    outside = 1
    inside = 1
    p = 2
    while p * p * p <= n:
        if n % p == 0:
            count = 0
            while n % p == 0:
                n //= p
                count += 1
            outside *= p ** (count // 2)
            if count % 2:
                inside *= p
        p += 1 if p == 2 else 2
    # what is left has at most two prime factors, each above the cube root
    root = math.isqrt(n)
    if n > 1 and root * root == n:
        outside *= root
    else:
        inside *= n
    return outside, inside


_PLAIN_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,4})?")


def parse_plain_number(text: str) -> Fraction | None:
    """``"034"``, ``"-2.50"``, ``".4"``, ``"1.5e3"`` -> exact Fraction; None for anything else. No sympy."""
    if len(text) > 5000 or not _PLAIN_NUMBER_RE.fullmatch(text):
        return None
    if "." not in text and "e" not in text and "E" not in text:
        return Fraction(int(text))  # an integer ("034", "-7"): its value without arithmetic on fractions
    mantissa, _, exp = text.lower().partition("e")
    if exp and abs(int(exp)) > 4000:
        return None
    sign = -1 if mantissa.startswith("-") else 1
    mantissa = mantissa.lstrip("+-")
    whole, _, frac = mantissa.partition(".")
    value = Fraction(int(whole or "0"))
    if frac:
        value += Fraction(int(frac), 10 ** len(frac))
    if exp:
        value *= Fraction(10) ** int(exp)
    return sign * value


_TOKEN_RE = re.compile(r"(?<!\s)\s*(?:(\d+(?:\.\d*)?|\.\d+)|(\\[A-Za-z]+)|([-+*/^(){}\[\]!]))")
_IMPLICIT_START = {"\\frac", "\\sqrt", "\\pi", "(", "{", "["}
_MULTIPLY = {"*", "\\cdot", "\\times"}


def _tokenize(text: str) -> list[str]:
    tokens = []
    pos = 0
    n = len(text)
    while pos < n:
        match = _TOKEN_RE.match(text, pos)
        if match is None:
            if text[pos:].strip() == "":
                break
            raise Unsupported(f"unexpected character {text[pos]!r}")
        tokens.append(match.group(match.lastindex or 0))  # every alternative is a group
        pos = match.end()
        if len(tokens) > MAX_TOKENS:
            raise Unsupported("too long")
    return tokens


class _Parser:
    def __init__(self, tokens: list[str]):
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise Unsupported("unexpected end")
        self.pos += 1
        return token

    def expect(self, token: str) -> None:
        if self.take() != token:
            raise Unsupported(f"expected {token}")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Unsupported("nested too deeply")

    def expression(self) -> Value:
        self.enter()
        value = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            right = self.term()
            value = value + right if op == "+" else value - right
        self.depth -= 1
        return value

    def term(self) -> Value:
        value, last_was_int = self.signed()
        while True:
            token = self.peek()
            if token in _MULTIPLY:
                self.take()
                value = value * self.signed()[0]
            elif token == "/":
                self.take()
                value = value / self.signed()[0]
            elif token in _IMPLICIT_START:
                if last_was_int and token == "\\frac" and self._mixed_fraction_ahead():
                    whole = value.as_fraction()  # an integer literal here, so never None
                    value = value + self.power() if whole is not None and whole >= 0 else value - self.power()
                else:
                    value = value * self.power()
            elif token is not None and token[0].isdigit() or token == ".":
                raise Unsupported("two numbers side by side")
            else:
                return value
            last_was_int = False

    def _mixed_fraction_ahead(self) -> bool:
        """``2\\frac{1}{2}`` (and ``2\\frac12``) is the mixed number 2 1/2 when both fraction parts are integer
        literals."""
        t = self.tokens[self.pos : self.pos + 7]
        if len(t) >= 2 and len(t[1]) == 2 and t[1].isdigit() and t[1][0] < t[1][1]:
            return True  # "\\frac58": one digit each, a proper fraction
        return (
            len(t) == 7
            and t[1] == "{"
            and t[2].isdigit()
            and t[3] == "}"
            and t[4] == "{"
            and t[5].isdigit()
            and t[6] == "}"
        )

    def signed(self) -> tuple[Value, bool]:
        token = self.peek()
        if token == "-":
            self.take()
            value, is_int = self.signed()
            return -value, is_int
        if token == "+":
            self.take()
            return self.signed()
        is_int = token is not None and token.isdigit()
        return self.power(), is_int

    def power(self) -> Value:
        self.enter()
        base = self.postfix(self.atom())
        if self.peek() == "^":
            self.take()
            exponent = self.exponent()
            base = base.power(exponent)
        self.depth -= 1
        return base

    def exponent(self) -> Value:
        token = self.peek()
        if token == "{":
            return self.group()
        if token == "-":
            self.take()
            return -self.exponent()
        return self.power()

    def postfix(self, value: Value) -> Value:
        """Factorials: ``n!`` and the double factorial ``n!!`` (``5!! = 15``); ``(n!)!`` needs parentheses."""
        while self.peek() == "!":
            self.take()
            step = 1
            if self.peek() == "!":
                self.take()
                step = 2
            n = value.as_fraction()
            if n is None or n.denominator != 1 or n < 0:
                raise Unsupported("factorial of a non-integer")
            if n > MAX_FACTORIAL:
                raise Refused("factorial too large")
            value = Value.rational(math.prod(range(int(n), 0, -step)))
        return value

    def group(self) -> Value:
        self.expect("{")
        value = self.expression()
        self.expect("}")
        return value

    def argument(self) -> Value:
        """A macro argument: ``{...}``, one digit of a number (``\\frac12``), or one atom (``\\sqrt\\pi``)."""
        token = self.peek()
        if token == "{":
            return self.group()
        if token is not None and token[0].isdigit():
            self.take()
            if len(token) > 1:
                self.tokens.insert(self.pos, token[1:])
            return Value.rational(int(token[0]))
        return self.atom()

    def atom(self) -> Value:
        token = self.take()
        if token[0].isdigit() or token[0] == ".":
            number = parse_plain_number(token)
            if number is None:
                raise Unsupported("bad number")
            return Value.rational(number)
        if token == "(":
            value = self.expression()
            self.expect(")")
            return value
        if token == "{":
            value = self.expression()
            self.expect("}")
            return value
        if token == "\\frac":
            numerator = self.argument()
            denominator = self.argument()
            return numerator / denominator
        if token == "\\sqrt":
            if self.peek() == "[":
                raise Unsupported("n-th root")
            return self.argument().sqrt()
        if token == "\\pi":
            return Value({(1, 1): Fraction(1)})
        raise Unsupported(f"unsupported token {token}")


def parse_value(text: str) -> Value:
    """Parse an answer in the exact subset; raises Unsupported or Refused."""
    if not text or len(text) > 2000:
        raise Unsupported("empty or too long")
    parser = _Parser(_tokenize(text))
    value = parser.expression()
    if parser.peek() is not None:
        raise Unsupported(f"trailing {parser.peek()}")
    return value
