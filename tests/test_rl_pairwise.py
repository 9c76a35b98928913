"""The reward model built from the policy checkpoint, and its reward driving the RL trainer.

A tiny policy (the demo's warm-up at a tiny size, saved as a transformers folder) is the base of both reward models;
the pairwise one keeps its LM head, the Bradley-Terry one gets a scalar head. The pairwise reward then trains the
policy for a couple of steps against reference solutions, while the verifier measures correctness.
"""

from __future__ import annotations

import json
import random

import pytest
import torch

from mathreward.reward_models.data import PreferencePair
from mathreward.reward_models.train import TrainConfig, train_reward_model
from mathreward.rewards.base import RewardResult
from mathreward.rl.demo import DemoSettings, prepare_policy
from mathreward.rl.presets import build_config
from mathreward.rl.rollout import Sample
from mathreward.rl.toy_task import make_problems
from mathreward.rl.trainer import RLTrainer, _disagreement, reward_verdict

TINY = DemoSettings(
    train_problems=60,
    heldout_problems=6,
    max_operand=3,
    vocab_size=300,
    hidden_size=32,
    num_layers=1,
    num_heads=2,
    sft_steps=60,
    sft_lr=5e-3,
)


@pytest.fixture(scope="module")
def policy_and_rm(tmp_path_factory):
    """(policy folder, pairwise RM folder, BT folder, problems) with both reward models trained from the policy."""
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("pairwise_rl")
    prepare_policy(root / "policy", TINY)
    problems = make_problems(60, seed=TINY.seed, max_operand=TINY.max_operand)
    rng = random.Random(0)
    pairs = []
    for p in problems[:40]:
        wrong = p.solution(p.answer + rng.choice((1, 2))) if rng.random() < 0.5 else p.solution(answer_line=False)
        pairs.append(PreferencePair(p.prompt, p.solution(), wrong, str(p.answer)))
    common = dict(model=str(root / "policy" / "warmup"), epochs=1.0, lr=1e-3, batch_size=8, progress=False)
    train_reward_model(pairs, TrainConfig(out=str(root / "rm"), template="reference-last", **common))
    train_reward_model(pairs, TrainConfig(out=str(root / "bt"), objective="bt", **common))
    return root / "policy" / "warmup", root / "rm", root / "bt", problems


