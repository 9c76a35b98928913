"""Answer extraction per style: a table of realistic model endings -> (answer, path), plus candidates and golds."""

from __future__ import annotations

import pytest

from mathreward.verifiers.extraction import Extraction, extract, extract_answer, read_gold

# (response, style, expected answer, expected path)
CASES = [
    # --- DAPO `Answer:` lines, including verl's false negatives
    ("The sum is 34.\n\nAnswer: 34", "dapo", "34", "answer_line"),
    ("So we get 34.\n\n**Answer:** 34", "dapo", "34", "answer_line"),
    ("So we get 34.\n\n**Answer**: 34", "dapo", "34", "answer_line"),
    ("Thus 34.\n*Answer:* 34", "dapo", "34", "answer_line"),
    ("Answer: $34$", "dapo", "34", "answer_line"),
    ("Answer: $$34$$", "dapo", "34", "answer_line"),
    ("Answer: \\(34\\)", "dapo", "34", "answer_line"),
    ("Answer: \\[34\\]", "dapo", "34", "answer_line"),
    ("Answer: \\boxed{34}", "dapo", "34", "answer_line"),
    ("Answer: $\\boxed{34}$.", "dapo", "34", "answer_line"),
    ("Answer: 34.", "dapo", "34", "answer_line"),
    ("ANSWER: 34", "dapo", "34", "answer_line"),
    ("answer : 34", "dapo", "34", "answer_line"),
    ("Final Answer: 34", "dapo", "34", "answer_line"),
    ("答案：34", "dapo", "34", "answer_line"),
    ("Answer: 3, 4", "dapo", "3, 4", "answer_line"),
    ("Answer: 034", "dapo", "034", "answer_line"),
    ("Answer: 34.0", "dapo", "34.0", "answer_line"),
    ("Answer: \u221234", "dapo", "\u221234", "answer_line"),
    ("Answer: -7", "dapo", "-7", "answer_line"),
    ("Answer: 1,024", "dapo", "1,024", "answer_line"),
    ("Answer: $\\frac{5}{6}$", "dapo", "\\frac{5}{6}", "answer_line"),
    ("Answer: $3$ or $4$", "dapo", "3 or 4", "answer_line"),
    ("Answer: $3$, $4$", "dapo", "3, 4", "answer_line"),
    ("Answer: $34$ dollars", "dapo", "34", "answer_line"),
    ("Answer: 8 degrees", "dapo", "8", "answer_line"),
    ("Answer: 34 (in centimeters)", "dapo", "34", "answer_line"),
    ("Answer: (1, 2)", "dapo", "(1, 2)", "answer_line"),
    ("Answer: x = 2, 3", "dapo", "x = 2, 3", "answer_line"),
    ("Answer: Wiles", "dapo", "Wiles", "answer_line"),
    ("Answer: \\text{Evelyn}", "dapo", "\\text{Evelyn}", "answer_line"),
    ("Answer: 9^{9^{9^9}}", "dapo", "9^{9^{9^9}}", "answer_line"),
    ("Answer: It is 34.", "dapo", "34", "answer_line"),
    ("Answer: 34, since 34 is the only solution", "dapo", "34", "answer_line"),
    ("Answer: we get $x = 2$", "dapo", "x = 2", "answer_line"),
    ("Answer: 3 \\text{ cm}", "dapo", "3 \\text{ cm}", "answer_line"),
    ("Answer: $\\$12$", "dapo", "12", "answer_line"),
    ("Answer: x = 3 and y = 4", "dapo", "x = 3 and y = 4", "answer_line"),
    ("Answer: $2\\sqrt{3}$", "dapo", "2\\sqrt{3}", "answer_line"),
    ("Final Answer: The final answer is $5$. I hope it is correct.", "dapo", "5", "answer_line"),
    ("**Answer:**\n\n$$\n\\frac{3}{4}\n$$", "dapo", "\\frac{3}{4}", "answer_line"),
    ("Answer:\n42", "dapo", "42", "answer_line"),
    ("Answer: 12\nWait, no.\nAnswer: 13", "dapo", "13", "answer_line"),
    ("The answer is \\boxed{12}.", "dapo", None, "none"),
    ("Answer:", "dapo", None, "none"),
    ("The answer: 12 is what we want, Answer: 13 at the end", "dapo", "13", "answer_line"),
    ("I answered: 5", "dapo", None, "none"),
    # factorials: a "!" after a digit, ")" or "}" is kept in answer lines; other "!" is punctuation
    ("Answer: 5!", "dapo", "5!", "answer_line"),
    ("Answer: $5!$.", "dapo", "5!", "answer_line"),
    ("Answer: (n+1)!", "dapo", "(n+1)!", "answer_line"),
    ("Answer: \\binom{5}{2}!", "dapo", "\\binom{5}{2}!", "answer_line"),
    ("Answer: 5!!", "dapo", "5!!", "answer_line"),
    ("Answer: 5!!!", "dapo", "5", "answer_line"),
    ("Answer: Wiles!", "dapo", "Wiles", "answer_line"),
    ("Answer: 5.", "dapo", "5", "answer_line"),
    # control characters separate, never join
    ("Answer: 4\x002", "dapo", "4 2", "answer_line"),
    ("Answer: 4\x1b2\x7f", "dapo", "4 2", "answer_line"),
    ("Ans\x00wer: 42", "dapo", None, "none"),
    # letters written against a number belong to it; a separate word after it is prose
    ("Answer: 6ab", "dapo", "6ab", "answer_line"),
    ("Answer: 2xy apples", "dapo", "2xy", "answer_line"),
    ("Answer: 5 apples", "dapo", "5", "answer_line"),
    ("Answer: 2\\sqrt{3}cm", "dapo", "2\\sqrt{3}cm", "answer_line"),
    ("Answer: 34.Then we stop", "dapo", "34", "answer_line"),
    # --- boxes
    ("Hence $\\boxed{5}$.", "boxed", "5", "boxed"),
    ("\\fbox{7}", "boxed", "7", "boxed"),
    ("so the result is \\boxed 5", "boxed", "5", "boxed"),
    ("\\boxed{\\frac{1}{2}}", "boxed", "\\frac{1}{2}", "boxed"),
    ("\\boxed{\\{1, 2\\}}", "boxed", "\\{1, 2\\}", "boxed"),
    ("\\boxed{\\boxed{9}}", "boxed", "9", "boxed"),
    ("\\boxed{{{12}}}", "boxed", "12", "boxed"),
    ("\\boxed { 6 }", "boxed", "6", "boxed"),
    (
        "\\boxed{\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}}",
        "boxed",
        "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
        "boxed",
    ),
    ("First \\boxed{3}. Later we find a mistake.\n\nCorrected: \\boxed{4}", "boxed", "4", "boxed"),
    ("\\boxed{12} but the box never closes \\boxed{13", "boxed", "12", "boxed"),
    ("\\boxed{}", "boxed", None, "none"),
    ("no box here, Answer: 5", "boxed", None, "none"),
    ("\\boxedx{5}", "boxed", None, "none"),
    ("Hence $\\boxed{5!}$.", "boxed", "5!", "boxed"),
    ("\\boxed{5!}!", "boxed", "5!", "boxed"),
    ("\\boxed{(2n)!}", "boxed", "(2n)!", "boxed"),
    ("\\boxed{\\frac{10!}{5!}}", "boxed", "\\frac{10!}{5!}", "boxed"),
    ("\\boxed{\\text{Yes}!}", "boxed", "\\text{Yes}!", "boxed"),
    ("\\boxed{Yes!}", "boxed", "Yes", "boxed"),
    ("\\boxed 5!", "boxed", "5!", "boxed"),
    ("\\boxed{4\x002}", "boxed", "4 2", "boxed"),
    ("\\boxed{11,\\! 111,\\! 100}", "boxed", "11,\\! 111,\\! 100", "boxed"),
    ("\\boxed{\\text{A,D}}", "boxed", "\\text{A,D}", "boxed"),
    # --- auto: whichever comes last
    ("Hence $\\boxed{12}$.\n\nAnswer: 13", "auto", "13", "answer_line"),
    ("Answer: 13 is my first guess. Let me verify... it is \\boxed{14}", "auto", "14", "boxed"),
    ("We found it.\n\n\\[\\boxed{\\dfrac{5}{6}}\\]", "auto", "\\dfrac{5}{6}", "boxed"),
    ("Answer: \\boxed{34}", "auto", "34", "boxed"),
    ("Answer:\n\\boxed{5} trailing", "auto", "5", "boxed"),
    ("\\boxed{7}\n\nAnswer:", "auto", "7", "boxed"),
    # --- strict: no fallback
    ("The sum is 100.", "strict", None, "none"),
    ("The answer is $\\frac{1}{2}$.", "strict", None, "none"),
    ("Thus \\boxed{3}", "strict", "3", "boxed"),
    ("Answer: 3", "strict", "3", "answer_line"),
    # --- auto fallback (issue 7): phrases, math spans, last number / expression of the final sentence
    ("The sum is 100.", "auto", "100", "last_number"),
    ("The answer is $\\frac{1}{2}$.", "auto", "\\frac{1}{2}", "math_span"),
    ("The final answer is 42.", "auto", "42", "last_number"),
    ("The answer is 5 apples.", "auto", "5", "last_number"),
    ("**Final Answer**\n\n$$\\frac{3}{4}$$", "auto", "\\frac{3}{4}", "math_span"),
    ("### Final Answer\n\\(x = 7\\)", "auto", "x = 7", "math_span"),
    ("The roots are $x = 2$ and $x = 3$, so the sum is\n\\[ 5 \\]", "auto", "5", "math_span"),
    ("We have $x = 34$. Thus the total is 35.", "auto", "35", "last_number"),
    ("First $a = 3$ then $b = 4$.\n\nSo the hypotenuse is $5$.", "auto", "5", "math_span"),
    ("\\[ x = 5 \\]\nI hope this helps!", "auto", "x = 5", "math_span"),
    ("10% is 8, 5% is 4, so 15% is 12.\nI hope this helps!", "auto", "12", "last_number"),
    ("So 35", "auto", "35", "last_number"),
    ("Putting it together: x = 4, -8, -10", "auto", "x = 4, -8, -10", "last_number"),
    ("I think it's 2\\sqrt{3}", "auto", "2\\sqrt{3}", "last_number"),
    ("It costs $5 and $6 in total", "auto", "6", "last_number"),
    ("the result is 1,000.", "auto", "1,000", "last_number"),
    ("The probability is .25", "auto", ".25", "last_number"),
    ("answer = 17", "auto", "17", "last_number"),
    ("The answer is 7!", "auto", "7", "last_number"),
    ("So 35!", "auto", "35", "last_number"),
    ("Wow, the total is 35!", "auto", "35", "last_number"),
    ("The answer is $7!$.", "auto", "7!", "math_span"),
    ("So the count is\n\\[ 5! \\]", "auto", "5!", "math_span"),
    ("The sum is 4\x002.", "auto", "4 2", "last_number"),
    ("I cannot solve this problem.", "auto", None, "none"),
    ("", "auto", None, "none"),
    ("Let me think about this carefully. " * 50 + "I am running out of space and", "auto", None, "none"),
]


