"""Free-form responses end to end: extraction + equivalence through ``verifiers.verify`` (issue 7 cases).

Realistic model endings in every format (Answer lines with markdown, boxes, math spans, bare numbers, phrases),
true and false, including verl's known false negatives and false positive and adversarial reasoning numbers.
"""

from __future__ import annotations

import pytest

from mathreward.verifiers import verify

REASONING = "Let me work through this step by step.\nFirst, I set up the equation and simplify both sides.\n"

# (response, gold, style, expected correct)
TRUE_CASES = [
    # verl's false negatives on DAPO answer lines
    ("**Answer:** 34", "34", "dapo"),
    ("**Answer**: 34", "34", "dapo"),
    ("Answer: \\(34\\)", "34", "dapo"),
    ("Answer: $34$", "34", "dapo"),
    ("Answer: 34.0", "34", "dapo"),
    ("Answer: 034", "34", "dapo"),
    ("Answer: \u221234", "-34", "dapo"),
    ("Answer: \\boxed{34}", "34", "dapo"),
    ("ANSWER: 34.", "34", "dapo"),
    ("Answer: 1,024", "1024", "dapo"),
    ("Answer: 34 (in centimeters)", "34", "dapo"),
    ("Answer: 8 degrees", "8", "dapo"),
    ("Answer: $8^\\circ$", "8", "dapo"),
    ("Answer: $\\$12$", "12", "dapo"),
    ("Final Answer: The final answer is $5$. I hope it is correct.", "5", "dapo"),
    ("**Answer:**\n\n$$\n\\frac{3}{4}\n$$", "\\frac{3}{4}", "dapo"),
    # boxed answers without an Answer line (verl's other false negative) in auto
    ("So the total is $\\boxed{34}$.", "34", "auto"),
    ("Thus\n\\[\\boxed{\\dfrac{5}{6}}\\]", "\\frac{5}{6}", "auto"),
    ("The result is \\fbox{12}.", "12", "auto"),
    ("Hence \\boxed{2\\sqrt{3}}", "\\sqrt{12}", "auto"),
    ("So \\boxed{\\frac{\\pi}{2}}", "\\frac{\\pi}{2}", "auto"),
    ("Hence the answer is \\boxed{0.5}", "\\frac{1}{2}", "auto"),
    ("We get \\boxed{\\left(\\frac{1}{2}\\right)}", "\\frac12", "auto"),
    ("Therefore $\\boxed{x = 2}$.", "2", "auto"),
    ("Final: \\boxed{\\text{Evelyn}}", "Evelyn", "auto"),
    ("The choice is \\boxed{B}", "B", "auto"),
    ("So \\boxed{1000}", "1,000", "auto"),
    # several boxes that together give a set answer
    ("Since xy = 2, the pairs are \\boxed{(1,2)}, \\boxed{(2,1)}", "(1,2), (2,1)", "auto"),
    # math spans, phrases and bare numbers (auto fallback)
    (REASONING + "The answer is $\\frac{1}{2}$.", "\\frac{1}{2}", "auto"),
    (REASONING + "The final answer is 42.", "42", "auto"),
    (REASONING + "**Final Answer**\n\n$$\\frac{3}{4}$$", "\\frac34", "auto"),
    (REASONING + "### Final Answer\n\\(x = 7\\)", "7", "auto"),
    (REASONING + "Adding fractions gives\n$$\\frac{5}{6}$$", "$\\frac56$", "auto"),
    (REASONING + "The roots are $x=2$ and $x=3$, summing to\n\\[ 5 \\]", "5", "auto"),
    (REASONING + "The sum is 100.", "100", "auto"),
    (REASONING + "10% is 8, 5% is 4, so 15% is 12.\nI hope this helps!", "12", "auto"),
    (REASONING + "So 35", "35", "auto"),
    (REASONING + "I think it's 2\\sqrt{3}", "2\\sqrt{3}", "auto"),
    (REASONING + "The result is 1,000.", "1000", "auto"),
    (REASONING + "The answer is 5 apples.", "5", "auto"),
    (REASONING + "It costs $5 and $6 in total", "6", "auto"),
    (REASONING + "The probability is .25", "\\frac{1}{4}", "auto"),
    (REASONING + "answer = 17", "17", "auto"),
    (REASONING + "Therefore, the value is $-3$.", "-3", "auto"),
    (REASONING + "Thus the perimeter is $12\\sqrt{2}$ units.", "12\\sqrt2", "auto"),
    (REASONING + "The area is $\\pi r^2 = 9\\pi$.", "9\\pi", "auto"),
    # golds in other shapes
    ("Answer: 12", "\\boxed{12}", "dapo"),
    ("Answer: 12", "$12$", "dapo"),
    ("\\boxed{7}", "Answer: 7", "auto"),
    ("Answer: \\frac{1}{2}", "\\(\\frac{1}{2}\\)", "dapo"),
    # the answer line comes last, the box earlier: the line wins
    ("Hence $\\boxed{12}$.\n\nWait, I mis-added.\n\nAnswer: 13", "13", "auto"),
    # the box comes last
    ("Answer: 13 is my first guess. Checking again, it is \\boxed{14}", "14", "auto"),
    # factorials in boxes, math spans and answer lines; sentence "!" in prose
    ("So the count is \\boxed{5!}", "120", "auto"),
    ("Answer: 5!", "120", "dapo"),
    ("Answer: $5!$", "120", "dapo"),
    ("Answer: 5!!", "15", "dapo"),
    ("\\boxed{\\frac{6!}{2!\\,4!}}", "15", "auto"),
    (REASONING + "The answer is 7!", "7", "auto"),
    (REASONING + "So 35!", "35", "auto"),
    # MATH reference-solution spellings: thousands with \\!, lists of choices, units in \\mbox/\\text
    ("Thus \\boxed{11,\\! 111,\\! 111,\\! 100}", "11,111,111,100", "auto"),
    ("Thus \\boxed{111, \\! 111, \\! 111}", "111111111", "auto"),
    ("The statements are \\boxed{\\text{A,D}}", "\\text{A,D}", "auto"),
    ("The statements are \\boxed{\\text{A,D}}", "A,D", "auto"),
    ("The statements are \\boxed{\\text{D, A}}", "A, D", "auto"),
    ("The area is \\boxed{15\\mbox{ cm}^2}", "15", "auto"),
    ("The area is \\boxed{15\\text{ cm}^2}", "15", "auto"),
    ("The length is \\boxed{864 \\mbox{ inches}}", "864", "auto"),
    ("The volume is \\boxed{99\\pi \\text{ square inches}}", "99\\pi", "auto"),
    ("Answer: 12 gm", "12", "dapo"),
]

