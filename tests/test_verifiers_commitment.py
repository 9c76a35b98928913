"""Commit to one answer or get nothing (issue 30): false equations, hedges, retractions and hidden text are not
rewarded; the honest shapes next to them (true chains, ``x = 5``, a remark after the answer, a rounding that rounds,
two boxes of one value) stay correct."""

from __future__ import annotations

import pytest

from mathreward.verifiers import verify, verify_batch
from mathreward.verifiers.commitment import visible_text

REASONING = "We expand and simplify the expression carefully.\n\n"


@pytest.mark.parametrize(
    ("response", "gold"),
    [
        ("Answer: 41 = 42", "42"),
        ("The answer is $\\boxed{41 = 42}$.", "42"),
        ("Answer: $41 = 42$", "42"),
        ("Answer: $2 + 3 = 6$", "6"),
        ("\\boxed{42 = 41}", "42"),
        ("Answer: $42 \\approx 43$", "42"),
        ("Answer: $\\frac{1}{2} \\approx \\frac{2}{2}$", "\\frac{1}{2}"),
        ("\\boxed{43 \\approx 42}", "42"),
        ("Answer: $\\frac{1}{3} = 0.5$", "\\frac{1}{3}"),
    ],
)
def test_a_false_statement_is_wrong(response: str, gold: str) -> None:
    for style in ("auto", "dapo"):
        verdict = verify(REASONING + response, gold, style=style)
        assert verdict.status in {"wrong", "no_answer"}, (style, verdict)


@pytest.mark.parametrize(
    ("response", "gold"),
    [
        ("Answer: 2+40 = 42", "42"),
        ("Answer: $38 + 4 = 42$", "42"),
        ("Answer: x = 42", "42"),
        ("Answer: $x = 42$", "42"),
        ("Answer: $\\frac{1}{3} = 0.3333$", "\\frac{1}{3}"),
        ("Answer: $\\frac{737}{39} \\approx 18.9$", "\\frac{737}{39}"),
        ("Answer: $\\pi r^2 = 9\\pi$", "9\\pi"),
        ("Answer: $x = 5+5+1 = 7 = 11$", "11"),  # a chain with a variable reads its last side (peer checkers' rule)
        ("The answer is $\\boxed{42}$.", "42"),
    ],
)
def test_a_true_chain_and_an_equation_with_a_variable_stay_answers(response: str, gold: str) -> None:
    assert verify(REASONING + response, gold).status == "correct"


HEDGES = [
    "Answer: 42 (or possibly 45)",
    "Answer: \\(42\\) or maybe 24",
    "Answer: 42 (but 43 also works)",
    "Answer: 42, or alternatively 43",
    "Answer: 42, unless it's 45",
    "Answer: 42 (approximately 43)",
    "Answer: 42 if $n$ is even, otherwise 43",
    "Answer: 42/43",
    "Answer: 42. Or maybe 43.",
    "The answer is $\\boxed{42}$, or perhaps $45$.",
    "The answer is \\boxed{42} unless the problem means 45.",
    "\\boxed{45} or maybe \\boxed{42}",
    "Answer: either 42 or 43",
    "Answer: 40, 41, 42, 43",
    "Answer: between 40 and 45",
    "Answer: $42 \\pm 1$",
    "Answer: 42 [or 45]",
    "Answer: 42 — or possibly 45",
    "Answer: 42 (could also be 45)",
    "Answer: 42 (45 is also possible)",
    "Answer: 42, though 45 is also possible",
    "Answer: 42\n\nAlternatively, 45.",
    "The answer is 42. Other possible answers: 43, 44.",
    "The answer is 42 (if I am not mistaken, otherwise 43).",
    "Answer: 42 (assuming a square; 43 otherwise)",
    "The answer is \\boxed{42}\n\n(43 if counting differently)",
    "Answer: **42** (or **43**)",
    "Answer: 42\n\nNote: if the problem intended a square, the answer would be 43.",
]


@pytest.mark.parametrize("response", HEDGES)
def test_a_hedge_is_not_rewarded_against_a_single_valued_gold(response: str) -> None:
    for style in ("auto", "dapo"):
        verdict = verify(REASONING + response, "42", style=style)
        assert not verdict.correct, (style, verdict)


def test_a_hedge_names_its_values_and_a_gold_that_lists_them_all_still_matches() -> None:
    verdict = verify(REASONING + "Answer: 42 (or possibly 45)", "42")
    assert verdict.status == "wrong"
    assert "hedged: another value offered beside the answer" in verdict.detail
    assert verify(REASONING + "Answer: 42 (or possibly 45)", "42, 45").status == "correct"


