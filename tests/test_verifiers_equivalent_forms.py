"""Equivalent answers that rule-based checkers reject, kind by kind, each with the near misses that must stay wrong.

Every row is (response, gold, expected correct). The negatives are what keeps the verifier free of false positives:
each positive rule has a wrong answer of the same shape next to it.
"""

from __future__ import annotations

import pytest

from mathreward.verifiers import extract, is_equivalent, verify
from mathreward.verifiers.turns import strip_end_of_turn

# kind -> [(response, gold, expected)]
CASES: dict[str, list[tuple[str, str, bool]]] = {
    "angles": [
        ("Answer: 120^\\circ", "\\frac{2\\pi}{3}", True),
        ("\\boxed{30^\\circ}", "\\frac{\\pi}{6}", True),
        ("\\boxed{135^{\\circ}}", "\\frac{3\\pi}{4}", True),
        ("The angle is $45°$.", "\\frac{\\pi}{4}", True),
        ("\\boxed{\\frac{2\\pi}{3}}", "120^\\circ", True),
        ("\\boxed{22.5^\\circ}", "\\frac{\\pi}{8}", True),
        ("\\boxed{30^\\circ, 150^\\circ}", "\\frac{\\pi}{6}, \\frac{5\\pi}{6}", True),
        ("\\boxed{120^\\circ}", "\\frac{\\pi}{3}", False),
        ("\\boxed{60^\\circ}", "\\frac{2\\pi}{3}", False),
        ("\\boxed{\\frac{2\\pi}{3}}", "120", False),  # a bare 120 is not a degree measure
        ("\\boxed{120}", "\\frac{2\\pi}{3}", False),
        ("\\boxed{30^\\circ, 160^\\circ}", "\\frac{\\pi}{6}, \\frac{5\\pi}{6}", False),
    ],
    "set_builder": [
        ("\\boxed{\\{x | 2 < x < 3\\}}", "(2, 3)", True),
        ("\\boxed{\\Big\\{x \\mid -2<x<3\\Big\\}}", "(-2,\\ 3)", True),
        ("\\boxed{\\{x \\mid x \\le 1 \\text{ or } x > 4\\}}", "(-\\infty, 1] \\cup (4, \\infty)", True),
        ("\\boxed{\\{x : x \\ne 0\\}}", "(-\\infty, 0) \\cup (0, \\infty)", True),
        ("\\boxed{\\mathbb{R}}", "(-\\infty, \\infty)", True),
        ("\\boxed{x \\in \\mathbb{R}}", "(-\\infty,\\infty)", True),
        ("\\boxed{\\mathbb{R} \\setminus \\{1\\}}", "(-\\infty,1)\\cup(1,\\infty)", True),
        ("\\boxed{\\{x \\in \\mathbb{R} \\mid x \\geq 5\\}}", "[5, \\infty)", True),
        ("\\boxed{\\left\\{x \\vert x < 0\\right\\}}", "(-\\infty, 0)", True),
        ("\\boxed{(2, 3)}", "\\{x \\mid 2 < x < 3\\}", True),
        ("\\boxed{\\{x | 2 < x < 4\\}}", "(2, 3)", False),
        ("\\boxed{\\{x | 2 < x \\le 3\\}}", "(2, 3)", False),
        ("\\boxed{\\{x \\mid x < 1 \\text{ or } x > 4\\}}", "(-\\infty, 1] \\cup (4, \\infty)", False),
        ("\\boxed{\\mathbb{R} \\setminus \\{2\\}}", "(-\\infty,1)\\cup(1,\\infty)", False),
        ("\\boxed{\\{x \\in \\mathbb{Z} \\mid 1 < x < 5\\}}", "(1, 5)", False),  # integers are not an interval
    ],
    "symbols": [
        ("\\boxed{∀x＞0, 3<sup>x</sup>≥x<sup>2</sup>}", "\\forall x > 0, 3^x \\geq x^2", True),
        ("\\boxed{∀x＞0, 3<sup>x</sup>≥x<sup>3</sup>}", "\\forall x > 0, 3^x \\geq x^2", False),
        ("\\boxed{x² + 1}", "x^2+1", True),
        ("\\boxed{x³ + 1}", "x^2+1", False),
        ("\\boxed{②③}", "2, 3", True),
        ("\\boxed{②④}", "2, 3", False),
        ("\\boxed{①②③}", "1, 2", False),
        ("答案：３００", "300", True),
        ("\\boxed{(- \\frac {1}{2}, \\sqrt {2}.]}", "(-\\frac12, \\sqrt2]", True),
        ("\\boxed{(- \\frac {1}{2}, \\sqrt {2}.)}", "(-\\frac12, \\sqrt2]", False),
        ("\\boxed{185\\}", "185", True),
        ("Answer: 185\\", "185", True),
        ("Answer: 186\\", "185", False),
    ],
    "parameters": [
        ("\\boxed{x = k\\pi}", "x = n\\pi", True),
        ("\\boxed{x = \\frac{\\pi}{4} + k\\pi}", "x = \\frac{\\pi}{4} + n\\pi", True),
        ("\\boxed{(-32 + 3t, 64 - 5t) \\text{ for some integer } t}", "(k, \\ell) = (-32 + 3x, 64 - 5x)", True),
        ("\\boxed{x = 2m\\pi, m \\in \\mathbb{Z}}", "x = 2k\\pi", True),
        ("\\boxed{x = k\\pi}", "x = \\frac{n\\pi}{2}", False),
        ("\\boxed{(-32 + 3t, 64 + 5t) \\text{ for some integer } t}", "(k, \\ell) = (-32 + 3x, 64 - 5x)", False),
        ("\\boxed{y^2 + 1}", "x^2 + 1", False),  # f(x) against f(y)
        ("\\boxed{f(y)}", "f(x)", False),
        ("\\boxed{x = k\\pi + m}", "x = n\\pi", False),
        ("\\boxed{y = 2t + 1}", "y = 2x + 1", False),  # no parameter declared, no general solution
    ],
    "functions": [
        ("\\boxed{\\frac{\\sin x + \\sin 3x}{\\cos x + \\cos 3x}}", "\\tan 2x", True),
        ("\\boxed{\\frac{1-\\cos x}{\\sin x}}", "\\tan \\frac{x}{2}", True),
        ("\\boxed{\\frac{e^{2x}+1}{2}}", "e^{x}\\cosh x", True),
        ("\\boxed{\\frac{e^{2x}+1}{2.000002}}", "e^{x}\\cosh x", False),  # 1e-6 relative
        ("\\boxed{\\frac{1-\\cos x}{\\sin x} + 10^{-40}}", "\\tan \\frac{x}{2}", False),
        ("\\boxed{\\frac{1-\\cos y}{\\sin y}}", "\\tan \\frac{x}{2}", False),
        ("\\boxed{2\\ln x}", "\\ln(x^2)", False),  # equal for x > 0 only
        ("\\boxed{x}", "\\sqrt{x^2}", False),
        (
            "\\boxed{\\dfrac{\\cos t \\ln(\\cos t)}{2 e^{\\sec^2 t} \\sin t}}",
            "\\frac{1}{2} \\cot t \\ln(\\cos t) e^{-\\sec^2 t}",
            True,
        ),
        (
            "\\boxed{\\dfrac{\\cos t \\ln(\\cos t)}{2 e^{\\sec^2 t} \\sin 2t}}",
            "\\frac{1}{2} \\cot t \\ln(\\cos t) e^{-\\sec^2 t}",
            False,
        ),
    ],
    "mixed_numbers": [
        ("\\boxed{1 1/2}", "1.5", True),
        ("\\boxed{1\\frac12}", "1.5", True),
        ("\\boxed{2\\frac58}", "2.625", True),
        ("\\boxed{1 1/2}", "11/2", False),
        ("\\boxed{1\\frac12}", "1.2", False),
        ("\\boxed{2\\frac58}", "2.58", False),
        ("\\boxed{10weeks}", "10", True),
        ("\\boxed{10weeks}", "100", False),
        ("\\boxed{10xy}", "10", False),
        ("\\boxed{17}", "17\\text{ any text}", True),
        ("\\boxed{71}", "17\\text{ any text}", False),
        ("\\boxed{5}", "5 \\text{ or } 6", False),
        ("\\boxed{\\frac{737}{39}}", "\\frac{737}{39}\\;\\text{(about }18.9\\text{ cards)}", True),
        ("\\boxed{18.9}", "\\frac{737}{39}\\;\\text{(about }18.9\\text{ cards)}", False),
        ("\\boxed{\\frac{737}{39} \\approx 18.9}", "\\frac{737}{39}", True),
        ("\\boxed{\\frac{737}{38} \\approx 18.9}", "\\frac{737}{39}", False),
        ("\\boxed{\\frac{737}{39}}", "\\frac{737}{39} ≈ 18.9", True),
        ("\\boxed{x \\approx 11}", "11", True),
        ("\\boxed{505}", "\\text{... and the requested sum is }505", True),
        ("\\boxed{\\text{... and the requested sum is }505}", "505", True),
        ("\\boxed{\\text{... and the requested sum is not }505}", "505", False),
        ("\\boxed{\\text{... and the requested sum is }506}", "505", False),
    ],
    "matrices_and_roots": [
        ("\\boxed{[0.5, 1]}", "\\begin{matrix}\\frac12\\\\1\\end{matrix}", True),
        ("\\boxed{(1, 2, 3)}", "\\begin{pmatrix}1\\\\2\\\\3\\end{pmatrix}", True),
        ("\\boxed{[1, 0.5]}", "\\begin{matrix}\\frac12\\\\1\\end{matrix}", False),
        ("\\boxed{(1, 2)}", "\\begin{pmatrix}1 & 2\\\\3 & 4\\end{pmatrix}", False),
        (
            "\\boxed{\\{2,3,\\frac32+\\frac{\\sqrt3}{2}i, \\frac32-\\frac{\\sqrt3}{2}i\\}}",
            "\\{2, 3, \\tfrac32 \\pm \\tfrac{\\sqrt3}{2}i\\}",
            True,
        ),
        (
            "\\boxed{\\{2,3,\\frac32+\\frac{\\sqrt3}{2}i\\}}",
            "\\{2, 3, \\tfrac32 \\pm \\tfrac{\\sqrt3}{2}i\\}",
            False,
        ),
    ],
    "choices": [
        ("The answer is for sure D, it can't be A or B", "D", True),
        ("D. it can't be A or B", "(D) Alina", True),
        ("The answer: D", "D", True),
        ("The answer: C", "C Cecile", True),
        ("The answer is Cecile.", "C Cecile", True),
        ("The answer: D", "C Cecile", False),
        ("it can't be D, the answer is C", "D", False),
        ("The answer is A or B", "B", False),
        ("The answer is for sure D, it can't be A or B", "A", False),
        ("B. it can't be D", "(D) Alina", False),
        ("A total of 3 apples, so C", "A", False),
        ("故选 B", "B", True),
        ("The answer is C, since A and B fail.", "C", True),
        ("The answer is C, since A and B fail.", "A", False),
        ("故选 B", "C", False),
        ("So the correct option must be C, not A", "C", True),
    ],
    "languages": [
        ("答案：300", "300", True),
        ("答：一共需要 300 分钟。", "300", True),
        ("答：一共需要 300 分钟。", "3", False),
        ("每天30分钟，共10天，所以一共是 300 分钟。", "300", True),
        ("所以一共是 300 分钟", "30", False),
        ("Réponse : 220 $", "220", True),
        ("Il y a 100 élèves donc 25 %", "25", True),
        ("Il y a 100 élèves donc 25 %", "100", False),
        ("Die Lösung: Also sind es 42 Äpfel.", "42", True),
        ("Antwort: 42 Äpfel", "42", True),
        ("Por lo tanto, la respuesta es 15 manzanas.", "15", True),
        ("Respuesta: 15", "16", False),
        ("Итак, всего будет 12 яблок.", "12", True),
        ("Ответ: 12 яблок.", "12", True),
        ("Ответ: 12 яблок.", "13", False),
        ("答案：x=2或x=3", "3", False),  # a list is never cut down to one value
        ("答案是 $\\frac{1}{2}$ 米", "\\frac12", True),
    ],
    "end_of_turn": [
        ("Answer: 9<|im_end|>\n<|im_start|>user\nAnd 2+2?<|im_end|>\n<|im_start|>assistant\nAnswer: 4", "9", True),
        ("Answer: 9<|im_end|>\n<|im_start|>user\nAnd 2+2?<|im_end|>\n<|im_start|>assistant\nAnswer: 4", "4", False),
        ("So \\boxed{7}</s><|im_start|>assistant\n\\boxed{8}", "7", True),
        (
            "<|im_start|>user\nIs it 5?<|im_end|>\n<|im_start|>assistant\nAnswer: 4<|im_end|>\n<|im_start|>user\n"
            "Sure?<|im_end|>\n<|im_start|>assistant\nAnswer: 6<|im_end|>",
            "6",
            True,
        ),
        ("<｜begin▁of▁sentence｜>Be brief.<｜User｜>1+1?<｜Assistant｜>Answer: 2<｜end▁of▁sentence｜>", "2", True),
        ("<bos><start_of_turn>user\nAnswer: 9<end_of_turn>\n<start_of_turn>model\nAnswer: 8<end_of_turn>", "8", True),
        ("<bos><start_of_turn>user\nAnswer: 9<end_of_turn>\n<start_of_turn>model\nAnswer: 8<end_of_turn>", "9", False),
    ],
    # issue 30: the last missed shapes, each beside its near misses
    "bound_function_variable": [
        ("\\boxed{g(u) = 3u - 1}", "g(t)=3t-1", True),
        ("\\boxed{h(k) = 5k + 3}", "h(n) = 5n+3", True),
        ("\\boxed{g(u) = 3t - 1}", "g(t)=3t-1", False),  # t is free on the left: another function
        ("\\boxed{3u - 1}", "3t-1", False),  # no definition binds them: renamed free variables differ
        ("\\boxed{h(k) = 5k + 4}", "h(n) = 5n+3", False),
    ],
    "ordinal": [
        ("\\boxed{7^{\\text{th}}}", "7", True),
        ("The answer is the 20th day.", "20", True),
        ("\\boxed{12^{th}}", "12", True),
        ("\\boxed{3^{rd}}", "3", True),
        ("\\boxed{12^{t}}", "12", False),  # a power of t, not an ordinal
        ("\\boxed{2^{n}}", "2", False),
        ("\\boxed{13^{\\text{th}}}", "12", False),
    ],
    "labelled_values": [
        ("\\boxed{2 \\text{ large boxes and } 6 \\text{ small crates}}", "2,6", True),
        ("\\boxed{\\text{Minimum: } -2, \\text{ Maximum: } 9}", "-2,9", True),
        ("\\boxed{2 \\text{ large boxes and } 7 \\text{ small crates}}", "2,6", False),
        ("\\boxed{\\text{Minimum: } -2, \\text{ Maximum: } 8}", "-2,9", False),
        ("\\boxed{\\text{Minimum: } 9, \\text{ Maximum: } -2}", "-2,9", False),
    ],
    "inequalities_joined_by_or": [
        ("\\boxed{1 < x \\le 2 \\text{ or } x \\geq 5}", "(1, 2] \\cup [5, \\infty)", True),
        ("\\boxed{k \\leqslant 0 \\text{ or } k = 3}", "(-\\infty, 0] \\cup \\{3\\}", True),
        ("\\boxed{1 < x < 2 \\text{ or } x \\geq 5}", "(1, 2] \\cup [5, \\infty)", False),
        ("\\boxed{k \\leqslant 0 \\text{ or } k = 4}", "(-\\infty, 0] \\cup \\{3\\}", False),
        ("\\boxed{x = 1 \\text{ or } x = 2}", "1, 2", True),  # values stay a list
    ],
    "braceless_arguments": [
        ("\\boxed{\\frac{x+1}y}", "\\dfrac{1+x}{y}", True),
        ("\\boxed{\\frac{x+1}2}", "\\frac{1+x}{2}", True),
        ("\\boxed{\\frac{x+1}yz}", "\\dfrac{1+x}{yz}", False),  # \\frac{x+1}{y} z
        ("\\boxed{\\frac{x+1}y}", "\\dfrac{1+x}{z}", False),
    ],
    "two_plus_minus_in_a_tuple": [
        ("\\boxed{(\\pm 1, \\pm 2, 0)}", "(1,2,0),(1,-2,0),(-1,2,0),(-1,-2,0)", True),
        ("\\boxed{(1,2,0),(1,-2,0),(-1,2,0),(-1,-2,0)}", "(\\pm 1, \\pm 2, 0)", True),
        ("\\boxed{(\\pm 1, \\pm 2, 0)}", "(1,2,0),(-1,-2,0)", False),
        ("\\boxed{(\\pm 1, \\pm 3, 0)}", "(1,2,0),(1,-2,0),(-1,2,0),(-1,-2,0)", False),
    ],
    "constant_case_in_a_named_tuple": [
        ("\\boxed{\\left(2c x + 1, x\\right)}", "(P(x), Q(x)) = (2Cx + 1, x)", True),
        ("\\boxed{\\left(2d x + 1, x\\right)}", "(P(x), Q(x)) = (2Cx + 1, x)", False),
        ("\\boxed{\\left(2c x + 2, x\\right)}", "(P(x), Q(x)) = (2Cx + 1, x)", False),
    ],
    "interval_as_bounds": [
        ("\\boxed{-2 \\le x \\le 7}", "x \\in [-2,7]", True),
        ("\\boxed{-2 \\leq x \\leq 7}", "x \\in [-2,7]", True),
        ("\\boxed{7 \\ge x \\ge -2}", "x \\in [-2,7]", True),
        ("\\boxed{x \\in [-2,7]}", "-2 \\le x \\le 7", True),
        ("\\boxed{[-2,7]}", "x \\in [-2,7]", True),  # a bare interval names no variable
        ("\\boxed{-2 < x \\le 7}", "x \\in [-2,7]", False),  # an open endpoint
        ("\\boxed{-2 \\le x < 7}", "x \\in [-2,7]", False),
        ("\\boxed{x \\in (-2,7]}", "-2 \\le x \\le 7", False),
        ("\\boxed{-2 \\le x \\le 8}", "x \\in [-2,7]", False),
        ("\\boxed{x \\ge -2}", "x \\in [-2,7]", False),
        ("\\boxed{-2 \\le y \\le 7}", "x \\in [-2,7]", False),  # the interval of another variable
        ("\\boxed{y \\in [-2,7]}", "-2 \\le x \\le 7", False),
    ],
    "choice_in_another_language": [
        ("la réponse est B, pas D", "B", True),
        ("答案是 C，不是 A", "C", True),
        ("la réponse est D, pas B", "B", False),
        ("答案是 A，不是 C", "C", False),
    ],
}

