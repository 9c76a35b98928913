"""The trainer end to end on a tiny model: rollout layout, a 3-step DAPO run, the critic presets, and the CLI.

The fixture warms a tiny model up on a coin-flip task (the response is ``Answer: 1`` or ``Answer: 2`` at random,
whatever the prompt), so that groups of sampled responses have mixed correctness under the real ``dapo`` reward and
every preset gets a learning signal.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from mathreward.rl.demo import DemoSettings, supervised_warmup
from mathreward.rl.engine.generation import sample_tokens
from mathreward.rl.presets import build_config
from mathreward.rl.rollout import Sample, collate, forward_response, generate_samples
from mathreward.rl.trainer import METRIC_KEYS, RLTrainer, rollout_logp

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}  # tiny models: one thread avoids oversubscription on shared cores


def _prompt(tok, k: int) -> str:
    return tok.apply_chat_template(
        [{"role": "user", "content": f"Flip coin {k}. End with Answer: 1 or Answer: 2."}],
        tokenize=False,
        add_generation_prompt=True,
    )


@pytest.fixture(scope="module")
def coin_model(tmp_path_factory):
    """(model folder, prompts, golds) of a tiny model that answers 1 or 2 at random in the DAPO format."""
    from mathreward.reward_models.tiny_lm import build_tiny_causal_lm, train_tokenizer

    torch.set_num_threads(1)
    rng = random.Random(0)
    contents = [f"Flip coin {k}. End with Answer: 1 or Answer: 2." for k in range(40)]
    responses = [f"Answer: {rng.choice((1, 2))}" for _ in contents]
    tok = train_tokenizer(contents + responses + ["<|user|>\n<|assistant|>\n"], vocab_size=300)
    model = build_tiny_causal_lm(tok, hidden_size=32, num_layers=1, num_heads=2, max_positions=128, seed=0)
    prompts = [_prompt(tok, k) for k in range(40)]
    settings = DemoSettings(sft_steps=60, sft_batch=32, sft_lr=1e-2)
    supervised_warmup(model, tok, prompts, responses, settings)
    folder = tmp_path_factory.mktemp("coin_model")
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    golds = [str(rng.choice((1, 2))) for _ in prompts]
    return folder, prompts, golds


def _load(folder):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    return AutoModelForCausalLM.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)


def test_collate_left_pads_prompts_and_right_pads_responses() -> None:
    samples = [
        Sample([5, 6, 7], [8, 2], True, False, 0, "", "", None),
        Sample([9], [10, 11, 12], False, True, 0, "", "", None),
    ]
    batch = collate(samples, pad_id=0)
    assert batch.input_ids.tolist() == [[5, 6, 7, 8, 2, 0], [0, 0, 9, 10, 11, 12]]
    assert batch.attention_mask.tolist() == [[1, 1, 1, 1, 1, 0], [0, 0, 1, 1, 1, 1]]
    assert batch.position_ids[1].tolist() == [0, 0, 0, 1, 2, 3]
    assert batch.response_mask.tolist() == [[1, 1, 0], [1, 1, 1]]
    assert batch.prompt_len == 3 and batch.lengths.tolist() == [2, 3]


def test_rollout_flags_and_logprobs_match_generation(coin_model) -> None:
    folder, prompts, golds = coin_model
    model, tok = _load(folder)
    torch.manual_seed(0)
    samples = generate_samples(model, tok, prompts[:3], golds[:3], group_size=4, max_new_tokens=6)
    assert len(samples) == 12 and [s.group for s in samples] == [0] * 4 + [1] * 4 + [2] * 4
    for s in samples:
        assert s.finished != s.truncated or (not s.finished and len(s.response_ids) < 6)
        if s.finished:
            assert s.response_ids[-1] == tok.eos_token_id and tok.eos_token_id not in s.response_ids[:-1]
        if s.truncated:
            assert len(s.response_ids) == 6 and tok.eos_token_id not in s.response_ids
    assert any(s.finished for s in samples)
    short = generate_samples(model, tok, prompts[:2], golds[:2], group_size=2, max_new_tokens=1)
    assert all(s.truncated and len(s.response_ids) == 1 for s in short if not s.finished)

    # log-probs from the training forward equal the ones of generation (same layout, positions, padding)
    batch = collate(samples, tok.pad_token_id)
    with torch.no_grad():
        ours = forward_response(model, batch)["logp"]
        full = model(batch.input_ids, attention_mask=batch.attention_mask).logits
        ref = torch.log_softmax(full[:, batch.prompt_len - 1 : -1].float(), -1)
        ref = ref.gather(-1, batch.input_ids[:, batch.prompt_len :, None]).squeeze(-1)
    mask = batch.response_mask.bool()
    assert torch.allclose(ours[mask], ref[mask], atol=1e-4)


@pytest.mark.parametrize(
    "options",
    [{}, {"temperature": 0.7}, {"top_p": 0.8}, {"do_sample": False}],
    ids=["t1", "t0.7", "top-p", "greedy"],
)
def test_cached_sampler_samples_the_tokens_of_transformers_generate(coin_model, options) -> None:
    """Our KV-cached loop (one prompt read per group, finished rows leave the batch) and ``transformers.generate``
    draw the same tokens under one seed; keeping finished rows in the batch changes nothing either."""
    folder, prompts, golds = coin_model
    model, tok = _load(folder)
    runs = {}
    for name, sampler in (("hf", "hf"), ("cached", "cached")):
        torch.manual_seed(7)
        runs[name] = generate_samples(
            model, tok, prompts[:6], golds[:6], group_size=4, max_new_tokens=8, sampler=sampler, **options
        )
    # finished rows fed the pad token in the batch (as generate does) instead of leaving it, and the transformers
    # forward instead of the lean Llama decode step: same tokens
    ids = tok(prompts[5], add_special_tokens=False, return_tensors="pt")["input_ids"]
    kept = {}
    for drop, lean in ((True, True), (False, True), (True, False)):
        torch.manual_seed(7)
        kept[drop, lean] = sample_tokens(
            model,
            ids,
            torch.ones_like(ids),
            max_new_tokens=8,
            eos_ids=[tok.eos_token_id],
            pad_id=tok.pad_token_id,
            group_size=8,
            drop_finished=drop,
            lean_decode=lean,
            do_sample=options.get("do_sample", True),
            temperature=options.get("temperature", 1.0),
            top_p=options.get("top_p", 1.0),
        )
    for variant in ((False, True), (True, False)):
        assert torch.equal(kept[True, True].tokens, kept[variant].tokens)
        assert torch.allclose(kept[True, True].logp, kept[variant].logp, atol=1e-5)
    tokens = {name: [s.response_ids for s in samples] for name, samples in runs.items()}
    assert tokens["cached"] == tokens["hf"]
    finished = [s.finished for s in runs["cached"]]
    assert any(finished) and [s.finished for s in runs["hf"]] == finished
    if options.get("do_sample", True):
        assert len({tuple(t) for t in tokens["cached"]}) > 1  # sampling, not one repeated answer
    # the sampler's log-probs are those of the training forward (logits / temperature)
    samples = runs["cached"]
    batch = collate(samples, tok.pad_token_id)
    with torch.no_grad():
        ref = forward_response(model, batch, temperature=options.get("temperature", 1.0))["logp"]
    ours = rollout_logp(samples, batch)
    assert ours is not None and rollout_logp(runs["hf"], batch) is None
    assert torch.allclose(ours * batch.response_mask, ref * batch.response_mask, atol=1e-4)


def test_unknown_sampler_is_refused(coin_model) -> None:
    folder, prompts, golds = coin_model
    model, tok = _load(folder)
    with pytest.raises(ValueError, match="unknown sampler"):
        generate_samples(model, tok, prompts[:1], golds[:1], group_size=1, max_new_tokens=2, sampler="vllm")
    with pytest.raises(ValueError, match="sampler must be"):
        build_config("dapo", sampler="vllm")


def test_three_step_dapo_run_changes_weights_and_logs_every_metric(coin_model, tmp_path) -> None:
    folder, prompts, golds = coin_model
    model, tok = _load(folder)
    before = [p.detach().clone() for p in model.parameters()]
    config = build_config(
        "dapo", steps=3, batch_size=4, group_size=4, max_new_tokens=6, lr=1e-3, max_num_gen_batches=20, device="cpu"
    )
    config.report_to = "tensorboard"
    trainer = RLTrainer(model, tok, config, prompts, golds, out_dir=tmp_path)
    history = trainer.train()
    assert len(history) == 3
    changed = sum(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    assert changed == len(before)
    lines = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in lines] == [1, 2, 3]
    for record in lines:
        assert set(METRIC_KEYS) <= set(record)
        for key in ("reward", "accuracy", "response_length", "clip_fraction", "entropy", "approx_kl", "grad_norm"):
            assert isinstance(record[key], float)
        assert record["num_samples"] == 16  # exactly batch_size x group_size after dynamic sampling
        assert 0.0 <= record["accuracy"] <= 1.0 and record["num_gen_batches"] >= 1
    assert (tmp_path / "curves.png").stat().st_size > 10_000
    reloaded, _ = _load(tmp_path / "final")
    assert all(torch.equal(a, b) for a, b in zip(reloaded.parameters(), model.parameters(), strict=True))
    assert json.loads((tmp_path / "final" / "rl_config.json").read_text())["preset"] == "dapo"
    # the same records as TensorBoard scalars, one point per step
    from test_rl_reporting import read_scalars

    events = read_scalars(tmp_path / "tensorboard")
    assert [step for step, _ in events["train/reward"]] == [1, 2, 3]
    assert [v for _, v in events["train/accuracy"]] == pytest.approx([r["accuracy"] for r in lines])


def test_temperature_ramp_sets_each_steps_rollout_and_training_temperature(coin_model) -> None:
    """``temperature`` -> ``temperature_final`` over ``temperature_ramp_steps``: every step samples at its point of the
    ramp, logs it, and its sampler log-probs are the policy's at that temperature (the ones the update compares)."""
    folder, prompts, golds = coin_model
    config = build_config("dapo", temperature=0.5, temperature_final=1.5, temperature_ramp_steps=2)
    assert [config.rollout_temperature(step) for step in range(4)] == [0.5, 1.0, 1.5, 1.5]
    assert build_config("dapo", temperature=0.7).rollout_temperature(50) == 0.7
    assert build_config("dapo", temperature_final=0.9).rollout_temperature(0) == 0.9  # no ramp: at once
    with pytest.raises(ValueError, match="temperature"):
        build_config("dapo", temperature_final=0.0)
    model, tok = _load(folder)
    config = build_config(
        "dapo",
        steps=3,
        batch_size=2,
        group_size=4,
        max_new_tokens=6,
        lr=1e-3,
        max_num_gen_batches=20,
        device="cpu",
        temperature=0.5,
        temperature_final=1.5,
        temperature_ramp_steps=2,
    )
    trainer = RLTrainer(model, tok, config, prompts, golds)
    assert [record["temperature"] for record in trainer.train()] == [0.5, 1.0, 1.5]
    trainer.step_count = 1
    torch.manual_seed(0)
    samples = trainer.generate(prompts[:3], golds[:3], group_size=4)
    batch = collate(samples, tok.pad_token_id)
    sampled = rollout_logp(samples, batch)
    assert sampled is not None
    with torch.no_grad():
        at_ramp = forward_response(model, batch, temperature=1.0)["logp"] * batch.response_mask
        at_start = forward_response(model, batch, temperature=0.5)["logp"] * batch.response_mask
    assert torch.allclose(sampled, at_ramp, atol=1e-4)
    assert not torch.allclose(sampled, at_start, atol=1e-2)


