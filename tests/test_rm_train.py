"""Training a tiny pairwise reward model and its Bradley-Terry baseline on a learnable synthetic task (CPU)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from mathreward.reward_models.data import split_pairs
from mathreward.reward_models.evaluate import evaluate_model
from mathreward.reward_models.loading import load_reward_model
from mathreward.reward_models.synthetic import arithmetic_pairs, save_tiny_base_model
from mathreward.reward_models.train import TrainConfig, train_reward_model


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Tiny models train fastest on one thread (and do not fight the other test processes for cores)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, one_thread):
    """Base model + pairwise and BT models trained on 360 pairs; held-out pairs are freshly drawn problems."""
    root = tmp_path_factory.mktemp("rm_train")
    pairs = arithmetic_pairs(400, seed=0)
    held_out = arithmetic_pairs(200, seed=123)
    save_tiny_base_model(root / "base", pairs[:200])
    common = dict(model=str(root / "base"), epochs=2, lr=3e-3, batch_size=16, max_length=256, progress=False)
    summaries = {
        "pairwise": train_reward_model(pairs, TrainConfig(out=str(root / "pairwise"), objective="pairwise", **common)),
        "bt": train_reward_model(pairs, TrainConfig(out=str(root / "bt"), objective="bt", **common)),
    }
    return root, summaries, held_out


def test_pairwise_model_learns_the_task_on_held_out_pairs(trained) -> None:
    root, summaries, held_out = trained
    model = load_reward_model(root / "pairwise")
    metrics = evaluate_model(model, held_out)["calibrated"]
    assert metrics["accuracy"] >= 0.9
    assert metrics["position_consistency"] >= 0.9
    # an untrained model of the same shape is near chance on the same pairs
    untrained = evaluate_model(load_reward_model(root / "base"), held_out)["calibrated"]
    assert untrained["accuracy"] < 0.75
    assert summaries["pairwise"]["steps"] == 2 * 45  # 360 pairs x 2 orders / 16 per batch, 2 epochs


def test_bradley_terry_baseline_learns_on_the_same_data(trained) -> None:
    root, summaries, held_out = trained
    model = load_reward_model(root / "bt")
    assert model.objective == "bt"
    metrics = evaluate_model(model, held_out)["calibrated"]
    assert metrics["accuracy"] >= 0.75
    assert metrics["position_consistency"] == 1.0  # each response is scored alone


def test_training_writes_weights_config_curves_and_log(trained) -> None:
    root, summaries, _ = trained
    folder = root / "pairwise"
    assert (folder / "model.safetensors").is_file()
    config = json.loads((folder / "reward_model.json").read_text())
    assert config["objective"] == "pairwise"
    assert config["temperature"] == summaries["pairwise"]["calibration"]["temperature"]
    assert len(config["template"]["letter_token_ids"]) == 2
    assert (folder / "training_curves.png").stat().st_size > 1000
    log = [json.loads(line) for line in (folder / "train_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == list(range(1, len(log) + 1))
    assert log[-1]["loss"] < log[0]["loss"]
    # warm-up then cosine decay to zero
    lrs = [r["lr"] for r in log]
    assert max(lrs) == pytest.approx(3e-3) and lrs[-1] == pytest.approx(0.0, abs=1e-12)
    cal = summaries["pairwise"]["calibration"]
    assert cal["nll_after"] <= cal["nll_before"]


def test_resume_from_checkpoint_reproduces_the_uninterrupted_run(tmp_path) -> None:
    pairs = arithmetic_pairs(24, seed=5)
    save_tiny_base_model(tmp_path / "base", pairs, vocab_size=300, hidden_size=32, num_layers=1, num_heads=2)
    common = dict(model=str(tmp_path / "base"), epochs=2, lr=1e-3, batch_size=8, max_length=128, progress=False)
    full = TrainConfig(out=str(tmp_path / "full"), save_every=5, **common)
    train_reward_model(pairs, full)
    checkpoint = tmp_path / "full" / "checkpoints" / "step-5"
    assert (checkpoint / "trainer_state.pt").is_file()
    resumed = TrainConfig(out=str(tmp_path / "resumed"), resume=str(checkpoint), **common)
    summary = train_reward_model(pairs, resumed)
    assert summary["steps"] == 12  # 22 training pairs x 2 orders = 44 examples = 6 batches of 8, for 2 epochs
    from safetensors.torch import load_file

    a = load_file(tmp_path / "full" / "model.safetensors")
    b = load_file(tmp_path / "resumed" / "model.safetensors")
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    log_full = (tmp_path / "full" / "train_log.jsonl").read_text()
    log_resumed = (tmp_path / "resumed" / "train_log.jsonl").read_text()
    assert log_full == log_resumed


def test_split_is_deterministic_and_disjoint() -> None:
    pairs = arithmetic_pairs(50, seed=1)
    train_a, val_a = split_pairs(pairs, 0.2, seed=3)
    train_b, val_b = split_pairs(pairs, 0.2, seed=3)
    assert (train_a, val_a) == (train_b, val_b)
    assert len(val_a) == 10 and len(train_a) == 40
    assert sorted(map(id, train_a + val_a)) == sorted(map(id, pairs))
    assert np.isclose(len(val_a) / len(pairs), 0.2)