ROWS = [(kind, *case) for kind, cases in CASES.items() for case in cases]

# math-verify's strict=False as an opt-in: the prediction's own free variables renamed to the gold's.
# gold -> (responses the option accepts, near misses it still rejects)
RENAMED_VARIABLES: dict[str, tuple[list[str], list[str]]] = {
    "f(x)": (["$f(y)$"], ["$g(x)$"]),  # a function keeps its name
    "x^2+1": (["\\boxed{y^2 + 1}"], ["\\boxed{y^2 + 2}", "\\boxed{y^2 + x}"]),  # two names against one
    "y^2 + x": (["\\boxed{b^2 + a}"], ["\\boxed{x^2 + y}"]),  # the same names: nothing renamed or swapped
    "x \\in [-2,7]": (["\\boxed{-2 \\le y \\le 7}"], ["\\boxed{-2 < y \\le 7}"]),
}
RENAMED_ROWS = [
    (response, gold, accepted)
    for gold, (accepts, rejects) in RENAMED_VARIABLES.items()
    for accepted, responses in ((True, accepts), (False, rejects))
    for response in responses
]


@pytest.mark.parametrize(("kind", "response", "gold", "expected"), ROWS)
def test_equivalent_forms(kind: str, response: str, gold: str, expected: bool) -> None:
    verdict = verify(response, gold, timeout=20)
    assert verdict.correct is expected, (kind, verdict)
    assert verdict.status == ("correct" if expected else "wrong"), verdict