@pytest.mark.parametrize(("response", "style", "answer", "path"), CASES)
def test_extraction_table(response: str, style: str, answer: str | None, path: str) -> None:
    found = extract(response, style)
    assert (found.answer, found.path) == (answer, path)
    assert extract_answer(response, style) == answer
    if answer is None:
        assert found.candidates == ()
    else:
        assert ", ".join(found.candidates) == answer


def test_several_boxes_in_the_final_line_are_candidates() -> None:
    found = extract("Since xy = 2, the pairs are \\boxed{(1,2)}, \\boxed{(2,1)}", "auto")
    assert found == Extraction("(1,2), (2,1)", "boxed", ("(1,2)", "(2,1)"))


def test_disagreeing_boxes_at_the_end_are_all_kept() -> None:
    found = extract("Either $\\boxed{5}$ or $\\boxed{6}$", "boxed")
    assert found.candidates == ("5", "6")
    assert found.answer == "5, 6"


def test_boxes_joined_by_text_and_assignments_group() -> None:
    found = extract("The solutions: $x = \\boxed{4}$, $x = \\boxed{-8}$ \\text{ and } $x=\\boxed{-10}$", "auto")
    assert found.candidates == ("4", "-8", "-10")


def test_boxes_on_consecutive_final_lines_group() -> None:
    found = extract("The pairs are:\n$\\boxed{(1,2)}$\n$\\boxed{(2,1)}$\n", "boxed")
    assert found.candidates == ("(1,2)", "(2,1)")


