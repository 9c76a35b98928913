"""Answers no constant equals (a polynomial in free variables, a formula cut after an operator) are decided on the
exact path, with the verdict the symbolic path gives; anything else still goes to the symbolic path."""

from __future__ import annotations

import pytest

from mathreward.verifiers.compare import NeedsSymbolic, Options, Outcome, compare
from mathreward.verifiers.polynomial import ends_in_operator, never_constant, nonconstant_polynomial

# (gold, the answer the fallback found in a rollout cut at the length limit)
DECIDED = [
    ("534", "x^2 - 6x + 84"),
    ("84", "\\[ x^2 - 6x + 84"),
    ("0", "x^2 - 6x + 84"),
    ("-6", "\\[ x^2 - 6"),
    ("2", "x^2"),
    ("6", "\\frac{x}{2} + 3"),
    ("12", "2(x+1)"),
    ("30", "30 \\times"),
    ("30", "30 \\tim"),
    ("30", "30 \\t"),
    ("2370", "30 \\times 79 ="),
    ("84", "x^2 - 6x +"),
    ("0", "x^2 - 6x + 84 ="),
    ("\\frac{1}{2}", "x^2 -"),
    ("\\sqrt{2}", "3 \\cdot"),
]
# the symbolic path may say equal, or reads these its own way: never decided here
UNDECIDED = [
    ("3", "x - x + 3"),  # the variable cancels
    ("7", "e^2"),  # e is a constant there
    ("2", "f(x)"),  # a function
    ("6", "x^23"),  # x^2 times 3 in LaTeX
    ("1", "ab"),  # a word or a product
]


@pytest.mark.parametrize(("gold", "pred"), DECIDED)
def test_never_constant_decided_as_the_symbolic_path_decides(gold: str, pred: str) -> None:
    from mathreward.verifiers.symbolic import compare_symbolic

    exact = compare(gold, (pred,), Options())
    assert exact == Outcome(False, "value mismatch")
    assert compare_symbolic(gold, (pred,), Options()) == exact


@pytest.mark.parametrize(("gold", "pred"), UNDECIDED)
def test_other_shapes_still_need_the_symbolic_path(gold: str, pred: str) -> None:
    with pytest.raises(NeedsSymbolic):
        compare(gold, (pred,), Options())


def test_an_equation_the_symbolic_path_rearranges_is_left_to_it() -> None:
    from mathreward.verifiers.symbolic import compare_symbolic

    with pytest.raises(NeedsSymbolic):
        compare("y = 5", ("y = 2y - 5",), Options())
    assert compare_symbolic("y = 5", ("y = 2y - 5",), Options()).equal


def test_never_constant_shapes() -> None:
    assert nonconstant_polynomial("x^2 - 6x + 84")
    assert nonconstant_polynomial("x^{23}")
    assert nonconstant_polynomial("\\frac{x}{2}")
    assert not nonconstant_polynomial("\\frac{2}{x}")  # not a polynomial: cannot tell
    assert not nonconstant_polynomial("a \\cdot b - b \\cdot a")
    assert not nonconstant_polynomial("x(x+1)")
    assert not nonconstant_polynomial("0x")
    assert not nonconstant_polynomial("y^0")
    assert ends_in_operator("80 \\times 79 =")
    assert ends_in_operator("10 \\time")
    assert not ends_in_operator("-")
    assert not ends_in_operator("x^2")
    assert not never_constant("30")
    assert not never_constant("3 \\cdot 4")
    assert not never_constant("x" * 500)
