"""The verifiers' fast lane gives exactly the full path's verdict on every row it answers, and answers the common shapes.

Each response is built from a prefix (reasoning, think tags, chat end tokens, earlier answer lines or boxes) and an
ending (answer lines and boxes of many spellings); each is checked against several golds in all four styles, with
``verify_batch`` run once with the lane and once without it (``fast_lane.disabled()``).
"""

from __future__ import annotations

import itertools
import re

import pytest

from mathreward.verifiers import Verdict, fast_lane, verify, verify_batch
from mathreward.verifiers.fast_lane import fast_verdict

REASONING = "We add the two numbers and check the sum twice.\nSo the total is 34.\n"
PREFIXES = [
    "",
    REASONING,
    "Step 1: add.\nStep 2: check.\n",  # colons that are not markers
    "<think>\nLet me think.\n",  # an unclosed think block
    "<think>I add them.</think>\n",
    "<answer>35</answer>\n",
    "**Answer:** 35\n",  # an earlier answer line
    "answer: 35\n",
    "Final answer : 35\n",
    "答案：35\n",
    "So it is \\boxed{35}.\n",  # an earlier box
    "The answer is 35.\n",
    "x\x00y\x0b\n",  # control characters
    "\\\\frac{1}{2} is half\\n",  # escaped once too often: doubled backslashes, a literal \\n
    "İstanbul has 35 bridges.\n",  # a character that lower-cases to two
    "We know 34 is the gold, and 3/4 < 1.\n",  # a number equal to the gold in the reasoning, an inequality
    "If x < 3 and y > 2 then x<y.\n",
    "<think>\nAnswer: 35\n\\boxed{35}\n</think>\n",  # a closed think block holding other answers
    "<think>a</think>\n<think>b\n",  # closed, then opened again: no answer
    "</think>\n",
    "<|im_start|>assistant\n",  # chat tokens
    "answer\x0b: 35\n",  # a control character between the keyword and the colon is a space to the extractor
    "Answer\t: 35\nAnswer : 36\n",  # several markers
    "Total: 1,034 and 0034 apples.\n",  # commas, leading zeros
    "<ANSWER>35</ANSWER>\n",
    "x\r\n",
]
ENDINGS = [
    "Answer: 34",
    "Answer:34",
    "Answer:  -34",
    "Answer: 34\n\n",
    "Answer: 34 \t",
    "Answer: 034",
    "Answer: +34",
    "Answer: -0",
    "Answer: 0",
    "Answer: 34.",
    "Answer: 1,000",
    "Answer: 1000",
    "Answer: x = 1,000",
    "Answer: ３４",  # full-width digits
    "Answer: ٣٤",  # Arabic-Indic digits
    "Answer: " + "9" * 18,
    "Answer: " + "9" * 19,
    "Answer: " + "1" * 70,
    "answer: 34",
    "ANSWER: 34",
    "**Answer:** 34",
    "Answer: \\boxed{34}",
    "Answer: 34\r\n",
    "Answer: 34\x00",
    "Answer: 34<|im_end|>",
    "Answer: 34\n<|im_end|>",
    "Answer: 34</s>",
    "Answer: 34\nAnswer: 35",
    "Answer: 35\nAnswer: 34",
    "\\boxed{34}",
    "\\boxed{-34}",
    "$\\boxed{34}$.",
    "\\[\\boxed{34}\\]",
    "\\(\\boxed{34}\\)",
    "\\boxed{034}",
    "\\boxed{34}\\boxed{35}",
    "\\boxed{35}, \\boxed{34}",
    "\\fbox{34}",
    "\\boxed{{34}}",
    "\\boxed 34",
    "So the answer is \\boxed{34}",
    "\\boxed{34}\nAnswer: 34",
    "Answer: 34\n\\boxed{34}",
    "\\boxed{34}<|im_end|>",
    "\\\\boxed{34}",  # a doubled backslash
    "The result is 34.",
    "Final: 34",
    "I could not finish.",
    "34",
    "<answer>34</answer>",
    "Answer",
    "Answer: 3/4",
    "Answer: -3/4",
    "Answer: \\frac{3}{4}",
    "Answer: -\\frac{3}{4}",
    "Answer: \\dfrac{6}{8}",
    "Answer: 6/8",
    "Answer: 3 / 4",
    "Answer: 03/4",
    "Answer: 3/0",
    "\\boxed{\\frac{3}{4}}",
    "$\\boxed{-3/4}$.",
    "\\boxed{\\frac{34}{1}}",
    "Answer: 34</think>",
    "Answer: 34\n</think>\nAnswer: 35",
    "</think>Answer: 34",
    "Answer: 34 < 35",
    "Answer: 34.0",
    "Answer: 34.50",
    "Answer: -0.0",
    "Answer: 0.75",
    "Answer: .75",
    "Answer: 34.0.0",
    "\\boxed{34.00}",
]
GOLDS = ["34", "-34", "0", "1000", "034", "34.0", "1,000", " 34", "+34", "9" * 18, "9" * 19, "", "\\boxed{34}"]
GOLDS += ["3/4", "\\frac{3}{4}", "-\\frac34", "0.75", "\\frac{6}{8}", "$\\frac{3}{4}$", "-3/4", "34/1"]
STYLES = ["dapo", "auto", "strict", "boxed"]


