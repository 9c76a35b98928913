"""PairwiseRM inference: letter tokens, exact symmetry, padding invariance, save/load, truncation; calibration and
metrics on hand-worked numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mathreward.reward_models.calibration import fit_temperature, golden_section_min, nll
from mathreward.reward_models.encoding import encode_left_padded
from mathreward.reward_models.judge_prompt import JudgeTemplate
from mathreward.reward_models.metrics import ece, pairwise_accuracy, position_consistency
from mathreward.reward_models.pairwise_model import PairwiseRM, order_probability
from mathreward.reward_models.synthetic import arithmetic_pairs, corpus_texts
from mathreward.reward_models.tiny_lm import build_tiny_causal_lm, train_tokenizer

PAIRS = arithmetic_pairs(12, seed=2, kind="mixed")


@pytest.fixture(scope="module")
def rm() -> PairwiseRM:
    tok = train_tokenizer(corpus_texts(arithmetic_pairs(60, seed=1)), vocab_size=320)
    model = build_tiny_causal_lm(tok, hidden_size=32, num_layers=2, num_heads=2, seed=4).eval()
    return PairwiseRM(model, tok, temperature=1.3, max_length=512)


def test_letters_resolve_to_single_distinct_tokens(rm) -> None:
    ids = rm.template.letter_token_ids
    assert len(ids) == 2 and ids[0] != ids[1]
    assert [rm.tokenizer.decode([i]) for i in ids] == [rm.template.letter_prefix + "A", rm.template.letter_prefix + "B"]
    text = rm.judge_text("Q?", "x", "y")
    assert rm.tokenizer(text + rm.template.letter_prefix + "B")["input_ids"][-1] == ids[1]


def test_template_without_single_token_letters_is_refused(rm) -> None:
    template = JudgeTemplate(letters=("Alpha-7", "Beta-9"))
    with pytest.raises(ValueError, match="single token"):
        template.resolve_letters(rm.tokenizer)


def test_probabilities_are_exactly_symmetric(rm) -> None:
    prompts = [p.prompt for p in PAIRS]
    a, b, refs = [p.chosen for p in PAIRS], [p.rejected for p in PAIRS], [p.reference for p in PAIRS]
    forward = rm.prob_batch(prompts, a, b, refs)
    backward = rm.prob_batch(prompts, b, a, refs)
    assert all(f + g == 1.0 for f, g in zip(forward, backward, strict=True))
    for pair in PAIRS[:3]:
        assert (
            rm.prob(pair.prompt, pair.chosen, pair.rejected) + rm.prob(pair.prompt, pair.rejected, pair.chosen) == 1.0
        )
    assert rm.prob("Q?", "same", "same") == 0.5
    assert len({round(p, 6) for p in forward}) > 1  # not a constant


def test_order_averaging_formula() -> None:
    # p = (p(A|a,b) + 1 - p(A|b,a)) / 2 with p(A|.) = sigmoid(diff / T)
    p = order_probability(np.array([math.log(3.0)]), np.array([math.log(1 / 4)]), 1.0)[0]
    assert p == pytest.approx((0.75 + 1 - 0.2) / 2)
    p_t = order_probability(np.array([2 * math.log(3.0)]), np.array([0.0]), 2.0)[0]
    assert p_t == pytest.approx((0.75 + 0.5) / 2)


def test_padding_does_not_change_a_pair_score(rm) -> None:
    pair = PAIRS[0]
    alone = rm.prob(pair.prompt, pair.chosen, pair.rejected, pair.reference)
    long_a = "Let me think step by step about this. " * 8 + pair.chosen
    batch = rm.prob_batch(
        [pair.prompt, "What is 1000+2000? Please be careful.", pair.prompt],
        [pair.chosen, long_a, long_a],
        [pair.rejected, "no idea " * 20, pair.rejected],
        [pair.reference, "3000", pair.reference],
    )
    assert batch[0] == pytest.approx(alone, abs=1e-5)
    texts = [rm.judge_text(pair.prompt, pair.chosen, pair.rejected), rm.judge_text(pair.prompt, long_a, "x " * 40)]
    encoded = encode_left_padded(rm.tokenizer, texts)
    assert encoded["attention_mask"][0, 0] == 0 and encoded["input_ids"][0, 0] == rm.tokenizer.pad_token_id
    assert encoded["position_ids"][0, -1] == encoded["attention_mask"][0].sum() - 1
    single = rm.letter_logits(texts[:1])
    both = rm.letter_logits(texts)
    assert torch.allclose(single[0], both[0], atol=1e-5)


def test_save_load_round_trip_gives_identical_probabilities(rm, tmp_path) -> None:
    rm.calibration = {"temperature": 1.3}
    rm.save_pretrained(tmp_path / "rm")
    loaded = PairwiseRM.from_pretrained(tmp_path / "rm", device="cpu")
    assert loaded.temperature == 1.3 and loaded.template.to_dict() == rm.template.to_dict()
    args = (
        [p.prompt for p in PAIRS],
        [p.chosen for p in PAIRS],
        [p.rejected for p in PAIRS],
        [p.reference for p in PAIRS],
    )
    assert loaded.prob_batch(*args) == rm.prob_batch(*args)


def test_long_responses_are_shortened_to_fit_and_keep_the_verdict_line(rm) -> None:
    short = PairwiseRM(rm.model, rm.tokenizer, temperature=1.0, max_length=80)
    text = short.judge_text("What is 2+2?", "four " * 200, "five " * 300, "4")
    assert len(short.tokenizer(text)["input_ids"]) <= 80
    assert text.endswith(short.template.without_reference.split("\n")[-1])
    assert "Question: What is 2+2?" in text and " ..." in text
    assert 0.0 < short.prob("What is 2+2?", "four " * 200, "five " * 300, "4") < 1.0


def test_golden_section_finds_a_known_minimum() -> None:
    assert golden_section_min(lambda x: (x - 1.234) ** 2 + 3, -5, 5) == pytest.approx(1.234, abs=1e-6)


def test_temperature_fit_repairs_an_overconfident_model() -> None:
    rng = np.random.default_rng(0)
    true_logit = rng.normal(0.0, 1.5, size=4000)
    chosen_first = rng.random(4000) < 1.0 / (1.0 + np.exp(-true_logit))
    # label the pair so that the preferred response is "chosen": p(chosen) = sigmoid(+-logit)
    signed = np.where(chosen_first, true_logit, -true_logit)
    overconfident = 4.0 * signed
    result = fit_temperature(lambda t: 1.0 / (1.0 + np.exp(-overconfident / t)))
    assert result["temperature"] == pytest.approx(4.0, rel=0.1)
    assert result["nll_after"] < result["nll_before"] - 0.2
    assert result["nll_after"] == pytest.approx(nll(1.0 / (1.0 + np.exp(-signed))), abs=0.01)


def test_metrics_on_hand_worked_numbers() -> None:
    p = np.array([0.9, 0.8, 0.3, 0.5, 0.65])
    assert pairwise_accuracy(p) == pytest.approx((1 + 1 + 0 + 0.5 + 1) / 5)
    assert nll(np.array([0.5, 0.25])) == pytest.approx((math.log(2) + math.log(4)) / 2)
    result = ece(np.array([0.95, 0.95, 0.05, 0.6]))
    # bins: confidence 0.95 (two right, one wrong: 0.05 -> confidence 0.95, wrong) and 0.6 (right)
    assert result["ece"] == pytest.approx((3 * abs(2 / 3 - 0.95) + 1 * abs(1.0 - 0.6)) / 4)
    assert sum(b["count"] for b in result["bins"]) == 4 and len(result["bins"]) == 10
    assert position_consistency(np.array([0.9, 0.7, 0.2, 0.6]), np.array([0.1, 0.8, 0.9, 0.4])) == 0.75