@pytest.mark.parametrize(
    ("response", "gold"),
    [
        # remarks after the answer that offer no other value, from real reference solutions' shapes
        ("so $J$ must be $\\boxed{120}$ (or else $J$ would have more than 16 factors).", "120"),
        ("it has an area of $\\boxed{108}~\\text{in}^2$.", "108"),
        ("so $n \\equiv -3 \\equiv \\boxed{8} \\pmod{11}$.", "8"),
        ("This yields $\\boxed{x+11}$ or $\\boxed{11+x}$.", "11+x"),
        ("so $\\binom{n}{0} = \\boxed{1}$.  Also, the only way to choose 0 objects out of $n$ is one.", "1"),
        ("is $\\boxed{-14},$ which occurs when $x = \\frac{3}{2},$ or $y = 1$.", "-14"),
        ("the company has to sell at least $\\boxed{445}$ widgets to make a profit.", "445"),
        ("Answer: 42 km/h", "42"),
        ("Answer: 42\n\nThis is the final answer.", "42"),
        ("Answer: 42 (the other root, 7, is not an integer)", "42"),
        ("Answer: 42 (6 times 7)", "42"),
        ("Answer: 42 (if we count the empty set)", "42"),
        ("\\boxed{42}\\hfill (done)", "42"),
        ("there are $\\boxed{2}$ possible values of $a$, and they are $a=0$ and $a=-4$.", "2"),
        ("\\boxed{42}. Another solution: pair 6 with 7.", "42"),
        ("\\boxed{42}.\\]Alternatively, by power of a point, $6 \\cdot 7 = 42$.", "42"),
        ("$$\\boxed{42}.$$(We could also note that $6 \\cdot 7 = 42$.)", "42"),
        ("\\boxed{42}.  We could also have paired 2 with 3, but that gives 5.", "42"),
    ],
)
def test_a_remark_after_the_answer_is_not_a_hedge(response: str, gold: str) -> None:
    assert verify(REASONING + response, gold).status == "correct"


@pytest.mark.parametrize(
    ("response", "gold", "status"),
    [
        ("Answer: 42. Wait, actually 43", "42", "wrong"),
        ("Answer: 43. Wait, actually 42", "42", "correct"),
        ("\\boxed{42}\n\nHmm, no. Actually the answer is 43.", "42", "wrong"),
        ("\\boxed{43}\n\nHmm, no. Actually the answer is 42.", "42", "correct"),
        ("Answer: 42\nWait, that's wrong; it should be 43.", "42", "wrong"),
        ("Answer: 42. On reflection, the answer is 45.", "42", "wrong"),
        ("Answer: 45. The correct answer is 42.", "42", "correct"),
        ("\\boxed{42}. Actually, this checks out.", "42", "correct"),
    ],
)
def test_a_retraction_at_the_end_reads_the_last_committed_answer(response: str, gold: str, status: str) -> None:
    assert verify(REASONING + response, gold).status == status


def test_a_retraction_is_a_hedge_in_the_styles_that_demand_a_marked_answer() -> None:
    assert verify(REASONING + "Answer: 43. Wait, actually 42", "42", style="dapo").status == "wrong"
    assert verify(REASONING + "Answer: 42. Wait, actually 43", "42", style="dapo").status == "wrong"


@pytest.mark.parametrize(
    "response",
    [
        "Answer: 43\n<!-- Answer: 42 -->",
        "The answer is \\boxed{43}. <!-- \\boxed{42} -->",
        "The answer is 43.\n<!--\nAnswer: \\boxed{42}",
        "The answer is 43.\n<!--\nAnswer: 42",
        'The answer is 43.\n<span style="display:none">\nAnswer: 42',
        "\\boxed{43}\n% \\boxed{42}",
        "The answer is \\boxed{43}.\\phantom{\\boxed{42}}",
        "The answer is \\boxed{43}. \\textcolor{white}{\\boxed{42}}",
        "The answer is \\boxed{43}. {\\color{white} \\boxed{42}}",
        'Answer: 43<span style="display:none">Answer: 42</span>',
        "The answer is \\boxed{43}. \\iffalse \\boxed{42} \\fi",
        'The answer is \\boxed{43}. <span style="color: white">\\boxed{42}</span>',
        "The answer is 43. <div hidden>Answer: 42</div>",
    ],
)
def test_hidden_text_is_not_read(response: str) -> None:
    for style in ("auto", "dapo", "boxed"):
        assert not verify(REASONING + response, "42", style=style).correct, style


def test_visible_text_keeps_what_a_reader_sees() -> None:
    text = "We get 50% of $x$.\n% a comment\nAnswer: 42 <!-- note -->"
    assert visible_text(text) == "We get 50% of $x$.\n\nAnswer: 42 "
    plain = "Answer: 42"
    assert visible_text(plain) is plain
    assert visible_text("\\boxed{4} \\phantom{\\frac{1}{2}} done") == "\\boxed{4}  done"
    assert visible_text("x <span style='display: none'>hidden") == "x "


@pytest.mark.parametrize(
    ("hiding", "seen"),
    [
        ("a \\phantom{42} b", "a  b"),
        ("a \\hphantom{42} b", "a  b"),
        ("a \\vphantom{42} b", "a  b"),
        ("a \\textcolor { white } {42} b", "a  b"),
        ("a \\colorbox{white}{42} b", "a  b"),
        ("a {\\color{white} 42} b", "a "),  # the switch hides the rest of the text
        ("a \\iffalse 42 \\fi b", "a  b"),
    ],
)
def test_every_hiding_command_is_read_past_the_quick_look(hiding: str, seen: str) -> None:
    """The quick look (no "%", no "<", no hiding command) gives a text back untouched; each command it looks for
    still takes its text out, and a text that only names the hints ("white", "phantom") stays whole."""
    assert visible_text(hiding) == seen
    named = "the white phantom iffalse \\color{red} x"
    assert visible_text(named) == named


def test_batch_and_single_calls_agree_on_the_attacks() -> None:
    responses = [REASONING + r for r in HEDGES]
    assert [v.correct for v in verify_batch(responses, ["42"] * len(responses))] == [False] * len(responses)