def _rows() -> tuple[list[str], list[str]]:
    responses, golds = [], []
    for prefix, ending, gold in itertools.product(PREFIXES, ENDINGS, GOLDS):
        responses.append(prefix + ending)
        golds.append(gold)
    return responses, golds


@pytest.mark.parametrize("style", STYLES)
def test_fast_lane_equals_full_path_on_adversarial_shapes(style: str) -> None:
    responses, golds = _rows()
    with_lane = verify_batch(responses, golds, style=style, workers=1, timeout=10)
    with fast_lane.disabled():
        full = verify_batch(responses, golds, style=style, workers=1, timeout=10)
    answered = 0
    for response, gold, fast, slow in zip(responses, golds, with_lane, full, strict=True):
        assert fast == slow, (style, response, gold)
        answered += fast_verdict(response, gold, style) is not None
    assert answered > 100, "the lane should answer the plain shapes"  # it is not switched off by accident


@pytest.mark.parametrize(
    ("response", "gold", "style", "expected"),
    [
        (REASONING + "Answer: 34", "34", "dapo", Verdict(True, "34", "correct", "path=answer_line; numeric")),
        (REASONING + "Answer: -35", "34", "auto", Verdict(False, "-35", "wrong", "path=answer_line; numeric mismatch")),
        (REASONING + "So $\\boxed{34}$.", "34", "boxed", Verdict(True, "34", "correct", "path=boxed; numeric")),
        ("\\boxed{0}", "0", "strict", Verdict(True, "0", "correct", "path=boxed; numeric")),
        (REASONING + "I give up.", "3", "dapo", Verdict(False, None, "no_answer", "path=none; no final answer found")),
        (REASONING + "Answer: 3", "3", "boxed", Verdict(False, None, "no_answer", "path=none; no final answer found")),
        ("x < 3\nAnswer: 3/4", "\\frac{3}{4}", "auto", Verdict(True, "3/4", "correct", "path=answer_line; numeric")),
        ("Answer: -7", "-7", "strict", Verdict(True, "-7", "correct", "path=answer_line; numeric")),
        ("Answer: 34.0", "34", "dapo", Verdict(True, "34.0", "correct", "path=answer_line; numeric")),
        ("Answer: 0.75", "3/4", "auto", Verdict(True, "0.75", "correct", "path=answer_line; numeric")),
        (
            "<think>x < 2</think>\nSo $\\boxed{\\frac{3}{4}}$.",
            "6/8",
            "boxed",
            Verdict(True, "\\frac{3}{4}", "correct", "path=boxed; numeric"),
        ),
        (
            "<think>Answer: 3</think>\nAnswer: 4",
            "3",
            "dapo",
            Verdict(False, "4", "wrong", "path=answer_line; numeric mismatch"),
        ),
        (REASONING + "We stop.", "3", "strict", Verdict(False, None, "no_answer", "path=none; no final answer found")),
        # the unusual shapes of issue 31: a turn's end token, leading zeros, two answer lines, thousands separators
        ("Answer: 34<|im_end|>", "34", "dapo", Verdict(True, "34", "correct", "path=answer_line; numeric")),
        ("Answer: 3/4<|im_end|>", "3/4", "auto", Verdict(True, "3/4", "correct", "path=answer_line; same text")),
        ("Answer: 034", "34", "dapo", Verdict(True, "034", "correct", "path=answer_line; numeric")),
        ("Answer: 034", "35", "strict", Verdict(False, "034", "wrong", "path=answer_line; numeric mismatch")),
        ("Answer: 5\nAnswer: 34", "34", "dapo", Verdict(True, "34", "correct", "path=answer_line; numeric")),
        ("Answer: 1,234", "1234", "auto", Verdict(True, "1,234", "correct", "path=answer_line; numeric")),
    ],
)
def test_fast_lane_answers_the_common_shapes(response: str, gold: str, style: str, expected: Verdict) -> None:
    assert fast_verdict(response, gold, style) == expected
    assert verify(response, gold, style=style) == expected


