"""Integer rewrite rules: turn a non-integer gold answer into DAPO's "in the form ..., provide the value of ..."

Each rule builds a :class:`Rewrite` — the answer's form in LaTeX with letters, the letters' values, and the
conditions the sentence states (positive, relatively prime, square-free, not a perfect power).
:func:`verify_rewrite` then checks the rewrite independently: it substitutes the values into the form text, reads
that with the verifiers' exact reader (``verifiers.exact_value``, as the original answer is read), compares the two
values, and checks every stated condition. Nothing unverified is ever written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from mathreward.curation.answers import INT64_MAX, INT64_MIN, Classified, Decomposition, read_answer
from mathreward.verifiers.exact import Value

LETTER_SETS: dict[int, tuple[tuple[str, ...], ...]] = {
    1: (("k",), ("m",), ("n",), ("p",), ("q",), ("r",), ("s",), ("t",), ("u",), ("v",), ("w",)),
    2: (
        ("m", "n"),
        ("p", "q"),
        ("a", "b"),
        ("r", "s"),
        ("u", "v"),
        ("j", "k"),
        ("g", "h"),
        ("c", "d"),
        ("M", "N"),
        ("P", "Q"),
        ("U", "V"),
    ),
    3: (
        ("k", "m", "n"),
        ("a", "b", "c"),
        ("p", "q", "r"),
        ("r", "s", "t"),
        ("u", "v", "w"),
        ("e", "f", "g"),
        ("K", "M", "N"),
        ("P", "Q", "R"),
    ),
    4: (
        ("k", "m", "n", "p"),
        ("a", "b", "c", "d"),
        ("p", "q", "r", "s"),
        ("r", "s", "t", "u"),
        ("e", "f", "g", "h"),
        ("K", "M", "N", "P"),
    ),
}
BASE_LETTERS = ("N", "M", "K", "D", "Q")

_MATH_SPAN = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
_TEXT_COMMAND = re.compile(r"\\(?:text|mathrm|textbf|mbox|operatorname|mathbf|begin|end)\s*\{[^{}]*\}")
_COMMAND = re.compile(r"\\[a-zA-Z]+")


def problem_variables(problem: str) -> set[str]:
    """Letters the problem uses as variables: letters inside math spans (commands and \\text removed), plus
    single-letter words in the prose (other than the articles/pronoun "a", "A", "I")."""
    letters: set[str] = set()
    for match in _MATH_SPAN.finditer(problem):
        span = next(group for group in match.groups() if group is not None)
        span = _COMMAND.sub(" ", _TEXT_COMMAND.sub(" ", span))
        letters.update(re.findall(r"[a-zA-Z]", span))
    prose = _MATH_SPAN.sub(" ", problem)
    letters.update(word for word in re.findall(r"(?<![\w\\])([a-zA-Z])(?!\w)", prose) if word not in {"a", "A", "I"})
    return letters


@dataclass(frozen=True)
class Rewrite:
    """A verified-or-not integer rewrite: ``form`` is LaTeX with letter placeholders."""

    rule: str
    form: str
    values: tuple[tuple[str, int], ...]  # letter -> value, in order of appearance
    coprime: tuple[tuple[str, ...], ...] = ()  # groups whose gcd must be 1
    squarefree: tuple[str, ...] = ()
    asked: tuple[str, ...] = ()  # the answer is the sum of these letters
    base: int | None = None  # base-numeral rewrites: letter holds the digits
    extra_conditions: tuple[str, ...] = field(default=())

    @property
    def letters(self) -> tuple[str, ...]:
        return tuple(letter for letter, _ in self.values)

    @property
    def integer(self) -> int:
        values = dict(self.values)
        return sum(values[letter] for letter in self.asked)

    def sentence(self) -> str:
        """The sentence appended to the problem, in DAPO's phrasing."""
        asked = " + ".join(self.asked)
        if self.base is not None:
            (letter,) = self.letters
            return (
                f"The original answer is in the form ${self.form}$, where {letter} is the answer written in base "
                f"{self.base}. Please provide the value of {letter}, written with its base-{self.base} digits."
            )
        return f"The original answer is in the form ${self.form}$, where {self.conditions_text()}. Please provide the value of {asked}."

    def conditions_text(self) -> str:
        letters = list(self.letters)
        if len(letters) == 2 and self.coprime == (tuple(letters),) and not self.squarefree:
            return f"{letters[0]} and {letters[1]} are relatively prime positive integers"
        if len(letters) == 1:
            if self.squarefree:
                return f"{letters[0]} is a positive integer not divisible by the square of any prime"
            return f"{letters[0]} is a positive integer"
        parts = [f"{_join(letters)} are positive integers"]
        for group in self.coprime:
            if len(group) == 2:
                parts.append(f"{group[0]} and {group[1]} are relatively prime")
            else:
                parts.append(f"the greatest common divisor of {_join(list(group))} is 1")
        for letter in self.squarefree:
            parts.append(f"{letter} is not divisible by the square of any prime")
        parts.extend(self.extra_conditions)
        if len(parts) == 1:
            return parts[0]
        return ", ".join(parts[:-1]) + ", and " + parts[-1]


