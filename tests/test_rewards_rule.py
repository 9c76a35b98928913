"""Rule rewards on our verifiers: dapo (+1/-1), binary, boxed; the DAPO contract without verl's quirks."""

from __future__ import annotations

import time

import pytest

from mathreward.rewards import build_reward


@pytest.fixture(scope="module")
def dapo():
    return build_reward("dapo", timeout=3.0)


@pytest.mark.parametrize(
    ("response", "gold", "score", "status"),
    [
        ("so\nAnswer: 34", "34", 1.0, "correct"),
        # verl's false negatives are right here
        ("**Answer:** 34", "34", 1.0, "correct"),
        ("Answer: 34.0", "34", 1.0, "correct"),
        ("Answer: \\(34\\)", "34", 1.0, "correct"),
        ("Answer: \u221234", "-34", 1.0, "correct"),
        ("Answer: \\frac{1}{2}", "0.5", 1.0, "correct"),
        # and its false positive is wrong
        ("Answer: 3, 4", "34", -1.0, "wrong"),
        ("Answer: 35", "34", -1.0, "wrong"),
        # DAPO's contract is the Answer: line: a lone box is no answer, and that costs -1 too
        ("the result is \\boxed{34}", "34", -1.0, "no_answer"),
        ("I give up.", "34", -1.0, "no_answer"),
    ],
)
def test_dapo_reward(dapo, response: str, gold: str, score: float, status: str) -> None:
    result = dapo.score_one("prompt", response, gold)
    assert (result.score, result.status) == (score, status)
    assert result.correct is (score == 1.0)


def test_dapo_reads_an_answer_line_beyond_verls_300_character_window(dapo) -> None:
    response = "reasoning\nAnswer: 34\n" + "Let me double check: " + "ok. " * 100
    assert build_reward("dapo-verl").score_one(None, response, "34").score == -1.0
    assert dapo.score_one(None, response, "34").score == 1.0  # the last Answer: line, wherever it is


def test_binary_and_boxed() -> None:
    responses = ["so \\boxed{\\frac{1}{2}}", "Answer: 0.5", "so \\boxed{3} and then\nAnswer: 0.5", "nothing"]
    golds = ["1/2"] * 4
    binary = build_reward("binary").score(None, responses, golds)
    boxed = build_reward("boxed").score(None, responses, golds)
    assert [r.score for r in binary] == [1.0, 1.0, 1.0, 0.0]  # auto: whichever of box / Answer: comes last
    assert [r.score for r in boxed] == [1.0, 0.0, 0.0, 0.0]  # only the last box counts
    assert [r.status for r in boxed] == ["correct", "no_answer", "wrong", "no_answer"]


def test_rows_without_gold_are_not_verified(dapo) -> None:
    results = dapo.score(None, ["Answer: 1", "Answer: 2", "Answer: 3"], ["1", None, "  "])
    assert [(r.score, r.correct, r.status) for r in results] == [
        (1.0, True, "correct"),
        (0.0, None, "no_gold"),
        (0.0, None, "no_gold"),
    ]


def test_custom_scores_and_non_string_golds() -> None:
    reward = build_reward("binary", correct_score=2.0, wrong_score=-0.5)
    assert [r.score for r in reward.score(None, ["Answer: 12", "Answer: 13"], [12, 12])] == [2.0, -0.5]


def test_hostile_batch_keeps_order_and_time_budget() -> None:
    reward = build_reward("dapo", timeout=2.0, workers=2)
    hostile = [
        "Answer: 9^{9^{9^{9^{9}}}}",
        "Answer: " + "{" * 3000 + "1" + "}" * 3000,
        "x" * 1_000_000 + "\nAnswer: 7",
        "Answer: __import__('os').system('echo pwned > /tmp/mathreward_rule_pwned')",
        "Answer: \\sum_{n=1}^{\\infty} n",
        "Answer: 1/0",
        "Answer: \x00\x00 7",
    ]
    responses = [
        item for pair in zip(hostile, [f"Answer: {i}" for i in range(len(hostile))], strict=True) for item in pair
    ]
    golds = [g for i in range(len(hostile)) for g in ("7", str(i))]
    started = time.perf_counter()
    results = reward.score(None, responses, golds)
    elapsed = time.perf_counter() - started
    assert len(results) == len(responses)
    assert [r.score for r in results[1::2]] == [1.0] * len(hostile)  # the honest rows between hostile ones
    assert results[4].score == 1.0  # the 1 MB response still has its final answer
    # at most one per-item deadline per hostile row (two workers share them) plus worker start-up, never a hang
    assert elapsed < 2.0 * len(hostile) + 15.0
    import os

    assert not os.path.exists("/tmp/mathreward_rule_pwned")


def test_budget_caps_the_wall_time_of_a_call() -> None:
    from mathreward.rewards.rule_rewards import DapoReward

    class StallingDapo(DapoReward):
        """A verifier stall we control: any chunk holding a 'stall' row takes 3 s (think: workers restarting)."""

        def _verify(self, responses, golds):
            if any("stall" in r for r in responses):
                time.sleep(3.0)
            return super()._verify(responses, golds)

    reward = StallingDapo(budget=1.0, chunk_size=2)
    responses = ["Answer: 1", "Answer: 2", "stall\nAnswer: 3", "Answer: 4", "Answer: 5"]
    started = time.perf_counter()
    results = reward.score(None, responses, ["1", "2", "3", "4", "5"])
    assert time.perf_counter() - started < 1.5
    assert [r.status for r in results] == ["correct", "correct", "timeout", "timeout", "timeout"]
    assert [r.correct for r in results] == [True, True, None, None, None]  # unknown, not "wrong"
    assert [r.score for r in results] == [1.0, 1.0, -1.0, -1.0, -1.0]
    assert "budget of 1s" in results[2].extras["detail"]
    assert [r.status for r in StallingDapo(budget=10.0).score(None, responses[:2], ["1", "9"])] == ["correct", "wrong"]
