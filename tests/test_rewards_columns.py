"""``Reward.score_columns``: the result columns `mathreward score` writes, equal to ``score``'s results field by
field for every reward (the rule rewards build them from the verdicts without a ``RewardResult`` per row)."""

from __future__ import annotations

from typing import Any

import pytest

from mathreward.rewards import build_reward
from mathreward.rewards.base import RESULT_FIELDS, result_columns
from mathreward.rewards.compose import overlong
from mathreward.rewards.rule_rewards import BinaryReward

RESPONSES: list[Any] = [
    "so\nAnswer: 34",
    "**Answer:** 35",
    "the result is \\boxed{34}",
    "I give up.",
    "Answer: 34.0",
    "Answer: 034",
    "Answer: 7<|im_end|>",
    None,  # a missing response
    "Answer: 12",
    "Answer: 1,234",
    12,  # not a string
    "Answer: 3/4",
]
GOLDS: list[Any] = ["34", "34", "34", "34", "34", "34", "7", "5", None, "1234", "12", "  "]
SOURCES: list[Any] = [
    "math_dapo",
    "lighteval/MATH",
    "other",
    "aime_2024",
    None,
    "math_dapo",
    "numina_olympiads",
    "x",
    "math_dapo",
    "other",
    "lighteval/MATH",
    "math_dapo",
]


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("routed", {}),
        ("routed", {"style": "strict"}),
        ("dapo", {}),
        ("binary", {}),
        ("boxed", {}),
        ("binary", {"budget": 30.0}),
        ("routed", {"no_gold_score": -0.5}),
    ],
)
def test_score_columns_equal_score(name: str, options: dict[str, Any]) -> None:
    reward = build_reward(name, timeout=3.0, workers=1, **options)
    try:
        for fields in ({"data_sources": SOURCES}, {}):
            expected = result_columns(reward.score(None, RESPONSES, GOLDS, **fields))
            columns = reward.score_columns(None, RESPONSES, GOLDS, **fields)
            assert columns == expected
            assert [type(value) for value in columns["score"]] == [float] * len(RESPONSES)
            assert set(columns) == set(RESULT_FIELDS)
    finally:
        reward.close()


def test_score_columns_values() -> None:
    reward = build_reward("routed", timeout=3.0, workers=1)
    try:
        columns = reward.score_columns(
            None, RESPONSES[:4] + RESPONSES[8:9], GOLDS[:4] + GOLDS[8:9], data_sources=SOURCES[:4] + SOURCES[8:9]
        )
    finally:
        reward.close()
    assert columns == {
        "score": [1.0, 0.0, 1.0, -1.0, 0.0],
        "correct": [True, False, True, False, None],
        "pred": ["34", None, "34", None, None],  # lighteval/MATH routes to boxed: the answer line is no answer
        "status": ["correct", "no_answer", "correct", "no_answer", "no_gold"],
    }


def test_score_columns_empty_batch() -> None:
    reward = build_reward("routed", timeout=3.0, workers=1)
    try:
        assert reward.score_columns(None, [], [], data_sources=[]) == {key: [] for key in RESULT_FIELDS}
    finally:
        reward.close()


def test_overlong_and_subclass_use_their_own_score() -> None:
    class Halved(BinaryReward):
        def _result(self, verdict: Any) -> Any:
            result = super()._result(verdict)
            result.score /= 2
            return result

    wrapped = overlong("dapo", 8, 4, timeout=3.0, workers=1)
    halved = Halved(timeout=3.0, workers=1)
    try:
        lengths = {"response_lengths": [3, 9, 11, 2, 0, 6, 7, 12, 1, 5, 8, 10]}
        assert wrapped.score_columns(None, RESPONSES, GOLDS, **lengths) == result_columns(
            wrapped.score(None, RESPONSES, GOLDS, **lengths)
        )
        columns = halved.score_columns(None, RESPONSES, GOLDS)
        assert columns == result_columns(halved.score(None, RESPONSES, GOLDS))
        assert columns["score"][0] == 0.5
    finally:
        wrapped.close()
        halved.close()


def test_routes_memo_equals_route_per_row() -> None:
    from mathreward.rewards.routing import RoutedReward, route

    sources: list[Any] = ["math_dapo", None, ["a"], "lighteval/MATH", "math_dapo", 3, ["a"], "aime24", "x"]
    assert RoutedReward().routes(sources, len(sources)) == [route(source) for source in sources]
    assert RoutedReward().routes(None, 3) == ["binary"] * 3


def test_one_route_for_the_batch_equals_route_per_row() -> None:
    """Sources that all route alike (``math_dapo``, ``aime_2024``, ``DAPO-17k`` -> dapo) are scored in one call;
    the columns equal the per-row results and the dapo reward's own columns."""
    from mathreward.rewards.routing import RoutedReward, route

    sources = ["math_dapo", "aime_2024", "DAPO-17k"] * 4
    responses, golds = RESPONSES, ["34", "34", "34", "34", "34", "34", "7", "5", "12", "1234", "12", "3/4"]
    routed = RoutedReward(timeout=3.0, workers=1)
    dapo = build_reward("dapo", timeout=3.0, workers=1)
    try:
        assert routed.routes(sources, len(sources)) == [route(source) for source in sources] == ["dapo"] * 12
        columns = routed.score_columns(None, responses, golds, data_sources=sources)
        assert columns == result_columns(routed.score(None, responses, golds, data_sources=sources))
        assert columns == dapo.score_columns(None, responses, golds)
        assert columns["status"] == [
            "correct", "wrong", "no_answer", "no_answer", "correct", "correct",
            "correct", "no_answer", "correct", "correct", "no_answer", "correct",
        ]  # fmt: skip
        assert columns["score"] == [1.0, -1.0, -1.0, -1.0, 1.0, 1.0, 1.0, -1.0, 1.0, 1.0, -1.0, 1.0]
    finally:
        routed.close()
        dapo.close()


def test_every_gold_given_with_responses_that_are_not_text() -> None:
    """Every gold given (the rows are not filtered): a missing response is no answer, a number is read as its text."""
    reward = build_reward("binary", timeout=3.0, workers=1)
    try:
        columns = reward.score_columns(None, [None, 12, "Answer: 5", b"Answer: 5"], ["5", "12", "5", "5"])
        assert columns == result_columns(
            reward.score(None, [None, 12, "Answer: 5", b"Answer: 5"], ["5", "12", "5", "5"])
        )
    finally:
        reward.close()
    assert columns["status"][:3] == ["no_answer", "correct", "correct"]
    assert columns["score"][:3] == [0.0, 1.0, 1.0]
