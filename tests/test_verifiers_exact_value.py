"""verifiers.exact_value: one exact reading of an answer (kind, value, name, power) under the caller's size limits."""

from __future__ import annotations

from fractions import Fraction

import pytest

from mathreward.verifiers import verify
from mathreward.verifiers.exact import Value
from mathreward.verifiers.exact_value import exact_value
from mathreward.verifiers.parsing import parse_answer


def rational(value: Fraction | int) -> Value:
    return Value.rational(Fraction(value))


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("2\\frac12", "fraction", Fraction(5, 2)),
        ("2 \\frac{1}{2}", "fraction", Fraction(5, 2)),
        ("4\\tfrac12", "fraction", Fraction(9, 2)),
        ("-2\\frac{1}{4}", "fraction", Fraction(-9, 4)),
        ("2\\frac{1}{2}\\text{ inches}", "fraction", Fraction(5, 2)),
        ("5.4 \\text{ cents}", "decimal", Fraction(27, 5)),
        ("\\$20.70", "decimal", Fraction(207, 10)),
        ("10,080", "integer", 10080),
        ("\\frac{1}{29,322,216}", "fraction", Fraction(1, 29322216)),
        ("\\frac{27}{5} \\approx 5.4", "fraction", Fraction(27, 5)),
        ("\\boxed{34}", "integer", 34),
        ("120^\\circ", "integer", 120),
    ],
)
def test_rational_answers_read_exactly(text: str, kind: str, value: Fraction) -> None:
    answer = exact_value(text)
    assert (answer.kind, answer.value) == (kind, rational(value))


def test_mixed_numbers_are_the_same_value_for_the_verifiers() -> None:
    for text, value in (("2\\frac12", "5/2"), ("2 \\frac{1}{2}", "5/2"), ("4\\tfrac12", "9/2")):
        assert parse_answer(text, symbolic=False).value == Fraction(value)
        assert verify(f"Answer: {value}", text).correct
        assert not verify("Answer: 1", text).correct


def test_a_named_answer_is_read_after_its_name() -> None:
    answer = exact_value("M=\\frac{9}{32}\\sqrt{2}")
    assert (answer.kind, answer.name, answer.text) == ("radical", "M", "\\frac{9}{32}\\sqrt{2}")
    assert answer.value == Value({(2, 0): Fraction(9, 32)})
    assert exact_value("x = 5").name == "x" and exact_value("x = 5").value == rational(5)
    assert exact_value("5").name == ""


def test_percent_keeps_the_number_as_written() -> None:
    answer = exact_value("10\\%")
    assert (answer.kind, answer.value, answer.percent) == ("integer", rational(10), True)
    assert parse_answer("10\\%", symbolic=False).value == Fraction(1, 10)  # the verifiers' kind: 10% is 0.1


def test_powers_of_integers_are_integers_with_their_power() -> None:
    answer = exact_value("2^{1009}")
    assert (answer.kind, answer.power, answer.value) == ("integer", (2, 1009), rational(2**1009))
    huge = exact_value("10^{100000}", max_bits=4096)
    assert (huge.kind, huge.power, huge.value) == ("integer", (10, 100000), None)
    assert "4096 bits" in huge.detail
    assert exact_value("2^{100}-2").power is None and exact_value("2^{100}-2").value == rational(2**100 - 2)
    assert exact_value("{2}^{{100}}").power == (2, 100)


@pytest.mark.parametrize(
    ("text", "limits", "detail"),
    [
        ("1" * 300, {"max_chars": 200}, "too long"),
        ("1" * 50, {"max_digits": 40}, "longer than 40 digits"),
        ("2^{5000} \\cdot 3", {"max_bits": 4096}, "beyond 4096 bits"),
        ("19{}43", {}, "empty group"),
    ],
)
def test_limits_refuse_with_a_reason(text: str, limits: dict, detail: str) -> None:
    answer = exact_value(text, **limits)
    assert answer.value is None and answer.kind == "unparseable"
    assert detail in answer.detail


def test_hostile_answers_are_refused_not_computed() -> None:
    for text in ("9^{9^{9^9}}", "\\sqrt{" * 300 + "2" + "}" * 300, "(" * 2000, "", "x" * 10_000):
        answer = exact_value(text, max_chars=200)
        assert answer.value is None


def test_shapes_and_text_keep_the_verifiers_kind() -> None:
    assert exact_value("(2,1)").kind == "tuple"
    assert exact_value("[0,1]").kind == "interval"
    assert exact_value("\\text{Wednesday}").kind == "text"
    assert exact_value("1011_2").kind == "base_numeral"
    assert exact_value("\\sqrt{2}+\\sqrt{3}").kind == "expression"