def _join(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


# ---------------------------------------------------------------------------------------------------------------
# Rules: decomposition -> Rewrite with placeholder letters L0, L1, ... (renamed by choose_letters)
# ---------------------------------------------------------------------------------------------------------------


def _rule_for(dec: Decomposition) -> Rewrite | None:
    a, b, d = dec.a, dec.b, dec.d
    if dec.unit == "one":
        if d == 1:
            return None
        sign = "-" if a < 0 else ""
        return Rewrite(
            "fraction",
            f"{sign}\\frac{{L0}}{{L1}}",
            (("L0", abs(a)), ("L1", d)),
            coprime=(("L0", "L1"),),
            asked=("L0", "L1"),
        )
    values: list[tuple[str, int]] = []
    names = iter(f"L{i}" for i in range(6))

    def new(value: int) -> str:
        name = next(names)
        values.append((name, value))
        return name

    squarefree: list[str] = []

    def unit_text(coefficient: int) -> str:
        coefficient_text = "" if coefficient == 1 else new(coefficient)
        if dec.unit == "pi":
            return f"{coefficient_text}\\pi"
        radicand = new(dec.radicand)
        squarefree.append(radicand)
        return f"{coefficient_text}\\sqrt{{{radicand}}}"

    coprime: list[tuple[str, ...]] = []
    if a == 0:
        sign = "-" if b < 0 else ""
        if d == 1:
            if dec.unit == "pi":
                body = f"{new(abs(b))}\\pi"
            else:
                body = unit_text(abs(b))
            rule = "pi_multiple" if dec.unit == "pi" else "radical"
            return Rewrite(rule, sign + body, tuple(values), squarefree=tuple(squarefree), asked=_all(values))
        numerator = unit_text(abs(b))
        denominator = new(d)
        coefficient_letters = [name for name, _ in values if name not in squarefree and name != denominator]
        if coefficient_letters:
            coprime.append((coefficient_letters[0], denominator))
        rule = "pi_fraction" if dec.unit == "pi" else "radical_fraction"
        return Rewrite(
            rule,
            f"{sign}\\frac{{{numerator}}}{{{denominator}}}",
            tuple(values),
            coprime=tuple(coprime),
            squarefree=tuple(squarefree),
            asked=_all(values),
        )
    # a != 0 and b != 0: a sum of a rational part and an irrational part
    if a > 0:
        constant = new(a)
        body = f"{constant} {'+' if b > 0 else '-'} {unit_text(abs(b))}"
        sign = ""
    elif b > 0:
        irrational = unit_text(b)
        constant = new(-a)
        body = f"{irrational} - {constant}"
        sign = ""
    else:
        constant = new(-a)
        body = f"{constant} + {unit_text(-b)}"
        sign = "-"
    rule = "pi_sum" if dec.unit == "pi" else "radical_sum"
    if d == 1:
        form = f"-({body})" if sign else body
        return Rewrite(rule, form, tuple(values), squarefree=tuple(squarefree), asked=_all(values))
    denominator = new(d)
    # gcd(a, b, d) = 1 makes the form unique; with a unit coefficient of 1 it holds automatically (no letter for b)
    gcd_group = tuple(name for name, _ in values if name not in squarefree)
    return Rewrite(
        rule,
        f"{sign}\\frac{{{body}}}{{{denominator}}}",
        tuple(values),
        coprime=(gcd_group,) if abs(b) != 1 else (),
        squarefree=tuple(squarefree),
        asked=_all(values),
    )


def _all(values: list[tuple[str, int]]) -> tuple[str, ...]:
    return tuple(name for name, _ in values)


def _rename(rewrite: Rewrite, mapping: dict[str, str]) -> Rewrite:
    def sub(text: str) -> str:
        return re.sub(r"L\d", lambda m: mapping[m.group(0)], text)

    return Rewrite(
        rule=rewrite.rule,
        form=sub(rewrite.form),
        values=tuple((mapping[name], value) for name, value in rewrite.values),
        coprime=tuple(tuple(mapping[n] for n in group) for group in rewrite.coprime),
        squarefree=tuple(mapping[n] for n in rewrite.squarefree),
        asked=tuple(mapping[n] for n in rewrite.asked),
        base=rewrite.base,
        extra_conditions=tuple(sub(condition) for condition in rewrite.extra_conditions),
    )


def choose_letters(rewrite: Rewrite, avoid: Iterable[str]) -> Rewrite | None:
    """Rename placeholders L0, L1, ... to the first letter set that avoids the problem's variables (None if none)."""
    avoid = set(avoid)
    names = [name for name, _ in rewrite.values]
    for letters in LETTER_SETS.get(len(names), ()):
        if not avoid.intersection(letters):
            return _rename(rewrite, dict(zip(names, letters, strict=True)))
    return None


def build_rewrite(classified: Classified, problem: str) -> tuple[Rewrite | None, str]:
    """The rule rewrite for a classified answer, letters chosen against the problem; (None, reason) if none."""
    avoid = problem_variables(problem)
    if classified.kind == "base_numeral" and classified.base:
        digits, base = classified.base
        if not 2 <= base <= 10 or any(int(ch) >= base for ch in digits):
            return None, "bad_base_numeral"
        for letter in BASE_LETTERS:
            if letter not in avoid:
                return (
                    Rewrite(
                        "base_numeral", f"{letter}_{{{base}}}", ((letter, int(digits)),), asked=(letter,), base=base
                    ),
                    "",
                )
        return None, "letter_clash"
    if classified.power is not None and (
        classified.integer is None or not INT64_MIN <= classified.integer <= INT64_MAX
    ):
        return _power_rewrite(classified.power, avoid)
    if classified.decomposition is None:
        return None, f"no_rule:{classified.kind}"
    template = _rule_for(classified.decomposition)
    if template is None:
        return None, f"no_rule:{classified.kind}"
    if template.rule == "pi_multiple" and dict(template.values).get("L0") == 1:
        return None, "trivial_rewrite"
    if classified.kind == "decimal":
        template = replace(template, rule="decimal")
    chosen = choose_letters(template, avoid)
    if chosen is None:
        return None, "letter_clash"
    return chosen, ""


def perfect_power_root(n: int) -> tuple[int, int]:
    """``n = r**k`` with ``r`` not itself a perfect power and ``k`` largest; returns (r, k). For n >= 2."""
    for k in range(n.bit_length(), 1, -1):
        r = round(n ** (1 / k))
        for candidate in (r - 1, r, r + 1):
            if candidate >= 2 and candidate**k == n:
                return candidate, k
    return n, 1


def _power_rewrite(power: tuple[int, int], avoid: set[str]) -> tuple[Rewrite | None, str]:
    """An integer too large for int64 written as ``b^e``: the form ``m^{n}`` with m not a perfect power (so the
    form is unique), asked for m + n."""
    base, exponent = power
    if base < 2 or exponent < 2:
        return None, "integer_power_beyond_int64"
    root, k = perfect_power_root(base)
    template = Rewrite(
        "integer_power",
        "L0^{L1}",
        (("L0", root), ("L1", exponent * k)),
        asked=("L0", "L1"),
        extra_conditions=("L0 is not a perfect power",),
    )
    chosen = choose_letters(template, avoid)
    if chosen is None:
        return None, "letter_clash"
    return chosen, ""


# ---------------------------------------------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------------------------------------------


def _squarefree(n: int) -> bool:
    if n < 1 or n > 10**12:
        return False
    k = 2
    while k * k <= n:
        if n % (k * k) == 0:
            return False
        k += 1 if k == 2 else 2
    return True


_FORM_TOKEN = re.compile(r"\\[a-zA-Z]+|[a-zA-Z]")


def substitute(form: str, values: dict[str, int]) -> str:
    """Put the letters' values into the form text (letters only, never inside a LaTeX command name)."""

    def put(match: re.Match) -> str:
        token = match.group(0)
        return "{" + str(values[token]) + "}" if token in values else token

    return _FORM_TOKEN.sub(put, form)


def form_letters(form: str) -> set[str]:
    """Single letters of a form (each letter is its own variable: ``ax`` is a times x), LaTeX commands excluded."""
    return {token for token in _FORM_TOKEN.findall(form) if not token.startswith("\\")}


def verify_rewrite(rewrite: Rewrite, original_answer: str, problem: str | None = None) -> tuple[bool, str]:
    """Check a rewrite: rebuilt value == original value exactly (both read by ``verifiers.exact_value``), stated
    conditions hold, answer fits int64."""
    values = dict(rewrite.values)
    if len(values) != len(rewrite.values):
        return False, "duplicate letters"
    if any(not isinstance(v, int) or v <= 0 for v in values.values()):
        return False, "a letter is not a positive integer"
    if problem is not None and problem_variables(problem).intersection(values):
        return False, "letters clash with the problem's variables"
    if not set(rewrite.asked) <= set(values):
        return False, "asked letters missing"
    if rewrite.integer > INT64_MAX:
        return False, "answer beyond int64"
    for group in rewrite.coprime:
        if math.gcd(*(values[name] for name in group)) != 1:
            return False, f"gcd of {','.join(group)} is not 1"
    for name in rewrite.squarefree:
        if not _squarefree(values[name]):
            return False, f"{name} is not square-free"
    original = read_answer(original_answer)
    if rewrite.base is not None:
        return _verify_base_numeral(rewrite, values, original.text)
    rebuilt = read_answer(substitute(rewrite.form, values))
    if rewrite.rule == "integer_power":
        return _verify_power(rewrite, values, original.power, rebuilt.power)
    if original.value is None:
        return False, f"original not rebuildable: {original.detail or original.kind}"
    if rebuilt.value is None:
        return False, f"form does not read as a number after substitution: {rebuilt.detail or rebuilt.kind}"
    if rebuilt.value != original.value:
        return False, f"rebuilt value {_show(rebuilt.value)} != original {_show(original.value)}"
    return True, "ok"


def _show(value: Value) -> str:
    fraction = value.as_fraction()
    return str(fraction) if fraction is not None else repr(value.terms)


def _verify_base_numeral(rewrite: Rewrite, values: dict[str, int], original: str) -> tuple[bool, str]:
    (letter,) = rewrite.letters
    digits = str(values[letter])
    if rewrite.base is None or any(int(ch) >= rewrite.base for ch in digits):
        return False, "digit out of range for the base"
    match = re.match(r"^\{?(\d+)\}?_\{?(\d{1,2})\}?$", original.replace(" ", ""))
    if not match or int(match.group(2)) != rewrite.base:
        return False, "original is not a base numeral of that base"
    if int(match.group(1), rewrite.base) != int(digits, rewrite.base):
        return False, "rebuilt numeral differs from the original"
    return True, "ok"


def _verify_power(
    rewrite: Rewrite, values: dict[str, int], original: tuple[int, int] | None, rebuilt: tuple[int, int] | None
) -> tuple[bool, str]:
    base_letter = rewrite.letters[0]
    if perfect_power_root(values[base_letter])[1] != 1:
        return False, f"{base_letter} is a perfect power"
    if original is None or rebuilt is None:
        return False, "original or rebuilt answer is not a power of integers"
    root, k = perfect_power_root(original[0]) if original[0] >= 2 else (original[0], 1)
    if (root, original[1] * k) != rebuilt:
        return False, f"rebuilt power {rebuilt} != original {original}"
    return True, "ok"