@pytest.mark.parametrize(("response", "gold", "expected"), RENAMED_ROWS)
def test_renamed_free_variables_only_with_the_option(response: str, gold: str, expected: bool) -> None:
    assert verify(response, gold, timeout=20, rename_variables=True).correct is expected
    assert verify(response, gold, timeout=20).correct is False  # by default a free variable's name matters
    assert is_equivalent(gold, extract(response).answer or "", timeout=20, rename_variables=True) is expected


def test_every_kind_has_positives_and_near_miss_negatives() -> None:
    for kind, cases in CASES.items():
        assert {expected for _r, _g, expected in cases} == {True, False}, kind


def test_response_ends_at_its_first_end_of_turn_and_a_decoded_prompt_keeps_its_last_assistant_turn() -> None:
    invented = "Answer: 9<|im_end|>\n<|im_start|>user\nAnd 2+2?<|im_end|>\n<|im_start|>assistant\nAnswer: 4"
    assert strip_end_of_turn(invented) == "Answer: 9"
    decoded = "<|im_start|>user\nAnd 2+2?<|im_end|>\n<|im_start|>assistant\nAnswer: 4<|im_end|>"
    assert strip_end_of_turn(decoded) == "\nAnswer: 4"
    assert extract(invented).answer == "9"


def test_choice_reading_needs_a_choice_gold_and_the_auto_style() -> None:
    assert verify("D. it can't be A or B", "D").status == "correct"
    assert verify("D. it can't be A or B", "D", style="strict").status == "no_answer"
    assert verify("D. it can't be A or B", "12").status == "no_answer"