def test_pairwise_rm_from_the_policy_keeps_its_lm_head(policy_and_rm) -> None:
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    policy, rm, _, _ = policy_and_rm
    model, info = AutoModelForCausalLM.from_pretrained(rm, output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"]  # nothing re-initialised, nothing dropped
    base = load_file(str(policy / "model.safetensors"))
    tuned = load_file(str(rm / "model.safetensors"))
    assert set(tuned) == set(base) and "lm_head.weight" in tuned
    assert tuned["lm_head.weight"].shape == base["lm_head.weight"].shape
    assert not torch.equal(tuned["lm_head.weight"], base["lm_head.weight"])  # the head was trained, not replaced
    config = json.loads((rm / "reward_model.json").read_text())
    assert config["objective"] == "pairwise" and config["template"]["with_reference"].startswith("Question:")
    # still a generator: it writes text after a prompt, and its next token after a judge text is a verdict letter
    tokenizer = AutoTokenizer.from_pretrained(rm)
    ids = tokenizer("Ann has 2 pens.", return_tensors="pt")
    assert model.generate(**ids, max_new_tokens=3, do_sample=False).shape[1] > ids["input_ids"].shape[1]


def test_bradley_terry_baseline_starts_from_the_same_checkpoint(policy_and_rm) -> None:
    from safetensors.torch import load_file

    from mathreward.reward_models.loading import load_reward_model

    policy, _, bt, _ = policy_and_rm
    base = load_file(str(policy / "model.safetensors"))
    weights = load_file(str(bt / "model.safetensors"))
    assert "score.weight" in weights and weights["score.weight"].shape == (1, base["lm_head.weight"].shape[1])
    assert "lm_head.weight" not in weights
    assert set(base) - {"lm_head.weight"} == set(weights) - {"score.weight"}
    assert load_reward_model(bt).objective == "bt"


def test_reward_verdict_and_disagreement_by_hand() -> None:
    verifier_says = RewardResult(1.0, True, "5", "correct")
    judge_tie = RewardResult(0.0, None, None, "ok", {"p_win": 0.5, "judged_correct": True})
    judge_first = RewardResult(-0.2, None, None, "ok", {"p_win": 0.4, "anchor": "first"})
    assert reward_verdict(verifier_says) is True
    assert reward_verdict(judge_tie) is True and reward_verdict(judge_first) is None

    def sample(verdict, correct):
        return Sample([1], [2], True, False, 0, "", "", "5", correct=correct, extras={"verdict": verdict})

    samples = [sample(True, True), sample(True, False), sample(False, False), sample(None, True)]
    assert _disagreement(samples) == pytest.approx(1 / 3)
    assert _disagreement([sample(None, True)]) is None


def test_pairwise_reward_drives_two_rl_steps_with_the_verifier_watching(policy_and_rm, tmp_path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from mathreward.rl.sample_rollouts import question_text
    from mathreward.rl.toy_task import problem_rows

    policy, rm, _, problems = policy_and_rm
    tokenizer = AutoTokenizer.from_pretrained(policy)
    model = AutoModelForCausalLM.from_pretrained(policy)
    rows = problem_rows(problems[40:52])
    prompts = [tokenizer.apply_chat_template(r["prompt"], tokenize=False, add_generation_prompt=True) for r in rows]
    golds = [r["reward_model"]["ground_truth"] for r in rows]
    questions = [question_text(r["prompt"]) for r in rows]
    references = [r["extra_info"]["solution"] for r in rows]
    config = build_config(
        "grpo", reward="pairwise", reward_kwargs={"model_path": str(rm), "device": "cpu"}, steps=2, batch_size=3,
        group_size=4, max_new_tokens=10, lr=1e-3, device="cpu",
    )  # fmt: skip
    trainer = RLTrainer(
        model, tokenizer, config, prompts, golds, out_dir=tmp_path, questions=questions, references=references
    )
    before = [p.detach().clone() for p in model.parameters()]
    history = trainer.train()
    assert len(history) == 2 and any(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    for record in history:
        assert 0.0 <= record["accuracy"] <= 1.0
        assert 0.0 <= record["reward_verifier_disagreement"] <= 1.0
        assert -1.0 <= record["reward"] <= 1.0  # centred win probability 2p - 1

    # one draw by hand: scores are 2p - 1 against the reference; correctness and status are the verifier's
    from mathreward.rewards import build_reward
    from mathreward.rewards.pairwise import PairwiseReward

    samples = trainer.generate(prompts[:2], golds[:2], group_size=3, questions=questions[:2], references=references[:2])
    judge = PairwiseReward(model_path=str(rm), device="cpu", output="prob")
    verifier = build_reward("dapo")
    for s in samples:
        p = judge.model.prob(questions[s.group], s.response_text, references[s.group], golds[s.group])
        assert s.score == pytest.approx(2 * p - 1, abs=1e-5)
        assert s.extras["verdict"] == (p >= 0.25)
        assert s.correct == verifier.score_one(None, s.response_text, golds[s.group]).correct
    evaluation = trainer.evaluate(prompts[:4], golds[:4], greedy=True)
    assert 0.0 <= evaluation["accuracy"] <= 1.0
    assert trainer.reward_is_judge()  # evaluation skips the judge: correctness is the verifier's alone
    rule = RLTrainer(model, tokenizer, build_config("grpo", steps=1, device="cpu"), prompts, golds)
    assert not rule.reward_is_judge()


def test_evaluation_reports_accuracy_per_kind(policy_and_rm, tmp_path) -> None:
    from mathreward.reward_models.evaluate import evaluate_model, evaluation_report
    from mathreward.reward_models.loading import load_reward_model

    _, rm, bt, problems = policy_and_rm
    pairs = [
        PreferencePair(p.prompt, p.solution(), p.solution(p.answer + 1), str(p.answer), kind="wrong_answer")
        for p in problems[40:50]
    ] + [
        PreferencePair(p.prompt, p.solution(), p.solution(answer_line=False), str(p.answer), kind="no_answer")
        for p in problems[50:56]
    ]
    report = evaluation_report(rm, pairs, bt_model_path=bt, plot_path=tmp_path / "rel.png")
    for name, folder in (("pairwise", rm), ("bradley_terry", bt)):
        model = load_reward_model(folder)
        for kind, size in (("wrong_answer", 10), ("no_answer", 6)):
            subset = [p for p in pairs if p.kind == kind]
            assert len(subset) == size
            expected = evaluate_model(model, subset)["calibrated"]["accuracy"]
            assert report["accuracy_by_kind"][name][kind] == expected
    assert "accuracy, no_answer" in report["table"] and "accuracy, wrong_answer" in report["table"]
