"""exact_value: the exact value of one answer, for callers that rebuild answers in other forms (curation).

One entry point reads an answer the way the verifiers read it (``parse_answer``'s cleaning, shapes, units, names,
mixed numbers: ``2\\frac12``, ``2 \\frac{1}{2}`` and ``4\\tfrac12`` are 5/2, 5/2 and 9/2) and returns its kind, its
exact :class:`~mathreward.verifiers.exact.Value` (sums of ``c * sqrt(r) * pi**k``, no sympy), the name it was
given (``M = ...``) and, for an integer written as a power (``2^{1009}``), its base and exponent. The caller's size
limits are parameters: a longer answer, a longer digit run or a larger value is refused with a reason, never
computed. Nothing here evaluates text as code.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .compare import clean_cached, numeric_value
from .exact import Refused, Value
from .forms import without_approximation
from .parsing import parse_answer, value_kind
from .structure import strip_variable_prefix

__all__ = ["ExactAnswer", "exact_value", "value_kind", "NUMERIC_KINDS"]

NUMERIC_KINDS = frozenset({"integer", "fraction", "decimal", "radical", "pi_multiple", "expression"})
MAX_CHARS = 2_000
MAX_DIGITS = 400
MAX_BITS = 4_096

_DIGITS_RE = re.compile(r"\d+")
_SPLIT_DIGITS_RE = re.compile(r"\d\s*\{\s*\}\s*\d")
_POWER_RE = re.compile(  # 2^{10}, 2^5, and {2}^{{10}} as a form with its letters substituted reads
    r"(?:(\d{1,40})|\{(\d{1,40})\})\s*\^\s*(?:\{\s*(\d{1,9})\s*\}|\{\s*\{\s*(\d{1,9})\s*\}\s*\}|(\d))"
)
_THOUSANDS_INSIDE_RE = re.compile(r"(?<=\d)(?:,|\{,\})(?=\d{3}(?!\d))")


@dataclass(frozen=True)
class ExactAnswer:
    """One answer read exactly.

    ``kind``: one of ``verifiers.parsing.KINDS``. ``text``: the cleaned answer after its name. ``value``: the exact
    value for numeric kinds (None otherwise, or when refused). ``name``: ``"M"`` for ``M = ...``, else "".
    ``percent``: written with a percent sign (``value`` is the number as written: ``10\\%`` is 10). ``power``:
    (base, exponent) for an integer written as a power of integers. ``detail``: why there is no value.
    """

    kind: str
    text: str
    value: Value | None = None
    name: str = ""
    percent: bool = False
    power: tuple[int, int] | None = None
    detail: str = ""


def _bits(value: Value) -> int:
    return max(
        (max(c.numerator.bit_length(), c.denominator.bit_length()) for c in value.terms.values()),
        default=0,
    )


def _name_of(cleaned: str) -> str:
    """``"M = 5"`` -> ``"M"``: the name written before ``=`` (or ``\\in``), as ``structure`` reads it off."""
    rest = strip_variable_prefix(cleaned)
    if rest == cleaned:
        return ""
    return cleaned[: len(cleaned) - len(rest)].strip().rstrip("=").strip()


def exact_value(
    text: str, *, max_chars: int = MAX_CHARS, max_digits: int = MAX_DIGITS, max_bits: int = MAX_BITS
) -> ExactAnswer:
    """Read one answer exactly within the caller's limits; never raises on bad input.

    ``max_chars``: longest cleaned answer read; ``max_digits``: longest run of digits; ``max_bits``: largest
    numerator or denominator of the value (a power beyond it keeps its ``power`` with no value). An answer that
    only reads as a number in another spelling is read in that one: an exact value followed by its approximation
    (``\\frac{737}{39} \\approx 18.9``), thousands separators inside a fraction (``\\frac{1}{29,322,216}``).
    """
    if not isinstance(text, str) or not text.strip():
        return ExactAnswer("unparseable", "", detail="empty")
    if len(text) > 4 * max_chars:
        return ExactAnswer("unparseable", text[:80], detail="answer too long")
    if _SPLIT_DIGITS_RE.search(text):
        return ExactAnswer("unparseable", text[:80], detail="digits split by an empty group")  # "19{}43": two numbers
    limits = (max_chars, max_digits, max_bits)
    answer = _read(text, *limits)
    if answer.value is None and answer.power is None and answer.kind in ("unparseable", "tuple", "list"):
        cleaned = clean_cached(text)
        for spelling in (without_approximation(cleaned), _without_thousands(cleaned)):
            if spelling != cleaned:
                again = _read(spelling, *limits)
                if again.value is not None:
                    return again
    return answer


def _without_thousands(text: str) -> str:
    """``\\frac{1}{29,322,216}`` -> ``\\frac{1}{29322216}``, unless a comma would remain or the text is a bracket."""
    if text.startswith(("(", "[", "{", "\\{")):
        return text
    candidate = _THOUSANDS_INSIDE_RE.sub("", text)
    return text if "," in candidate else candidate


def _read(text: str, max_chars: int, max_digits: int, max_bits: int) -> ExactAnswer:
    parsed = parse_answer(text, symbolic=False)
    cleaned = clean_cached(text)
    if len(cleaned) > max_chars:
        return ExactAnswer("unparseable", cleaned[:80], detail="answer too long")
    name = _name_of(cleaned)
    atom = parsed.text
    if any(len(run) > max_digits for run in _DIGITS_RE.findall(atom)):
        return ExactAnswer("unparseable", atom, name=name, detail=f"a number longer than {max_digits} digits")
    power = _integer_power(atom)
    if power is not None and power[1] * math.log2(max(power[0], 2)) > max_bits:
        return ExactAnswer("integer", atom, name=name, power=power, detail=f"value beyond {max_bits} bits")
    if parsed.kind not in NUMERIC_KINDS:
        return ExactAnswer(parsed.kind, atom, name=name)
    try:
        number = numeric_value(atom)
    except Refused as exc:
        return ExactAnswer("unparseable", atom, name=name, power=power, detail=str(exc))
    if number is None:  # an expression with variables
        return ExactAnswer(parsed.kind, atom, name=name)
    value, percent = number
    if _bits(value) > max_bits:
        return ExactAnswer("unparseable", atom, name=name, detail=f"value beyond {max_bits} bits")
    return ExactAnswer(value_kind(atom, value), atom, value, name, percent, power)


def _integer_power(atom: str) -> tuple[int, int] | None:
    """(base, exponent) when the answer is exactly a natural number to a natural power (``2^{1009}``)."""
    match = _POWER_RE.fullmatch(atom.strip())
    if match is None:
        return None
    base, braced_base, exponent, braced_exponent, digit = match.groups()
    return int(base or braced_base), int(exponent or braced_exponent or digit)