def test_skip_zero_variance_passes_over_prompts_whose_last_group_had_no_signal(coin_model) -> None:
    """Pre-rollout filtering: after a draw, exactly the prompts whose group came out all right or all wrong are
    recorded, and while the skip probability is near 1 later draws pass over them and only them."""
    from mathreward.rl.trainer import _verdict_or_score

    folder, prompts, golds = coin_model
    with pytest.raises(ValueError, match="skip_zero_variance"):
        build_config("dapo", skip_zero_variance=1.0)
    model, tok = _load(folder)
    options = {"batch_size": 4, "group_size": 4, "max_new_tokens": 6, "max_num_gen_batches": 50, "device": "cpu"}
    plain = RLTrainer(model, tok, build_config("dapo", **options), prompts, golds)
    plain._draw_groups(len(prompts), [])
    assert plain._zero_variance == set()  # off by default: no bookkeeping
    trainer = RLTrainer(model, tok, build_config("dapo", skip_zero_variance=0.999999, **options), prompts, golds)
    drawn: list[list[int]] = []
    original = trainer._next_prompts
    trainer._next_prompts = lambda count: drawn.append(original(count)) or drawn[-1]
    torch.manual_seed(0)
    groups = trainer._draw_groups(len(prompts), [])
    indices = drawn[-1]
    assert sorted(indices) == list(range(len(prompts)))  # nothing recorded yet: a whole pass, nothing skipped
    uniform = {indices[g[0].group] for g in groups if len({_verdict_or_score(s) for s in g}) == 1}
    assert 0 < len(uniform) < len(prompts)  # coin flips in groups of 4: some groups agree, most do not
    assert trainer._zero_variance == uniform
    later = original(2 * (len(prompts) - len(uniform)))
    assert set(later) == set(range(len(prompts))) - uniform  # two passes over the rest, the recorded ones skipped
    assert trainer._skipped == 2 * len(uniform)
    record = trainer.step()
    assert record["prompts_skipped"] == trainer._skipped and record["num_samples"] == 16