def test_boxes_spread_through_reasoning_are_not_candidates() -> None:
    response = (
        "Step 1 gives \\boxed{3} for the first part.\nThen we continue with the main computation, "
        "which uses the first part.\nFinally the answer is \\boxed{7}."
    )
    found = extract(response, "auto")
    assert found.candidates == ("7",)
    assert found.answer == "7"


def test_identical_boxes_at_the_end_collapse_to_one() -> None:
    assert extract("\\boxed{5} = \\boxed{5}", "boxed").candidates == ("5",)


def test_answer_line_with_two_boxes_keeps_both() -> None:
    found = extract("Answer: \\boxed{3} and \\boxed{4}", "dapo")
    assert found == Extraction("3, 4", "answer_line", ("3", "4"))


def test_number_in_reasoning_equal_to_gold_is_not_the_answer() -> None:
    response = (
        "We first find that $n = 34$ satisfies the first condition.\nBut the question asks for n+1.\n\nAnswer: 35"
    )
    assert extract_answer(response, "auto") == "35"
    assert extract_answer(response, "dapo") == "35"
    free_form = "Early on, 34 appears as a partial sum.\nAfter fixing the error, the total is 35."
    assert extract_answer(free_form, "auto") == "35"


def test_unknown_style_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown extraction style"):
        extract("Answer: 1", "loose")


