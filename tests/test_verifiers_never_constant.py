"""Answers no constant equals (a polynomial in free variables, a formula cut after an operator) and answers the
symbolic path reads nothing in (prose cut after a display opener, prose with a period) are decided on the exact path,
with the verdict the symbolic path gives; anything else still goes to the symbolic path."""

from __future__ import annotations

import random

import pytest

from mathreward.verifiers.compare import NeedsSymbolic, Options, Outcome, compare
from mathreward.verifiers.polynomial import ends_in_operator, never_constant, nonconstant_polynomial
from mathreward.verifiers.unreadable import cut_after_display_opener, prose_with_period, symbolic_unreadable

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


# (gold, an answer the fallback found in a rollout cut right after a display opener or a lone backslash): the symbolic
# path reads nothing in it (``unreadable``), so it says "value mismatch" whatever the gold
UNREADABLE = [
    ("870906", "and which by.\n\\["),
    ("59001", ".\nSum terms sum substitute equation a.\nThe terms product simplify a the.\n\\["),
    ("56", ".\n\\[ x"),
    ("787", "equation.\n\\[ x"),
    ("5", "5 \\["),
    ("5", "so 5. \\["),
    ("\\frac{1}{2}", "then 1/2 \\["),
    ("7", "we have (a + b) \\[ 7"),
    ("3", "x = 3 \\[ x"),
    ("6407", "consider.\n\\"),
    ("32343", "we carefully the.\n\\"),
    ("5", "e.g"),
    ("\\sqrt{2}", "so a. b. c"),
]
# near misses the exact path leaves to the symbolic path: there math-verify reads a value (the first two), or the
# clean-up and LaTeX normalisation may move the opener (sqrt), or the last side of an equation is read alone
NEAR_MISSES = [
    ("\\frac{1}{2}", "the answer is \\frac{1}{2} \\[", True),  # a fraction after "answer" is a match of its own
    ("5", "the answer is [5] then \\[", True),  # so is a bracketed value
    ("5", "x sqrt5 \\[", False),
    ("5", "so 2 = 3 = 5 \\[", False),
    ("5", "so 3 \\[ \\frac{1}{2}", False),
]


@pytest.mark.parametrize(("gold", "pred"), UNREADABLE)
def test_unreadable_answers_decided_as_the_symbolic_path_decides(gold: str, pred: str) -> None:
    from mathreward.verifiers.symbolic import compare_symbolic

    exact = compare(gold, (pred,), Options())
    assert exact == Outcome(False, "value mismatch")
    assert compare_symbolic(gold, (pred,), Options()) == exact


@pytest.mark.parametrize(("gold", "pred", "symbolic_equal"), NEAR_MISSES)
def test_near_misses_still_need_the_symbolic_path(gold: str, pred: str, symbolic_equal: bool) -> None:
    from mathreward.verifiers.symbolic import compare_symbolic

    with pytest.raises(NeedsSymbolic):
        compare(gold, (pred,), Options())
    assert compare_symbolic(gold, (pred,), Options()).equal is symbolic_equal


@pytest.mark.parametrize(
    ("text", "cut", "prose"),  # (a cleaned answer, cut after a display opener?, prose with a period?)
    [
        ("and which by. \\[", True, False),
        ("equation. \\[ x", True, False),
        ("so \\frac{1}{2} \\[", False, False),  # a second command
        ("a \\[ = 5", False, False),  # the last side of an equation is read alone
        ("a \\[ x \\]", False, False),
        ("so $5$ \\[", False, False),
        ("so [5] \\[", False, False),
        ("so \\\\[", False, False),
        ("x" * 399 + "\\[x", False, False),  # too long
        ("we carefully the.", False, True),
        ("e.g", False, True),
        ("the end", False, False),  # no period: words are symbols to the symbolic path
        ("so 5.", False, False),  # a digit
        ("so sqrt.", False, False),
    ],
)
def test_unreadable_shapes(text: str, cut: bool, prose: bool) -> None:
    assert (cut_after_display_opener(text), prose_with_period(text)) == (cut, prose)
    assert symbolic_unreadable(text) is (cut or prose)


_PIECES = [
    "x",
    "y",
    "e",
    "E",
    "I",
    "pi",
    "the",
    "and",
    "or",
    "inf",
    "percent",
    "sum",
    "d",
    "5",
    "12",
    "3.5",
    ".",
    ",",
    ";",
] + ["+", "-", "*", "/", "^", "_", "(", ")", "{", "}", "[", "<", ">", "!", "|", "'", "%", "=", " ", " ", "\n", "√"]
_WORDS = ["we", "the", "a", "e", "E", "I", "and", "or", "inf", "percent", "infinity", "sum", "ln", "d", "x", "is"]


def _random_answer(rng: random.Random) -> str:
    """Text cut after a display opener, or prose with periods, with what the symbolic path's reader might take in."""
    if rng.random() < 0.5:
        head = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 12)))
        tail = "".join(rng.choice([p for p in _PIECES if p != "="]) for _ in range(rng.randint(0, 4)))
        return head + "\\[" + (tail if rng.random() < 0.5 else "")
    words = "".join(rng.choice(_WORDS) + rng.choice(["", " ", ".", ". ", ", ", " ."]) for _ in range(rng.randint(1, 8)))
    return words + rng.choice(["", "."])


def test_the_symbolic_path_reads_nothing_in_unreadable_answers() -> None:
    from mathreward.verifiers.symbolic import parse_symbolic

    rng = random.Random(7)
    texts = [text for text in (_random_answer(rng) for _ in range(400)) if symbolic_unreadable(text)]
    assert len(texts) > 300
    for text in texts:
        assert parse_symbolic(text) == (), text


def test_unreadable_answers_decided_as_the_symbolic_path_decides_at_random() -> None:
    from mathreward.verifiers.symbolic import compare_symbolic

    rng = random.Random(3)
    decided = 0
    for _ in range(300):
        gold, pred = rng.choice(["0", "5", "-3", "\\frac{1}{2}", "\\sqrt{2}", "2\\pi"]), _random_answer(rng)
        pred += rng.choice(["", "", "\n\\"])  # cut after a lone backslash too
        try:
            exact = compare(gold, (pred,), Options())
        except NeedsSymbolic:
            continue
        decided += exact == Outcome(False, "value mismatch")
        assert compare_symbolic(gold, (pred,), Options()) == exact, (gold, pred)
    assert decided > 150