def test_evaluate_splits_format_from_correctness(coin_model) -> None:
    """Held-out evaluation reports accuracy, no-answer rate and accuracy among answered responses, consistently."""
    folder, prompts, golds = coin_model
    model, tok = _load(folder)
    config = build_config("dapo", group_size=4, max_new_tokens=6, device="cpu")
    trainer = RLTrainer(model, tok, config, prompts, golds)
    torch.manual_seed(0)
    result = trainer.evaluate(prompts[:20], golds[:20], samples_per_prompt=4, greedy=False, temperature=1.5)
    assert set(result) == {"accuracy", "response_length", "no_answer", "answered_accuracy"}
    assert 0 < result["no_answer"] < 1  # at T 1.5 some responses miss the answer line
    answered = 1 - result["no_answer"]
    assert result["accuracy"] == pytest.approx(result["answered_accuracy"] * answered)


@pytest.mark.parametrize("preset", ["grpo", "vapo", "t-ppo"])
def test_other_presets_train_a_step(coin_model, preset) -> None:
    folder, prompts, golds = coin_model
    model, tok = _load(folder)
    before = [p.detach().clone() for p in model.parameters()]
    # t-ppo with a 3-token window: every response is unfinished and trained with extended GAE
    config = build_config(
        preset,
        steps=1,
        batch_size=2,
        group_size=4,
        max_new_tokens=3 if preset == "t-ppo" else 6,
        lr=1e-3,
        value_pretrain_steps=1 if preset == "vapo" else None,
        ppo_epochs=2 if preset == "vapo" else None,
        mini_batch_size=4 if preset == "vapo" else None,
        device="cpu",
    )
    trainer = RLTrainer(model, tok, config, prompts, golds)
    (metrics,) = trainer.train()
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    if preset == "grpo":
        assert metrics["kl"] is not None and metrics["value_loss"] is None
    else:
        assert metrics["value_loss"] is not None and metrics["value_loss"] == metrics["value_loss"]
    if preset == "t-ppo":
        assert metrics["truncated_fraction"] == 1.0 and metrics["value_loss"] == 0.0  # critic skips unfinished
    if preset == "vapo":
        assert metrics["nll_loss"] is not None