def test_non_string_response_has_no_answer() -> None:
    assert extract(None, "auto") == Extraction(None, "none", ())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("gold", "expected"),
    [
        ("42", "42"),
        ("  42 ", "42"),
        ("$\\frac12$", "\\frac12"),
        ("$$\\frac{1}{2}$$", "\\frac{1}{2}"),
        ("\\(x^2\\)", "x^2"),
        ("\\[ 2\\sqrt{3} \\]", "2\\sqrt{3}"),
        ("\\boxed{5}", "5"),
        ("$\\boxed{7}$", "7"),
        ("Answer: 12", "12"),
        ("**Answer:** $12$", "12"),
        ("The full solution ... so the answer is \\boxed{\\frac{3}{4}}.", "\\frac{3}{4}"),
        ("(1,2), (2,1)", "(1,2), (2,1)"),
        ("\\text{Evelyn}", "\\text{Evelyn}"),
        ("5.", "5"),
        ("3.5", "3.5"),
        ("5!", "5!"),
        ("\\boxed{5!}", "5!"),
        ("4\x002", "4 2"),
        # matrix rows that lost a backslash of their "\\\\" are repaired
        ("\\begin{pmatrix}6\\3\\0\\end{pmatrix}", "\\begin{pmatrix}6\\\\3\\\\0\\end{pmatrix}"),
        ("\\begin{pmatrix}2&0\\-3&5\\end{pmatrix}", "\\begin{pmatrix}2&0\\\\-3&5\\end{pmatrix}"),
        ("\\begin{pmatrix}1 \\\\ 2\\end{pmatrix}", "\\begin{pmatrix}1 \\\\ 2\\end{pmatrix}"),
        ("\\begin{pmatrix}1/\\sqrt{2}\\-1\\end{pmatrix}", "\\begin{pmatrix}1/\\sqrt{2}\\\\-1\\end{pmatrix}"),
        ("3\\4", "3\\4"),
        ("", ""),
    ],
)
def test_read_gold(gold: str, expected: str) -> None:
    assert read_gold(gold) == expected


@pytest.mark.parametrize(
    ("response", "answer"),
    [
        (
            "Thus $17^{-1} \\equiv \\boxed{44}$.\n\nWe may check our answer: $17 \\cdot 44 = 748$, so our answer is correct.",
            "44",
        ),
        ("so my final answer: 5", "5"),
        ("Work.\n- answer: 9", "9"),
        ("Work.\n**answer**: 6", "6"),
        ("Thus, Answer: 7", "7"),
    ],
)
def test_answer_label_must_start_its_line_be_capitalised_or_follow_final(response: str, answer: str) -> None:
    assert extract_answer(response, "auto") == answer


def test_math500_reference_solutions_extract_their_answers(shared_data) -> None:
    import json

    rows = [json.loads(line) for line in (shared_data / "math500_test.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 500
    same = sum(
        (extract_answer(row["solution"], "auto") or "").replace(" ", "").replace("\\$", "")
        == row["answer"].replace(" ", "").replace("\\$", "")
        for row in rows
    )
    assert same >= 499  # the one left gives two equivalent boxes: "15\frac{39}{40}" or "\frac{639}{40}"
