"""Composition: weighted sums and DAPO's soft overlong punishment, on hand-worked numbers."""

from __future__ import annotations

import pytest

from mathreward.rewards import Reward, RewardResult, build_reward
from mathreward.rewards.compose import overlong, overlong_penalty, weighted


class Constant(Reward):
    """A test reward: score = value, correct = (value > 0)."""

    def __init__(self, value: float, name: str = "constant") -> None:
        self.value = value
        self.name = name

    def score(self, prompts, responses, golds, **fields):
        return [RewardResult(self.value, self.value > 0, "p", "correct" if self.value > 0 else "wrong", {})] * len(
            responses
        )


@pytest.mark.parametrize(
    ("length", "penalty"),
    [
        (0, 0.0),
        (16384, 0.0),  # exactly L_max - L_cache: no penalty yet
        (16385, -1 / 4096),
        (18432, -0.5),  # half-way through the buffer
        (20480, -1.0),  # at L_max: the full factor
        (22528, -1.5),  # beyond L_max verl keeps going linearly
    ],
)
def test_overlong_penalty_dapo_recipe(length: int, penalty: float) -> None:
    assert overlong_penalty(length, 20480, 4096, 1.0) == pytest.approx(penalty, abs=1e-12)


def test_overlong_wrong_truncated_answer_gets_minus_two() -> None:
    reward = overlong("dapo-verl", max_len=20480, buffer_len=4096)
    results = reward.score(
        None, ["Answer: 7", "Answer: 34", "Answer: 34"], ["34", "34", "34"], response_lengths=[20480, 18432, 100]
    )
    assert [r.score for r in results] == [-2.0, 0.5, 1.0]
    assert [r.correct for r in results] == [False, True, True]  # raw correctness kept for dynamic sampling
    assert [r.extras["overlong_penalty"] for r in results] == [-1.0, -0.5, 0.0]
    assert [r.extras["raw_score"] for r in results] == [-1.0, 1.0, 1.0]


def test_overlong_factor_and_tokenizer_lengths() -> None:
    words = lambda text: text.split()  # noqa: E731 - a callable tokenizer: text -> tokens
    reward = overlong(Constant(1.0), max_len=10, buffer_len=4, factor=0.5, tokenizer=words)
    results = reward.score(None, ["a " * 6, "a " * 8, "a " * 10], [None] * 3)
    assert [r.extras["response_length"] for r in results] == [6, 8, 10]
    assert [r.score for r in results] == [1.0, 0.75, 0.5]


def test_overlong_needs_lengths() -> None:
    reward = overlong(Constant(1.0), max_len=10, buffer_len=4)
    with pytest.raises(ValueError, match="response_lengths"):
        reward.score(None, ["a"], ["1"])
    with pytest.raises(ValueError, match="buffer_len"):
        overlong(Constant(1.0), max_len=10, buffer_len=20)


def test_weighted_sums_and_keeps_primary_correctness() -> None:
    reward = weighted({"dapo-verl": 1.0, "format": 0.5})
    results = reward.score(None, ["work\nAnswer: 34", "**Answer:** 34", "work\nAnswer: 9"], ["34", "34", "34"])
    # format gives 0.1 for a well-formed final "Answer:" line, weighted by 0.5
    assert [r.score for r in results] == pytest.approx([1.05, -1.0, -0.95])
    assert [r.correct for r in results] == [True, False, False]
    assert results[0].extras["scores"] == {"dapo-verl": 1.0, "format": 0.1}
    assert reward.name == "1*dapo-verl+0.5*format"


def test_weighted_objects_and_registry_entry() -> None:
    reward = build_reward("weighted", weights=[(Constant(2.0, "a"), 0.5), (Constant(-1.0, "b"), 3.0)])
    [result] = reward.score(["p"], ["r"], ["g"])
    assert result.score == -2.0
    assert result.correct is True  # the first component that judges correctness
    with pytest.raises(ValueError):
        weighted({})


def test_format_reward() -> None:
    reward = build_reward("format")
    responses = [
        "reasoning\nAnswer: 34",
        "reasoning\nAnswer: 34\n\n",
        "so the answer is $\\boxed{\\frac{1}{2}}$.",
        "**Answer:** 34",  # markdown around the keyword: not the template's format
        "Answer: 34\nWait, let me re-check.",  # not the last line
        "Answer:",
        "\\boxed{1",
        "",
    ]
    results = reward.score(None, responses, [None] * len(responses))
    assert [r.score for r in results] == [0.1, 0.1, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert [r.pred for r in results[:3]] == ["34", "34", "\\frac{1}{2}"]
    assert all(r.correct is None for r in results)
    assert build_reward("format", style="dapo").score_one(None, "\\boxed{3}", None).score == 0.0


def test_weighted_spec_string_through_the_registry() -> None:
    reward = build_reward("dapo-verl + 0.5*format")
    assert reward.name == "1*dapo-verl+0.5*format"
    assert [r.score for r in reward.score(None, ["x\nAnswer: 3", "Answer: 4\nhm"], ["3", "3"])] == [1.05, -1.0]
    with pytest.raises(ValueError, match="bad weight"):
        build_reward("dapo-verl+x*format")
    with pytest.raises(KeyError, match="unknown reward 'nope'"):
        build_reward("dapo-verl+nope")


def test_overlong_with_a_real_tokenizer(tmp_path) -> None:
    pytest.importorskip("transformers")
    from mathreward.reward_models.tiny_lm import train_tokenizer

    tokenizer = train_tokenizer(["Answer: 12 and some words", "more words here"], vocab_size=280)
    tokenizer.save_pretrained(tmp_path)
    responses = ["Answer: 12", "words " * 30 + "\nAnswer: 12"]
    lengths = [len(tokenizer.encode(r, add_special_tokens=False)) for r in responses]
    for given in (tokenizer, str(tmp_path)):  # an object, or a path loaded with AutoTokenizer
        reward = overlong("dapo-verl", max_len=lengths[0] + 8, buffer_len=8, tokenizer=given)
        results = reward.score(None, responses, ["12", "12"])
        assert [r.extras["response_length"] for r in results] == lengths
        assert results[0].score == 1.0
        assert results[1].score == pytest.approx(1.0 - (lengths[1] - lengths[0]) / 8)
