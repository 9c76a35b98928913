"""Equivalence rules of issue 12: matrices in math spans, decimal approximations of exact golds, relations and sets,
text and units around a number; and curation classifying answers with the verifiers' parser. Each table holds
adversarial rows (a near miss that must stay wrong).
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from mathreward.verifiers import is_equivalent, parse_answer, verify
from mathreward.verifiers.compare import approximates, numeric_value

I2 = "\\begin{pmatrix}1 & 0 \\\\ 0 & 1\\end{pmatrix}"
M = "\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}"

# (response, gold, expected status)
MATRIX_CASES = [
    (f"The identity matrix is $ {I2} $.", I2, "correct"),
    (f"The identity matrix is $ {I2} $.", "\\begin{pmatrix}1 & 0 \\\\ 0 & 2\\end{pmatrix}", "wrong"),
    (
        "Here: $ \\begin{pmatrix}0 & 0 \\\\0 & 0\\end{pmatrix} $",
        "\\begin{bmatrix}0 & 0 \\\\0 & 0\\end{bmatrix}",
        "correct",
    ),
    ("Special: $ \\left[\\begin{array}{cc}1 & 2 \\\\3 & 4\\end{array}\\right] $", M, "correct"),
    ("Special: $ \\left[\\begin{array}{cc}1 & 2 \\\\3 & 5\\end{array}\\right] $", M, "wrong"),
    ("So $\\begin{bmatrix}1 & 2 \\\\ 3 & 4\\end{bmatrix}$.", M, "correct"),
    (f"Gold in brackets: $({M})$", M, "correct"),
    (
        f"The sum is ${M} + \\begin{{pmatrix}}5 & 6 \\\\ 7 & 8\\end{{pmatrix}}$",
        "\\begin{pmatrix}6 & 8 \\\\ 10 & 12\\end{pmatrix}",
        "correct",
    ),
    (
        f"The sum is ${M} + \\begin{{pmatrix}}5 & 6 \\\\ 7 & 8\\end{{pmatrix}}$",
        "\\begin{pmatrix}6 & 8 \\\\ 10 & 13\\end{pmatrix}",
        "wrong",
    ),
    (f"When multiplying by identity: ${I2} {I2}$", I2, "correct"),
    (f"Times two: $2 {M}$", "\\begin{pmatrix}2 & 4 \\\\ 6 & 8\\end{pmatrix}", "correct"),
    (f"Times two: $2 {M}$", M, "wrong"),
    # prices are still not math: a spaced dollar opens math only before a command
    ("It costs $ 5 and then $ 6 more, 11 in all.", "11", "correct"),
]


@pytest.mark.parametrize(("response", "gold", "status"), MATRIX_CASES)
def test_matrices_in_math_spans(response: str, gold: str, status: str) -> None:
    assert verify(response, gold, timeout=20.0).status == status


# (exact value, decimal, accepted by the default rule)
APPROXIMATIONS = [
    ("\\frac{1}{12}", "0.0833333333333333", True),
    ("\\frac{1}{12}", "0.08333", True),
    ("\\frac{1}{12}", "0.0833", False),  # three significant digits only
    ("\\frac{1}{12}", "0.08334", False),  # not the rounded value
    ("\\frac83", "2.6667", True),
    ("\\frac83", "2.6666", False),  # truncated, not rounded
    ("\\frac13", "0.3", False),
    ("\\frac13", "0.333", False),
    ("\\frac13", "0.3333", True),
    ("\\frac23", "0.6667", True),
    ("\\frac18", "0.1250", True),
    ("\\pi", "3.14", False),
    ("\\pi", "3.1416", False),  # irrational values need a double's printout
    ("\\pi", "3.141592653589793", True),
    ("\\sqrt{17}", "4.123105625617661", True),
    ("\\sqrt{17}", "4.123105625617662", False),
    ("7", "7.000", True),  # equal anyway
    ("7", "7.001", False),
]


@pytest.mark.parametrize(("exact", "decimal", "accepted"), APPROXIMATIONS)
def test_decimal_approximation_rule(exact: str, decimal: str, accepted: bool) -> None:
    exact_value = numeric_value(exact)[0]
    assert approximates(exact_value, decimal, numeric_value(decimal)[0]) is accepted
    assert is_equivalent(exact, decimal) is accepted
    assert is_equivalent(decimal, exact) is accepted  # either side may be the decimal


# (response, gold, expected status, options)
APPROXIMATION_VERDICTS = [
    ("$0.0833333333333333$", "\\frac{1}{12}", "correct", {}),
    ("$(0.6, 2.6667]$", "(\\frac35, \\frac83]", "correct", {}),
    ("$(0.6, 2.6667)$", "(\\frac35, \\frac83]", "wrong", {}),
    ("$(1, 4.5)$", "(1, \\frac92)", "correct", {}),
    (
        "$\\begin{pmatrix}0.3333\\\\0.2\\end{pmatrix}$",
        "\\begin{pmatrix}\\frac13\\\\\\frac15\\end{pmatrix}",
        "correct",
        {},
    ),
    ("$\\begin{pmatrix}0.33\\\\0.2\\end{pmatrix}$", "\\begin{pmatrix}\\frac13\\\\\\frac15\\end{pmatrix}", "wrong", {}),
    (
        "$\\begin{pmatrix}0.33\\\\0.2\\end{pmatrix}$",
        "\\begin{pmatrix}\\frac13\\\\\\frac15\\end{pmatrix}",
        "correct",
        {"float_rounding": 2},
    ),
    ("Answer: 0.3", "\\frac13", "wrong", {}),
    ("Answer: 0.3", "\\frac13", "correct", {"float_rounding": 1}),
    ("Answer: 3.14", "\\pi", "wrong", {}),
    ("Answer: 3.14", "\\pi", "correct", {"float_rounding": 2}),
    ("Answer: $\\sqrt{17}$", "4.123105625617661", "correct", {}),
    ("Answer: 2.6667", "\\frac83", "correct", {}),
    ("Answer: 2.6667", "\\frac73", "wrong", {}),
]


@pytest.mark.parametrize(("response", "gold", "status", "options"), APPROXIMATION_VERDICTS)
def test_decimal_approximation_verdicts(response: str, gold: str, status: str, options: dict) -> None:
    assert verify(response, gold, timeout=20.0, **options).status == status


# (response, gold, expected status)
RELATION_CASES = [
    ("$-2 \\le x \\le 7$", "x \\in [-2,7]", "correct"),
    ("$x \\in [-2,7]$", "-2 \\le x \\le 7", "correct"),
    ("$x \\in [-2,7)$", "-2 \\le x \\le 7", "wrong"),
    ("$-2 < x \\le 7$", "x \\in [-2,7]", "wrong"),
    ("\\boxed{(11,7) \\text{ or } (7,11)}", "(7,11),(11,7)", "correct"),
    ("\\boxed{(7,11),\\ (11,7)}", "$(11,7)or(7,11)$", "correct"),
    ("\\boxed{(7,11)}", "$(11,7)or(7,11)$", "wrong"),
    ("$(5,2),(7,2)$", "$p=5,q=2;p=7,q=2$", "correct"),
    ("$(5,2),(7,3)$", "$p=5,q=2;p=7,q=2$", "wrong"),
    ("$(2,5),(2,7)$", "$p=5,q=2;p=7,q=2$", "wrong"),  # the order inside a solution matters
    ("W(x)=1orW(x)=-1", "\\boxed{W(n) = 1 \\text{ and } W(n) = -1", "correct"),
    ("W(x)=1 or W(x)=-1", "W(n) = 1 \\text{ and } W(n) = -1", "correct"),
    ("W(x)=1", "W(n) = 1 \\text{ and } W(n) = -1", "wrong"),
    ("$$\\boxed{(3, 3)} \\text{ for part (a) and } \\boxed{(1, 1)}$$", "$$(3, 3), (1, 1)$$", "correct"),
    ("$$\\boxed{(3, 3)} \\text{ for part (a) and } \\boxed{(1, 2)}$$", "$$(3, 3), (1, 1)$$", "wrong"),
    # a hedge against a single-valued gold stays wrong
    ("\\boxed{3} or \\boxed{4}", "3", "wrong"),
    ("\\boxed{3, 4}", "3", "wrong"),
    ("$x = 3$ or $x = 4$", "3", "wrong"),
    ("We got \\boxed{2}. But wait, that fails, so \\boxed{3}.", "3", "correct"),
]


@pytest.mark.parametrize(("response", "gold", "status"), RELATION_CASES)
def test_relations_and_sets(response: str, gold: str, status: str) -> None:
    assert verify(response, gold, timeout=20.0).status == status


# (response, gold, expected status)
TEXT_AND_UNIT_CASES = [
    ("The answer is $9\\text{ a.m.}$", "9", "correct"),
    ("The answer is 9 am", "9", "correct"),
    ("The answer is $9\\text{ p.m.}$", "10", "wrong"),
    ("$\\cos 58^\\circ$", "\\cos58", "correct"),
    ("$\\cos 58$", "\\cos 58^\\circ", "correct"),
    ("$\\cos 59^\\circ$", "\\cos58", "wrong"),
    ("$2\\cos 15^\\circ$", "2\\cos15", "correct"),
    ("$\\sin 30^\\circ$", "\\frac12", "correct"),
    ("\\\\boxed{\\\\frac{1}{2}}", "\\frac12", "correct"),
    ("\\\\boxed{\\\\frac{1}{2}}", "\\frac13", "wrong"),
    ("Answer: 2,74", "2.74", "correct"),
    ("Soucis : 2,74 $ a..", "2.74", "correct"),
    ("Answer: 1.22", "1,22", "correct"),
    ("Answer: 0.111", "0,111", "correct"),
    ("Answer: 111", "0,111", "wrong"),
    ("Answer: 1,000", "1000", "correct"),
    ("Answer: 1,000", "1", "wrong"),
    ("Answer: x = 1,000", "1000", "correct"),
    ("Answer: x = 1,000", "1", "wrong"),
    ("\\boxed{n = 12,345}", "12345", "correct"),
    ("\\boxed{n = 12,345}", "12", "wrong"),
    ("The answer is $\\boxed{0.25\\,}$.", "0.25\\,\\text{ cm}", "correct"),
]


@pytest.mark.parametrize(("response", "gold", "status"), TEXT_AND_UNIT_CASES)
def test_text_and_units_around_a_number(response: str, gold: str, status: str) -> None:
    assert verify(response, gold, timeout=20.0).status == status


# one classifier: curation's kinds are the verifiers' kinds
@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        ("42", "integer"),
        ("\\frac{3}{4}", "fraction"),
        ("0.625", "decimal"),
        ("11-2\\sqrt6", "radical"),
        ("\\sqrt2+\\sqrt3", "expression"),
        ("16-4\\pi", "pi_multiple"),
        ("1011_2", "base_numeral"),
        ("[0,1]", "interval"),
        ("(1,2)", "tuple"),
        ("2, 3", "tuple"),
        ("\\{1,2\\}", "set"),
        ("\\begin{pmatrix}1\\\\2\\end{pmatrix}", "matrix"),
        ("y=2x+1", "equation"),
        ("\\text{Wednesday}", "text"),
        ("(B)", "choice"),
        ("x^2+2x+1", "expression"),
    ],
)
def test_curation_classifies_with_the_verifiers_parser(answer: str, kind: str) -> None:
    from mathreward.curation.answers import KINDS, classify

    assert parse_answer(answer, symbolic=False).kind == kind
    assert classify(answer).kind == kind
    assert set(KINDS) - {"empty"} == set(parse_answer.__globals__["KINDS"])


def test_base_numerals_carry_their_value() -> None:
    assert parse_answer("1011_2").value == Fraction(11)
    assert parse_answer("{43}_{5}").value == Fraction(23)
    assert parse_answer("29_3").value is None  # 9 is not a base-3 digit
