"""The TRL adapter: unit behaviour, and a real 2-step GRPOTrainer run on CPU calling our reward."""

from __future__ import annotations

import pickle

import pytest

from mathreward.rewards import Reward, RewardResult, build_reward
from mathreward.rewards.trl import reward_func


class RecordingReward(Reward):
    """Delegates to a registry reward and records every batch it is given."""

    def __init__(self, inner: str) -> None:
        self.inner = build_reward(inner)
        self.name = inner
        self.calls: list[tuple[list[str], list[str], list[str | None], dict]] = []

    def score(self, prompts, responses, golds, **fields) -> list[RewardResult]:
        self.calls.append((list(prompts), list(responses), list(golds), fields))
        return self.inner.score(prompts, responses, golds, **fields)


def test_plain_and_conversational_completions() -> None:
    fn = reward_func("dapo-verl", gold_column="answer")
    assert fn.__name__ == "dapo_verl"
    plain = fn(prompts=["q1", "q2"], completions=["Answer: 3", "Answer: 4"], answer=["3", "5"])
    assert plain == [1.0, -1.0]
    chat_prompts = [[{"role": "user", "content": "q"}]] * 3
    chat = [
        [{"role": "assistant", "content": "Answer: 7"}],
        [{"role": "assistant", "content": "Answer: 1"}, {"role": "assistant", "content": "Answer: 7"}],
        [{"role": "assistant", "content": [{"type": "text", "text": "Answer: "}, {"type": "text", "text": "7"}]}],
    ]
    assert fn(prompts=chat_prompts, completions=chat, answer=[7, 7, 7]) == [1.0, 1.0, 1.0]
    assert fn(prompts=["q"], completions=["Answer: 1"], answer=[None]) == [None]  # TRL: not applicable


def test_missing_gold_column_names_the_columns() -> None:
    fn = reward_func("dapo-verl")
    with pytest.raises(KeyError, match=r"gold column 'solution' not among the dataset columns \['answer'\]"):
        fn(prompts=["q"], completions=["Answer: 1"], answer=["1"], trainer_state=None)


def test_lengths_from_completion_ids_reach_overlong_and_pickling() -> None:
    fn = reward_func("overlong", gold_column="answer", inner="dapo-verl", max_len=10, buffer_len=4)
    out = fn(
        prompts=["q", "q"],
        completions=["Answer: 2", "Answer: 2"],
        answer=["2", "2"],
        completion_ids=[[1] * 6, [1] * 10],
    )
    assert out == [1.0, 0.0]
    clone = pickle.loads(pickle.dumps(fn))
    assert clone.__name__ == "overlong" and clone(
        prompts=["q"], completions=["Answer: 2"], answer=["2"], completion_ids=[[1] * 8]
    ) == [0.5]


def test_grpo_trainer_two_steps_calls_our_reward(tmp_path) -> None:
    trl = pytest.importorskip("trl")
    from datasets import Dataset

    from mathreward.reward_models.tiny_lm import build_tiny_causal_lm, train_tokenizer

    problems = [("What is 2+3?", "5"), ("What is 10+7?", "17"), ("What is 6*7?", "42"), ("What is 9-4?", "5")]
    texts = [f"{q} Answer: {a}" for q, a in problems] * 4
    tokenizer = train_tokenizer(texts, vocab_size=300)
    model = build_tiny_causal_lm(tokenizer, hidden_size=32, num_layers=1, num_heads=2, seed=0)
    model.save_pretrained(tmp_path / "model")
    tokenizer.save_pretrained(tmp_path / "model")
    dataset = Dataset.from_list([{"prompt": [{"role": "user", "content": q}], "answer": a} for q, a in problems])

    recorder = RecordingReward("dapo")
    fn = reward_func(recorder, gold_column="answer")
    config = trl.GRPOConfig(
        output_dir=str(tmp_path / "out"),
        per_device_train_batch_size=4,
        num_generations=2,
        max_completion_length=8,
        max_steps=2,
        logging_steps=1,
        learning_rate=1e-4,
        report_to=[],
        save_strategy="no",
        use_cpu=True,
        bf16=False,
        seed=0,
        dataloader_num_workers=0,
    )
    trainer = trl.GRPOTrainer(
        model=str(tmp_path / "model"),
        reward_funcs=[fn],
        args=config,
        train_dataset=dataset,
        processing_class=tokenizer,
    )
    trainer.train()

    assert len(recorder.calls) >= 2  # one reward call per generation batch
    gold_of = {q: a for q, a in problems}
    for prompts, responses, golds, fields in recorder.calls:
        assert len(responses) == len(golds) == 4
        assert [gold_of[p] for p in prompts] == golds  # the gold column travelled with its prompt
        assert all(isinstance(r, str) for r in responses)
        assert len(fields["response_lengths"]) == 4 and max(fields["response_lengths"]) <= 8
    logged = [entry for entry in trainer.state.log_history if "rewards/dapo/mean" in entry]
    assert len(logged) == 2  # TRL logged our function under its __name__
    scored = [
        r.score for _, responses, golds, _ in recorder.calls for r in recorder.inner.score(None, responses, golds)
    ]
    assert sum(entry["rewards/dapo/mean"] for entry in logged) / 2 == pytest.approx(sum(scored) / len(scored))
    assert all("dapo/accuracy" in entry for entry in logged)  # our log_metric hook