FALSE_CASES = [
    # verl's false positive: "3, 4" is two numbers, not 34
    ("Answer: 3, 4", "34", "dapo"),
    ("Answer: 3, 4", "34", "auto"),
    # hedging
    ("Answer: 23 or 24", "24", "dapo"),
    ("Answer: $3$ or $4$", "4", "dapo"),
    ("Either $\\boxed{5}$ or $\\boxed{6}$", "5", "auto"),
    ("The candidates are \\boxed{5}, \\boxed{6}, \\boxed{7}", "6", "auto"),
    ("Answer: 5, 6, 7", "6", "dapo"),
    # adversarial: the gold appears in the reasoning, the final answer differs
    ("We first find $n = 34$.\nBut the question asks for $n + 1$.\n\nAnswer: 35", "34", "dapo"),
    ("We first find $n = 34$.\nBut the question asks for $n + 1$.\n\nAnswer: 35", "34", "auto"),
    (REASONING + "An intermediate value is 34.\nAfter fixing the error, the total is 35.", "34", "auto"),
    (REASONING + "At first I got \\boxed{34}, but that was wrong.\n\nAnswer: 35", "34", "auto"),
    ("The answer is 34 according to the hint, but I computed \\boxed{35}", "34", "auto"),
    (REASONING + "We know $34$ is close. So the hypotenuse is $35$.", "34", "auto"),
    ("Answer: 34", "340", "dapo"),
    # plainly wrong answers in every format
    ("Answer: 99", "100", "dapo"),
    ("**Answer:** 121", "100", "dapo"),
    ("Answer: -8", "8", "dapo"),
    ("Answer: 0.83", "\\frac{5}{6}", "dapo"),
    ("Answer: \\frac{2}{5}", "\\frac{5}{6}", "dapo"),
    ("Answer: $3\\sqrt{2}$", "2\\sqrt{3}", "dapo"),
    ("Answer: $[-1, 3]$", "(-1, 3)", "dapo"),
    ("Answer: (1, 2)", "(1,2), (2,1)", "dapo"),
    ("Answer: \\text{Fermat}", "\\text{Wiles}", "dapo"),
    ("Answer: 12345678901234567891", "12345678901234567890", "dapo"),
    ("\\boxed{\\frac{\\pi}{3}}", "\\frac{\\pi}{2}", "auto"),
    ("\\boxed{C}", "B", "auto"),
    (REASONING + "The answer is $\\frac{1}{3}$.", "\\frac{1}{2}", "auto"),
    (REASONING + "The sum is 101.", "100", "auto"),
    (REASONING + "Thus the perimeter is $12\\sqrt{3}$.", "12\\sqrt2", "auto"),
    # a box but the dapo contract wants an Answer line
    ("So the total is $\\boxed{34}$.", "34", "dapo"),
    # hostile
    ("Answer: 9^{9^{9^{9^{9}}}}", "1024", "dapo"),
    ("Answer: __import__('os').system('echo pwned')", "0", "dapo"),
    ("\\boxed{" + "{" * 3000 + "7", "7", "boxed"),
    # factorials are not their base; control characters never join digits
    ("So the count is \\boxed{5!}", "5", "auto"),
    ("Answer: 5!", "5", "dapo"),
    ("Answer: 5!!", "120", "dapo"),
    ("Answer: 4\x002", "42", "dapo"),
    ("\\boxed{4\x002}", "42", "auto"),
    ("\\boxed{4\x1b2}", "42", "auto"),
    # letters against a number are part of the answer
    ("Answer: 6ab", "6", "dapo"),
    # thousands with \\! are one number, so neither a list nor a different number
    ("Thus \\boxed{11,\\! 111,\\! 111,\\! 100}", "11, 111, 111, 100", "auto"),
    ("Thus \\boxed{11,\\! 111,\\! 111,\\! 100}", "11111111101", "auto"),
    # choices: a subset, a superset or another set is wrong; several letters against one is hedging
    ("The statements are \\boxed{\\text{A}}", "A,D", "auto"),
    ("The statements are \\boxed{\\text{A,C}}", "A,D", "auto"),
    ("The statements are \\boxed{\\text{A,D,E}}", "A,D", "auto"),
    ("The statement is \\boxed{\\text{A,D}}", "A", "auto"),
    # only known unit words are units
    ("\\boxed{2 abc}", "2", "auto"),
    ("\\boxed{2\\text{ abc}}", "2", "auto"),
    ("The area is \\boxed{16\\mbox{ cm}^2}", "15", "auto"),
    ("\\boxed{2\\pi h}", "2\\pi", "auto"),
]

