"""Gold answers for curation: read exactly through the verifiers (``verifiers.exact_value``), classified, and
decomposed into the (a + b*U)/d form the rewrite rules need.

There is no answer parser here: classification, rewriting and the rewrite check all read answers with the one
exact-value entry point of the verifiers, under curation's size limits (below).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

from mathreward.verifiers.exact import Value
from mathreward.verifiers.exact_value import ExactAnswer, exact_value
from mathreward.verifiers.parsing import KINDS as VERIFIER_KINDS

MAX_ANSWER_CHARS = 200  # longest gold answer read
MAX_NUMBER_DIGITS = 40  # longest run of digits in it
MAX_VALUE_BITS = 4_096  # largest numerator / denominator of its value
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)


def read_answer(text: str) -> ExactAnswer:
    """An answer read exactly under curation's limits (``verifiers.exact_value``)."""
    return exact_value(text, max_chars=MAX_ANSWER_CHARS, max_digits=MAX_NUMBER_DIGITS, max_bits=MAX_VALUE_BITS)


def value_of(text: str) -> Value | None:
    """The exact value of an answer, or None when it has none within curation's limits."""
    return read_answer(text).value


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


def decompose(value: Value) -> Decomposition | None:
    """Write an exact value as (a + b*U)/d with one irrational unit (a square root or pi), or return None."""
    constant = value.terms.get((1, 0), Fraction(0))
    others = [(key, coefficient) for key, coefficient in value.terms.items() if key != (1, 0)]
    if not others:
        return Decomposition(a=constant.numerator, b=0, d=constant.denominator, unit="one")
    if len(others) > 1:
        return None
    (radicand, pi_power), coefficient = others[0]
    if (radicand, pi_power) == (1, 1):
        unit = "pi"
    elif pi_power == 0 and radicand > 1:
        unit = "sqrt"
    else:
        return None
    d = math.lcm(constant.denominator, coefficient.denominator)
    return Decomposition(
        a=int(constant * d), b=int(coefficient * d), d=d, unit=unit, radicand=radicand if unit == "sqrt" else 1
    )


# ---------------------------------------------------------------------------------------------------------------
# Classification
# ---------------------------------------------------------------------------------------------------------------

# The kinds are the verifiers' (``verifiers.parsing.KINDS``), plus "empty" for a missing gold answer.
KINDS = (*VERIFIER_KINDS, "empty")
NUMERIC_VALUE_KINDS = frozenset({"integer", "fraction", "decimal", "radical", "pi_multiple", "expression"})
_BASE_DIGITS = re.compile(r"^\{?(\d+)\}?_\{?(\d{1,2})\}?$")
_LONE_LETTER = re.compile(r"(?<![A-Za-z\\])[A-Za-z](?![A-Za-z])")
_COMMAND = re.compile(r"\\[A-Za-z]+")


@dataclass(frozen=True)
class Classified:
    """Answer class plus what the transformation step needs (plain data, picklable)."""

    kind: str
    text: str  # the answer as read (cleaned, after its name)
    integer: int | None = None  # for kind integer (None when only its power is known)
    decomposition: Decomposition | None = None  # for numeric kinds
    base: tuple[str, int] | None = None  # (digits, base) for base numerals
    power: tuple[int, int] | None = None  # (base, exponent) for an integer written as a power of integers
    detail: str = ""


def classify(raw: str | None, problem_letters: set[str] | frozenset[str] = frozenset()) -> Classified:
    """Classify a gold answer (dataset text) into one of KINDS, reading it with ``verifiers.exact_value``; numeric
    kinds also get their (a + b*U)/d form.

    A numeric value that has no such form (``\\sqrt2+\\sqrt3``, ``\\frac{3\\sqrt3}{\\pi}``) is an "expression"; so
    is a value read after dropping a letter the problem uses as a variable (``3s^2`` is not 3 seconds squared when
    the problem is about ``s``): pass ``problem_letters`` (``rewrite_rules.problem_variables``) to check that.
    """
    if raw is None or not str(raw).strip():
        return Classified(kind="empty", text="")
    answer = read_answer(str(raw))
    kind, text = answer.kind, answer.text
    if kind == "base_numeral":
        digits = _BASE_DIGITS.match(text.replace(" ", ""))
        return Classified(kind=kind, text=text, base=(digits.group(1), int(digits.group(2))) if digits else None)
    if answer.power is not None and answer.value is None:
        return Classified(kind="integer", text=text, power=answer.power, detail=answer.detail)
    if kind not in NUMERIC_VALUE_KINDS or answer.value is None:
        return Classified(kind=kind, text=text, detail=answer.detail)
    clash = problem_letters.intersection(_LONE_LETTER.findall(_COMMAND.sub(" ", text)))
    if clash:
        return Classified(kind="expression", text=text, detail=f"names the problem's variable {min(clash)}")
    decomposition = decompose(answer.value)
    if decomposition is None:
        return Classified(kind="expression", text=text, detail="numeric but not (a+b*U)/d")
    integer = decomposition.a if kind == "integer" else None
    return Classified(kind, text, integer=integer, decomposition=decomposition, power=answer.power)