def test_identity_check_is_deterministic() -> None:
    gold, pred = "\\tan 2x", "\\frac{\\sin x + \\sin 3x}{\\cos x + \\cos 3x}"
    assert [is_equivalent(gold, pred, timeout=20) for _ in range(3)] == [True, True, True]


def test_numeric_identity_in_process() -> None:
    import sympy

    from mathreward.verifiers.identity import same_function

    x, y = sympy.symbols("x y")
    assert same_function(sympy.tan(x / 2), (1 - sympy.cos(x)) / sympy.sin(x))
    assert not same_function(sympy.tan(x / 2), (1 - sympy.cos(x)) / sympy.sin(x) * (1 + sympy.Rational(1, 10**6)))
    assert not same_function(x**2 + 1, y**2 + 1)
    assert not same_function(sympy.Integer(2), sympy.Integer(2))  # numbers: never decided on one point
    assert not same_function(sympy.log(x**2), 2 * sympy.log(x))


HEDGES_AND_NEAR_MISSES = [
    ("The answer is (B) and (C)", "B"),
    ("\\boxed{B, C}", "C"),
    ("\\boxed{1}", "1 \\text{ less than } n"),
    ("\\boxed{[1, 2]}", "\\begin{pmatrix}1 & 0\\\\0 & 2\\end{pmatrix}"),
    ("\\boxed{\\begin{pmatrix}1\\\\2\\end{pmatrix}}", "[1, 2]"),
    ("\\boxed{\\lfloor x + 0.0001 \\rfloor}", "\\lfloor x \\rfloor"),
    ("\\boxed{1101_5}", "1101_4"),
    ("\\boxed{-221_4}", "-221_3"),
    ("\\boxed{0.0011_{3}}", "0.0011_{2}"),
    ("\\boxed{440{cm}^3}", "440{cm}^2"),
    ("\\boxed{45 \\text{ units}^3}", "45 \\text{ units}^2"),
]