NO_ANSWER_CASES = [
    ("I cannot solve this problem.", "auto"),
    ("Let me think about this carefully. " * 40 + "I am running out of space and", "auto"),
    (REASONING + "The sum is 100.", "strict"),
    (REASONING + "The answer is $\\frac{1}{2}$.", "strict"),
    ("So the total is $\\boxed{34}$.", "dapo"),
    ("Answer:", "dapo"),
    ("", "auto"),
]


@pytest.mark.parametrize(("response", "gold", "style"), TRUE_CASES)
def test_free_form_correct(response: str, gold: str, style: str) -> None:
    verdict = verify(response, gold, style=style, timeout=5.0)
    assert verdict.status == "correct", verdict
    assert verdict.correct is True


@pytest.mark.parametrize(("response", "gold", "style"), FALSE_CASES)
def test_free_form_not_correct(response: str, gold: str, style: str) -> None:
    verdict = verify(response, gold, style=style, timeout=5.0)
    assert verdict.correct is False, verdict
    assert verdict.status != "correct"


@pytest.mark.parametrize(("response", "style"), NO_ANSWER_CASES)
def test_no_answer(response: str, style: str) -> None:
    verdict = verify(response, "5", style=style, timeout=5.0)
    assert (verdict.correct, verdict.status, verdict.pred) == (False, "no_answer", None)