def _write_parquet(path: Path, rows: list[dict]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(rows), path)


def _verl_rows(prompts_text: list[str], golds: list[str]) -> list[dict]:
    return [
        {
            "data_source": "coin",
            "prompt": [{"role": "user", "content": text}],
            "ability": "MATH",
            "reward_model": {"ground_truth": gold, "style": "rule"},
            "extra_info": {"index": i},
        }
        for i, (text, gold) in enumerate(zip(prompts_text, golds, strict=True))
    ]


def test_cli_rl_train_smoke_and_bad_input(coin_model, tmp_path) -> None:
    folder, _, golds = coin_model
    contents = [f"Flip coin {k}. End with Answer: 1 or Answer: 2." for k in range(8)]
    data = tmp_path / "train.parquet"
    _write_parquet(data, _verl_rows(contents, golds[:8]))
    out = tmp_path / "run"
    cmd = [
        sys.executable,
        "-c",
        "import sys; from mathreward import cli; sys.exit(cli.main())",
        "rl",
        "train",
        "--preset",
        "dapo",
    ]
    common = ["--model", str(folder), "--steps", "2", "--batch-size", "2", "--group-size", "4", "--max-new-tokens", "6"]
    result = subprocess.run(
        [*cmd, *common, "--data", str(data), "--out", str(out), "--lr", "1e-3", "--max-num-gen-batches", "20"]
        + ["--report-to", "tensorboard"],
        cwd=REPO,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout[result.stdout.index("{") :])
    assert summary["steps"] == 2 and summary["preset"] == "dapo"
    assert len((out / "metrics.jsonl").read_text().splitlines()) == 2
    assert (out / "final" / "config.json").exists() and (out / "curves.png").exists()
    from test_rl_reporting import read_scalars

    assert [step for step, _ in read_scalars(out / "tensorboard")["train/reward"]] == [1, 2]

    result = subprocess.run(
        [*cmd, *common, "--data", str(data), "--out", str(tmp_path / "tb_run"), "--report-to", "tensorbored"],
        cwd=REPO,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("mathreward rl train: error: unknown --report-to ['tensorbored']")
    assert not (tmp_path / "tb_run").exists()

    bad = tmp_path / "bad.parquet"
    rows = _verl_rows(contents[:2], golds[:2])
    del rows[1]["reward_model"]["ground_truth"]
    rows[1]["reward_model"]["style"] = "rule"
    _write_parquet(bad, [rows[0], {**rows[1], "reward_model": {"style": "rule", "ground_truth": None}}])
    result = subprocess.run(
        [*cmd, *common, "--data", str(bad), "--out", str(tmp_path / "bad_run")],
        cwd=REPO,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"mathreward rl train: error: {bad}: row 2: field 'reward_model.ground_truth' is missing"
    )
    assert not (tmp_path / "bad_run").exists()


def test_at_the_draw_limit_a_step_trains_on_the_groups_found_or_stops(coin_model) -> None:
    """``on_draw_limit="train"``: one draw of coin flips holds fewer mixed groups than the batch asks for, and the step
    trains on exactly those (a short batch); ``"stop"`` (the default, verl's rule) raises instead."""
    from mathreward.rl.dynamic_sampling import DynamicSamplingError

    folder, prompts, golds = coin_model
    with pytest.raises(ValueError, match="on_draw_limit must be stop or train"):
        build_config("dapo", on_draw_limit="continue")
    options = {"steps": 1, "batch_size": 64, "group_size": 4, "max_new_tokens": 6, "lr": 1e-3, "device": "cpu"}
    model, tok = _load(folder)
    before = [p.detach().clone() for p in model.parameters()]
    config = build_config("dapo", max_num_gen_batches=1, on_draw_limit="train", **options)
    trainer = RLTrainer(model, tok, config, prompts, golds)
    torch.manual_seed(0)
    record = trainer.step()
    assert record["num_gen_batches"] == 1 and record["keep_rate"] < 1.0
    assert record["num_samples"] == round(record["keep_rate"] * 64) * 4 < 64 * 4  # the mixed groups of the one draw
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    stopping = RLTrainer(model, tok, build_config("dapo", max_num_gen_batches=1, **options), prompts, golds)
    with pytest.raises(DynamicSamplingError, match="after 1 generation batches"):
        stopping.step()
