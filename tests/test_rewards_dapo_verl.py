"""dapo-verl: verl's math_dapo numbers, every quirk listed in docs/dapo.md pinned by hand."""

from __future__ import annotations

import pytest

from mathreward.rewards import build_reward
from mathreward.rewards.dapo_verl import compute_score, normalize_final_answer

PREFIX = "Let me think step by step.\nSome reasoning with 12 and 7.\n"


@pytest.mark.parametrize(
    ("response", "gold", "score", "pred"),
    [
        # the contract works
        ("Answer: 34", "34", 1.0, "34"),
        ("answer :   34\n", "34", 1.0, "34"),  # case-insensitive, spaces around the colon
        ("Answer: $34$", "34", 1.0, "34"),
        ("Answer: 34 dollars", "34", 1.0, "34"),  # unit words deleted
        ("Answer: x = 34", "34", 1.0, "34"),  # split on '='
        ("Answer: \\boxed{34}", "34", 1.0, "34"),
        ("Answer: 1,000", "1000", 1.0, "1000"),  # thousands commas of all-digit strings
        ("Answer: 12\nAnswer: 34", "34", 1.0, "34"),  # the last match wins
        ("Answer: \\frac12", "\\frac{1}{2}", 1.0, "\\frac{1}{2}"),  # shorthand expansion
        ("Answer: 7", "34", -1.0, "7"),
        # known false negatives
        ("**Answer:** 34", "34", -1.0, "**34"),
        ("Answer: 34.0", "34", -1.0, "34.0"),
        ("Answer: 034", "34", -1.0, "034"),
        ("Answer: \\(34\\)", "34", -1.0, "\\(34\\)"),
        ("Answer: \u221234", "-34", -1.0, "\u221234"),  # Unicode minus
        ("so the result is \\boxed{34}", "34", -1.0, "[INVALID]"),  # boxed, no Answer: line
        # known false positive: spaces deleted, then the commas of an all-digit string
        ("Answer: 3, 4", "34", 1.0, "34"),
        ("Answer: 3 4", "34", 1.0, "34"),
    ],
)
def test_quirks(response: str, gold: str, score: float, pred: str) -> None:
    out = compute_score(PREFIX + response, gold)
    assert out == {"score": score, "acc": score == 1.0, "pred": pred}


def test_only_last_300_characters_are_read() -> None:
    answer = "Answer: 34\n"
    assert compute_score(answer + "x" * (300 - len(answer)), "34")["score"] == 1.0  # 'A' is char -300
    assert compute_score(answer + "x" * (301 - len(answer)), "34")["score"] == -1.0  # 'A' falls off
    # the window starts at "nswer: 34": no match at all
    assert compute_score("Answer: 34\n" + "y" * 290, "34") == {"score": -1.0, "acc": False, "pred": "[INVALID]"}


def test_normalize_final_answer_examples() -> None:
    assert normalize_final_answer("\\text{(A)}") == "(A)"
    assert normalize_final_answer("90^\\circ") == "90"
    assert normalize_final_answer("a = 5 \\text{ cm}") == "5"
    assert normalize_final_answer("\\sqrt2") == "\\sqrt{2}"
    assert normalize_final_answer("1,2") == "12"  # the false-positive mechanism on its own


def test_strict_box_mode_compares_raw_strings() -> None:
    assert compute_score("so \\boxed{34}", "34", strict_box_verify=True) == {"score": 1.0, "acc": True, "pred": "34"}
    assert compute_score("so \\boxed{ 34}", "34", strict_box_verify=True)["score"] == -1.0
    assert compute_score("no box", "34", strict_box_verify=True)["pred"] == "[INVALID]"


def test_verl_09_falls_back_to_the_last_box() -> None:
    response = "so the result is \\boxed{34}"
    assert compute_score(response, "34", version="0.9") == {"score": 1.0, "acc": True, "pred": "34"}
    assert compute_score("nothing here", "34", version="0.9") == {"score": -1.0, "acc": False, "pred": "[INVALID]"}
    assert compute_score("Answer: 12 \\boxed{34}", "34", version="0.9")["pred"] == "1234"  # Answer: line first
    with pytest.raises(ValueError, match="version"):
        compute_score("Answer: 1", "1", version="0.3")


def test_reward_object_statuses_and_order() -> None:
    reward = build_reward("dapo-verl")
    results = reward.score(None, ["Answer: 34", "\\boxed{34}", "Answer: 3", "Answer: 5"], ["34", "34", "34", None])
    assert [r.score for r in results] == [1.0, -1.0, -1.0, 0.0]
    assert [r.status for r in results] == ["correct", "no_answer", "wrong", "no_gold"]
    assert [r.correct for r in results] == [True, False, False, None]
