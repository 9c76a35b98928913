"""The `pairwise` reward: one result per response, anchor = reference or the group's first response."""

from __future__ import annotations

import pytest

from mathreward.reward_models.pairwise_model import PairwiseRM
from mathreward.reward_models.synthetic import arithmetic_pairs, corpus_texts
from mathreward.reward_models.tiny_lm import build_tiny_causal_lm, train_tokenizer
from mathreward.rewards.pairwise import PairwiseReward


@pytest.fixture(scope="module")
def rm() -> PairwiseRM:
    tok = train_tokenizer(corpus_texts(arithmetic_pairs(40, seed=3)), vocab_size=300)
    model = build_tiny_causal_lm(tok, hidden_size=32, num_layers=1, num_heads=2, seed=1).eval()
    return PairwiseRM(model, tok)


PROMPTS = ["What is 2+3?"] * 3 + ["What is 4+4?"] * 2
RESPONSES = ["Answer: 5", "Answer: 6", "2+3 = 5. Answer: 5", "Answer: 8", "Answer: 9"]
GOLDS = ["5", "5", "5", "8", "8"]


def test_first_response_of_each_group_is_the_anchor(rm) -> None:
    reward = PairwiseReward(model=rm, anchor="first", output="centered")
    results = reward.score(PROMPTS, RESPONSES, GOLDS, group_ids=[0, 0, 0, 1, 1])
    assert len(results) == 5
    assert results[0].score == 0.0 and results[0].extras == {"p_win": 0.5, "anchor": "self"}
    assert results[3].score == 0.0
    expected = rm.prob(PROMPTS[1], RESPONSES[1], RESPONSES[0], GOLDS[1])
    assert results[1].extras["p_win"] == pytest.approx(expected, abs=1e-6)
    assert results[1].score == pytest.approx(2 * expected - 1, abs=1e-6)
    expected_4 = rm.prob(PROMPTS[4], RESPONSES[4], RESPONSES[3], GOLDS[4])
    assert results[4].extras["p_win"] == pytest.approx(expected_4, abs=1e-6)
    assert all(r.correct is None and r.status == "ok" and r.pred is None for r in results)


def test_reference_anchor_is_used_when_present_else_first_of_group(rm) -> None:
    references = ["2+3 is 5. Answer: 5", None, "", "4+4 = 8. Answer: 8", "4+4 = 8. Answer: 8"]
    reward = PairwiseReward(model=rm, anchor="reference", output="prob")
    results = reward.score(PROMPTS, RESPONSES, GOLDS, references=references, group_ids=["a", "a", "a", "b", "b"])
    assert [r.extras["anchor"] for r in results] == ["reference", "first", "first", "reference", "reference"]
    assert results[0].score == pytest.approx(rm.prob(PROMPTS[0], RESPONSES[0], references[0], GOLDS[0]), abs=1e-6)
    assert results[2].score == pytest.approx(rm.prob(PROMPTS[2], RESPONSES[2], RESPONSES[0], GOLDS[2]), abs=1e-6)
    assert all(0.0 < r.score < 1.0 for r in results)


def test_without_group_ids_the_batch_is_one_group(rm) -> None:
    results = PairwiseReward(model=rm, anchor="first", output="prob").score(PROMPTS, RESPONSES, GOLDS)
    assert results[0].score == 0.5 and [r.extras["anchor"] for r in results[1:]] == ["first"] * 4


def test_registry_builds_the_reward_from_a_saved_model(rm, tmp_path) -> None:
    from mathreward.rewards import registry

    rm.save_pretrained(tmp_path / "rm")
    reward = registry.build_reward("pairwise", model_path=str(tmp_path / "rm"), anchor="first", device="cpu")
    assert isinstance(reward, PairwiseReward)
    results = reward.score(PROMPTS[:2], RESPONSES[:2], GOLDS[:2], group_ids=[0, 0])
    assert results[1].extras["p_win"] == pytest.approx(
        rm.prob(PROMPTS[1], RESPONSES[1], RESPONSES[0], GOLDS[1]), abs=1e-6
    )


def test_bad_options_are_refused(rm) -> None:
    with pytest.raises(ValueError, match="anchor"):
        PairwiseReward(model=rm, anchor="best")
    with pytest.raises(ValueError, match="output"):
        PairwiseReward(model=rm, output="logit")
    with pytest.raises(ValueError, match="golds"):
        PairwiseReward(model=rm).score(PROMPTS, RESPONSES, GOLDS[:2])