def test_verl_false_positive_end_to_end() -> None:
    verdict = verify("Let me compute.\n\nAnswer: 3, 4", "34", style="dapo")
    assert (verdict.correct, verdict.status) == (False, "wrong")


def test_detail_records_the_extraction_path() -> None:
    assert "path=boxed" in verify("so \\boxed{3}", "3").detail
    assert "path=answer_line" in verify("Answer: 3", "3").detail
    assert "path=math_span" in verify(REASONING + "So it is $3$.", "3").detail
    assert "path=last_number" in verify(REASONING + "So it is 3.", "3").detail
    assert verify("D. it can't be A or B", "(D) Alina").detail == "path=choice_letter; choice match"


def test_strict_and_auto_differ_only_by_the_fallback() -> None:
    response = REASONING + "The answer is $\\frac{1}{2}$."
    assert verify(response, "\\frac12", style="strict").status == "no_answer"
    assert verify(response, "\\frac12", style="auto").status == "correct"


# MATH test rows whose stored target is damaged or ambiguous, so the reference solution cannot match it (row: why).
MATH_TEST_DAMAGED_GOLDS = {
    414: "the solution boxes -2 and 1; the target keeps only the last box",
    429: "target 9 lost its a.m.",
    644: "target 19{}43 lost \\text{ and }",
    1714: "target \\frac{\\}{p}i4+... is garbled",
    1901: "target 864^2 lost \\mbox{ inches}",
    1958: "target 144^3 lost \\mbox{ m}",
    2549: "the solution boxes -3/2 and -3/4; the target keeps only the last box",
    2703: "the solution boxes 3 and 2/5; the target keeps only the last box",
    2716: "the solution boxes both foci; the target keeps one",
    2912: "the solution boxes two points; the target keeps one",
    3526: "empty target",
    3647: "target 15^2 lost \\mbox{ cm}",
    3655: "target 12{}13 lost \\text{ and }",
    4060: "target is a sentence from the solution",
    4521: "target \\cos58 lost ^\\circ",
    4559: "the solution boxes -1 and 2; the target keeps only the last box",
    4738: "target \\cos13 lost ^\\circ",
    4824: "target 2\\cos15 lost ^\\circ",
    4860: "the solution boxes pi/4 and 5pi/4; the target keeps only the last box",
}


def test_math_test_reference_solutions_verify_against_their_targets(shared_data) -> None:
    """Real data: the 5,000 MATH test reference solutions (boxed) against their targets; only damaged targets miss."""
    import pyarrow.parquet as pq

    from mathreward.verifiers import verify_batch

    path = shared_data / "math_test_5000_with_solutions.parquet"
    if not path.exists():
        pytest.skip(f"{path} not found")
    column = pq.read_table(path, columns=["reward_model"]).column("reward_model").to_pylist()
    solutions = [row["ground_truth"]["solution"] for row in column]
    targets = [row["ground_truth"]["target"] for row in column]
    verdicts = verify_batch(solutions, targets, style="boxed", workers=2)
    misses = {row: (targets[row], v.pred, v.detail) for row, v in enumerate(verdicts) if v.status != "correct"}
    assert set(misses) <= set(MATH_TEST_DAMAGED_GOLDS), {
        k: v for k, v in misses.items() if k not in MATH_TEST_DAMAGED_GOLDS
    }
    assert sum(v.status == "correct" for v in verdicts) >= len(verdicts) - len(MATH_TEST_DAMAGED_GOLDS)


def test_math500_reference_solutions_verify_against_their_answers(shared_data) -> None:
    """Real data: every MATH-500 reference solution (boxed, free-form LaTeX) verifies against its own answer."""
    import json

    from mathreward.verifiers import verify_batch

    rows = [json.loads(line) for line in (shared_data / "math500_test.jsonl").read_text(encoding="utf-8").splitlines()]
    verdicts = verify_batch([r["solution"] for r in rows], [r["answer"] for r in rows], style="auto", workers=1)
    failures = [(r["unique_id"], v) for r, v in zip(rows, verdicts, strict=True) if v.status != "correct"]
    assert failures == []
