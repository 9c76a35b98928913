"""Hostile responses: extraction finishes (linear scans, bounded work) and returns a sensible result or none."""

from __future__ import annotations

import pytest

from mathreward.verifiers.extraction import MAX_ANSWER_CHARS, STYLES, extract, read_gold

HOSTILE = {
    "1 MB of text then an answer line": ("a" * 1_000_000 + "\nAnswer: 5", "5"),
    "1 MB of digits": ("1 " * 500_000, "1"),
    "3000-deep braces in a box": ("\\boxed{" + "{" * 3000 + "5" + "}" * 3000 + "}", "5"),
    "100k unclosed braces in a box": ("\\boxed{" + "{" * 100_000, None),
    "NUL bytes around an answer": ("\x00" * 100_000 + "Answer: 4\x00", "4"),
    "NUL bytes between digits": ("Answer: 4\x002", "4 2"),
    "control characters between digits in a box": ("\\boxed{1\x1b2\x7f3\x85}", "1 2 3"),
    "an exclamation mark storm": ("Answer: 5" + "!" * 30_000, "5"),
    "backslash storm": ("\\" * 1_000_000, None),
    "box command storm": ("\\boxed" * 200_000, None),
    "dollar storm": ("$" * 1_000_000, None),
    "paren-open storm": ("\\(" * 500_000, None),
    "answer word storm": ("answer " * 200_000, None),
    "answer colon storm": ("Answer:" * 150_000, None),
    "brace storm": ("{" * 1_000_000, None),
    "whitespace storm after answer": ("Answer:" + " " * 1_000_000 + "7", "7"),
    "box storm": ("\\boxed{1}," * 100_000, "1"),
    "whitespace run inside the answer line": ("Answer: 5" + " " * 30_000 + "(abc", "5"),
    "period then a whitespace run": ("Answer: 5." + " " * 30_000 + "1", "5"),
    "parenthesised words": ("Answer: " + "(abc " * 6_000, None),
    "open parentheses": ("Answer: " + "(" * 30_000, None),
    "period storm": ("Answer: " + ". " * 15_000, None),
    "math span storm": ("$1$ " * 8_000 + "done", "1"),
    "phrase then whitespace": ("The answer is" + " " * 30_000 + "5", "5"),
    "unclosed text commands": ("Answer: \\text{" * 5_000, None),
}


@pytest.mark.timeout(20)
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_response_terminates_with_expected_answer(name: str) -> None:
    response, expected = HOSTILE[name]
    found = extract(response, "auto")
    if expected is None:
        assert found.answer is None or len(found.answer) <= MAX_ANSWER_CHARS
    else:
        assert found.answer == expected
    for style in STYLES:
        result = extract(response, style)
        assert result.answer is None or len(result.answer) <= MAX_ANSWER_CHARS
        assert "\x00" not in (result.answer or "")


@pytest.mark.timeout(20)
def test_hostile_gold_terminates() -> None:
    unclosed = read_gold("\\boxed{" + "{" * 50_000)
    assert isinstance(unclosed, str) and set(unclosed) <= set("\\boxed{")
    assert isinstance(read_gold("$" * 100_001), str)
    assert read_gold("\x00\\boxed{\x0012}\x00") == "12"


def test_huge_power_is_extracted_verbatim_not_computed() -> None:
    assert extract("Answer: 9^{9^{9^{9^{9}}}}", "dapo").answer == "9^{9^{9^{9^{9}}}}"


def test_injection_string_is_plain_text() -> None:
    found = extract("Answer: __import__('os').system('touch /tmp/pwned')", "dapo")
    assert found.path == "answer_line"
    assert "system" in found.answer


TOKENS = [
    "\\boxed{", "\\fbox{", "{", "}", "$", "$$", "\\(", "\\)", "\\[", "\\]", "\\", "Answer:", "**Answer:**", "answer is",
    "**Final Answer**", "\n", " ", ".", ",", "(", ")", "=", "-", "\u2212", "\x00", "12", "3.5", "x", "and", "or",
    "\\text{", "\\frac", "答案：", "_", "*",
]  # fmt: skip


def test_random_token_soup_never_raises_and_keeps_the_contract() -> None:
    import random

    rng = random.Random(0)
    for _ in range(3000):
        response = "".join(rng.choice(TOKENS) for _ in range(rng.randint(0, 40)))
        for style in STYLES:
            found = extract(response, style)
            assert found.path in ("answer_line", "boxed", "math_span", "last_number", "none")
            if found.answer is None:
                assert found.candidates == () and found.path == "none"
            else:
                assert found.answer and len(found.answer) <= MAX_ANSWER_CHARS
                assert found.answer == ", ".join(found.candidates)
                assert "\x00" not in found.answer
        assert isinstance(read_gold(response), str)