@pytest.mark.parametrize(
    ("response", "gold", "style"),
    [
        ("<think>\nAnswer: 34", "34", "dapo"),  # think tags: the full path decides
        ("Answer: 34", "034", "dapo"),  # a gold with a leading zero
        ("Answer: 34.", "34", "dapo"),
        ("\\boxed{3}\\boxed{34}", "34", "boxed"),
        ("The answer is \\boxed{34}", "34", "dapo"),  # a box is not the dapo shape, and "answer" is there
        ("Answer: \\boxed{34}", "34", "boxed"),  # a box after a marker
        ("<answer>34</answer>", "34", "dapo"),
        ("The answer is 34", "34", "dapo"),  # "answer" in prose: the full path decides
        ("Answer: 34", 34, "dapo"),  # not strings
        (None, "34", "dapo"),
        ("<think>\nAnswer: 3/4", "3/4", "auto"),  # an unclosed think
        ("<answer>\nAnswer: 3/4</answer>", "3/4", "auto"),
        ("Answer: 3/4", "\\sqrt{9/16}", "auto"),  # a gold that is not a plain number
        ("\\\\boxed{34}", "34", "boxed"),  # doubled backslashes
    ],
)
def test_fast_lane_leaves_unusual_rows_to_the_full_path(response: object, gold: object, style: str) -> None:
    assert fast_verdict(response, gold, style) is None


@pytest.mark.parametrize("options", [{"float_rounding": 2}, {"percent_as_fraction": True}])
def test_fast_lane_follows_the_equivalence_options(options: dict) -> None:
    endings = ["Answer: 0.33", "Answer: 0.3333", "Answer: 1/3", "\\boxed{0.5}", "Answer: 34.004", "Answer: 34"]
    golds = ["1/3", "\\frac{1}{3}", "0.5", "1/2", "34", "34.0"]
    responses = [REASONING + ending for ending in endings for _gold in golds]
    gold_rows = [gold for _ending in endings for gold in golds]
    for style in STYLES:
        with_lane = verify_batch(responses, gold_rows, style=style, workers=1, timeout=10, **options)
        with fast_lane.disabled():
            full = verify_batch(responses, gold_rows, style=style, workers=1, timeout=10, **options)
        assert with_lane == full, style


@pytest.mark.parametrize("style", ["dapo", "auto"])
def test_verify_rows_are_the_verdicts_fields(style: str) -> None:
    """``verify_rows`` (the columns' source in `mathreward score`: no object per lane row) gives each row's Verdict
    fields in order, lane rows and full-path rows alike (a root, an empty gold among them)."""
    from dataclasses import astuple

    from mathreward.verifiers import verify_rows

    responses, golds = _rows()
    responses, golds = responses[::11], golds[::11]
    responses += ["So $x = \\sqrt{2}+1$.\nAnswer: \\sqrt{2}+1", "Answer: 34", "Answer: 34"]
    golds += ["1+\\sqrt{2}", "", "34"]
    rows = verify_rows(responses, golds, style=style, workers=1, timeout=10)
    assert rows == [astuple(verdict) for verdict in verify_batch(responses, golds, style=style, workers=1, timeout=10)]
    assert rows[-3:] == [
        (True, "\\sqrt{2}+1", "correct", "path=answer_line; numeric"),
        (False, "34", "error", "path=answer_line; empty gold answer"),
        (True, "34", "correct", "path=answer_line; numeric"),
    ]
    assert all(type(row) is tuple and len(row) == 4 for row in rows)


def test_leading_zeros_and_thousands_against_an_integer_equal_the_full_path() -> None:
    """``034`` and ``1,234`` against integer golds (the value, a neighbour, a group of the number, zero): the lane
    compares them as integers and gives the full path's verdict, reason included, on every row."""
    values = [0, 1, 7, 999, 1000, 1001, 1234, 99999, 123456, 1000000, 12345678901234567, 999999999999999999]
    preds, golds = [], []
    for value in values:
        for shape in (f"0{value}", f"00{value}", f"{value:,}", f"-{value:,}", f"-0{value}"):
            if not re.fullmatch(r"-?0[0-9]+|-?[1-9][0-9]{0,2}(?:,[0-9]{3})+", shape):
                continue  # a canonical integer ("999"): the lane's plain case
            groups = [int(group) for group in shape.lstrip("-").split(",")]
            for gold in {value, -value, value + 1, 0, groups[0], groups[-1], 10 * value}:
                preds.append(shape)
                golds.append(str(gold))
    responses = [f"{REASONING}\nAnswer: {pred}" for pred in preds]
    with fast_lane.disabled():
        full = verify_batch(responses, golds, style="dapo", workers=1, timeout=10)
    lane = [fast_verdict(response, gold, "dapo") for response, gold in zip(responses, golds, strict=True)]
    answered = [(fast, slow) for fast, slow in zip(lane, full, strict=True) if fast is not None]
    assert all(fast == slow for fast, slow in answered)
    digits = [max(len(re.sub(r"\D", "", pred)), len(gold.lstrip("-"))) for pred, gold in zip(preds, golds, strict=True)]
    assert [fast is None for fast in lane] == [count > 18 for count in digits]  # the lane reads at most 18 digits
    assert {slow.detail for _fast, slow in answered} == {
        "path=answer_line; numeric",
        "path=answer_line; numeric mismatch",
    }
    assert fast_verdict("Answer: 1,234", "1234", "dapo") == Verdict(
        True, "1,234", "correct", "path=answer_line; numeric"
    )
    assert fast_verdict("Answer: -034", "-35", "dapo") == Verdict(
        False, "-034", "wrong", "path=answer_line; numeric mismatch"
    )