@pytest.mark.parametrize(("response", "gold"), HEDGES_AND_NEAR_MISSES)
def test_hedges_and_near_misses_stay_wrong(response: str, gold: str) -> None:
    assert verify(response, gold, timeout=20).correct is False


def test_same_base_numeral_and_same_unit_power_stay_right() -> None:
    assert verify("\\boxed{1101_4}", "1101_{4}").correct
    assert verify("\\boxed{1101}", "1101_4").correct  # the base left out, as before
    assert verify("\\boxed{440 cm^2}", "440{cm}^2").correct


def test_fast_lane_agrees_with_the_full_path_on_answer_labels_in_other_languages() -> None:
    from mathreward.verifiers import verify_batch
    from mathreward.verifiers.fast_lane import disabled

    responses = [
        "Antwort: 5\nAnswer: 6",
        "Answer: 6\nОтвет: 5",
        "Ответ: 5\n\\boxed{6}",
        "Reponse: 5\n\\boxed{6}",
        "x\nAntwort: 6",
    ]
    for style in ("auto", "strict", "dapo", "boxed"):
        fast = verify_batch(responses, ["6"] * len(responses), style=style, workers=0)
        with disabled():
            full = verify_batch(responses, ["6"] * len(responses), style=style, workers=0)
        assert fast == full, style
    assert verify("x\nAntwort: 6", "6", style="dapo").status == "no_answer"  # dapo reads "Answer:" lines only
    assert verify("x\nAntwort: 6", "6").status == "correct"