def test_answer_gate_fails_unanswered_responses_without_a_judgement(rm) -> None:
    """With ``answer_gate="dapo"`` a response without an `Answer:` line gets p = 0 and fails the verdict; the judge
    scores only the answered ones, exactly as without the gate; the gate never calls the model on gated rows."""
    responses = ["2+3 = 5\nAnswer: 5", "2+3 = 5\nSo the total is 5.", "Answer: 6", "The answer is 8."]
    prompts, golds = PROMPTS[:2] + PROMPTS[3:4] * 2, ["5", "5", "8", "8"]
    references = ["2+3 = 5\nAnswer: 5"] * 2 + ["4+4 = 8\nAnswer: 8"] * 2
    fields = {"references": references, "group_ids": [0, 0, 1, 1]}
    plain = PairwiseReward(model=rm, anchor="reference").score(prompts, responses, golds, **fields)
    gate = PairwiseReward(model=rm, anchor="reference", answer_gate="dapo")
    judged: list[str] = []
    original = rm.prob_batch
    rm.prob_batch = lambda prompts, responses, *rest, **kw: (
        judged.extend(responses)
        or original(  # type: ignore[method-assign]
            prompts, responses, *rest, **kw
        )
    )
    try:
        gated = gate.score(prompts, responses, golds, **fields)
    finally:
        rm.prob_batch = original  # type: ignore[method-assign]
    assert judged == [responses[0], responses[2]]
    assert [r.extras["anchor"] for r in gated] == ["reference", "gate", "reference", "gate"]
    for row in (1, 3):
        assert gated[row].score == -1.0 and gated[row].extras["p_win"] == 0.0
        assert gated[row].extras["judged_correct"] is False
    for row in (0, 2):
        assert gated[row].score == pytest.approx(plain[row].score, abs=1e-6)
        assert gated[row].extras["judged_correct"] == plain[row].extras["judged_correct"]
    with pytest.raises(ValueError, match="answer_gate"):
        PairwiseReward(model=rm, answer_gate="latex")


def test_identical_rows_are_judged_once_with_the_same_result(rm) -> None:
    calls: list[int] = []

    class CountingRM:
        def prob_batch(self, prompts, responses_a, responses_b, references, *, batch_size=16):
            calls.append(len(prompts))
            return rm.prob_batch(prompts, responses_a, responses_b, references, batch_size=batch_size)

    prompts = ["What is 2+3?"] * 4 + ["What is 4+4?"] * 2
    responses = ["Answer: 5", "Answer: 6", "Answer: 5", "Answer: 5", "Answer: 8", "Answer: 8"]
    golds = ["5"] * 4 + ["8"] * 2
    references = ["2+3 = 5. Answer: 5"] * 4 + ["4+4 = 8. Answer: 8"] * 2
    reward = PairwiseReward(model=CountingRM(), anchor="reference", output="prob")
    results = reward.score(prompts, responses, golds, references=references, group_ids=[0, 0, 0, 0, 1, 1])
    assert calls == [3]  # (2+3, "Answer: 5"), (2+3, "Answer: 6"), (4+4, "Answer: 8")
    expected = PairwiseReward(model=rm, anchor="reference", output="prob").score(
        prompts, responses, golds, references=references
    )
    assert [r.score for r in results] == pytest.approx([r.score for r in expected], abs=1e-6)
    assert results[0].score == results[2].score == results[3].score and results[4].score == results[5].score


def test_a_reference_anchor_without_references_is_an_error_naming_the_option() -> None:
    """anchor="reference" with no ``references`` field raises (it used to fall back to the batch's first response);
    rows whose reference is empty still use their group's first response."""
    from mathreward.errors import UserError
    from mathreward.rewards.pairwise import MissingReferences, PairwiseReward

    class NeverCalled:
        def prob_batch(self, *args, **kwargs):
            raise AssertionError("no judgement may run without the references")

    reward = PairwiseReward(model=NeverCalled(), anchor="reference", output="prob")
    with pytest.raises(MissingReferences, match=r"anchor='reference' needs references=") as caught:
        reward.score(["What is 2+3?"] * 2, ["Answer: 5", "Answer: 6"], ["5", "5"])
    assert isinstance(caught.value, UserError)
    results = reward.score(["What is 2+3?"], ["Answer: 5"], ["5"], references=[None])
    assert [(r.score, r.extras["anchor"]) for r in results] == [(0.5, "self")]  # its own anchor, no judgement