HOSTILE = [
    "1" * 1999,
    "\\{x | " * 300,
    "x<" * 900,
    "for some integer " * 100,
    "D, " * 600,
    "1°" * 900,
    "答案是" * 600,
    "$1$" * 600,
    "①" * 1900,
    "x²" * 900,
    "<sup>" * 390,
    "\\" * 1999,
    "é 1, " * 390,
    "1 1/2 " * 320,
    "k\\pi " * 390,
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text", HOSTILE)
def test_new_rules_on_hostile_text_finish_and_return_text(text: str) -> None:
    from mathreward.verifiers import angles, choices, forms, languages, parameters, set_builder, symbols

    assert isinstance(angles.align_angle_units(text, (text,))[0], str)
    assert isinstance(set_builder.as_intervals(text), str)
    assert isinstance(parameters.align_parameters(text, text)[1], str)
    assert choices.chosen_letter(text) in (None, *"ABCDEFGHIJ")
    assert isinstance(forms.stated_value(text), str) and isinstance(forms.without_approximation(text), str)
    assert languages.foreign_value(text) is None or len(languages.foreign_value(text) or "") <= len(text)
    assert isinstance(symbols.repair_ends(symbols.ascii_forms(text)), str)
    assert isinstance(forms.labelled_values(forms.ordinal_value(forms.braced_arguments(text))), str)
    assert isinstance(parameters.constant_case(*parameters.align_function_variables(text, text))[1], str)
    assert isinstance(parameters.rename_free_variables(text, text[::-1]), str)
    assert parameters.named_variable(text) is None or len(parameters.named_variable(text) or "") <= 4
    assert extract((text + "\n") * 300).path in ("answer_line", "boxed", "math_span", "last_number", "none")
