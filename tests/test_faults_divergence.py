"""Training that diverges stops: the step is named, the last good checkpoint stays, no NaN checkpoint is written.

The RL run's learning rate turns NaN after its first step (what ``--lr nan`` or an overflow does to the weights);
the reward model trains with a learning rate so large that its weights overflow. Both stop with
``TrainingDiverged`` (and the command with one line and exit 1) before anything non-finite reaches the disk.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
import torch
from faults import command_env
from safetensors.torch import load_file
from test_rl_trainer import _load, coin_model  # noqa: F401 - the tiny coin-flip policy fixture

from mathreward.divergence import TrainingDiverged
from mathreward.reward_models.synthetic import arithmetic_pairs, save_tiny_base_model
from mathreward.reward_models.train import TrainConfig, train_reward_model
from mathreward.rl.presets import build_config
from mathreward.rl.trainer import RLTrainer

pytestmark = pytest.mark.timeout(300)


def _all_finite(folder) -> bool:
    tensors = load_file(str(folder / "model.safetensors"))
    return bool(tensors) and all(bool(torch.isfinite(t).all()) for t in tensors.values())


def _poison_learning_rate(trainer: RLTrainer, metrics: dict) -> None:
    """After the first step, every later update uses a NaN learning rate."""
    if metrics["step"] == 1:
        trainer.scheduler.base_lrs = [math.nan] * len(trainer.scheduler.base_lrs)
        for group in trainer.optimizer.param_groups:
            group["lr"] = math.nan


def test_rl_run_that_turns_nan_stops_at_that_step_and_keeps_the_last_good_checkpoint(coin_model, tmp_path) -> None:  # noqa: F811
    folder, prompts, golds = coin_model
    model, tok = _load(folder)
    torch.set_num_threads(1)
    config = build_config(
        "dapo", steps=4, batch_size=4, group_size=4, max_new_tokens=6, lr=1e-3, max_num_gen_batches=20, device="cpu"
    )
    config.save_every = 1
    trainer = RLTrainer(model, tok, config, prompts, golds, out_dir=tmp_path)
    with pytest.raises(TrainingDiverged) as caught:
        trainer.train(callback=_poison_learning_rate)
    message = str(caught.value)
    assert message.startswith("training diverged at step 2: ")
    assert message.endswith(f"stopped without saving it (the last good checkpoint is {tmp_path / 'checkpoint-1'})")
    assert "\n" not in message
    assert sorted(path.name for path in tmp_path.iterdir() if path.is_dir()) == ["checkpoint-1"]
    assert _all_finite(tmp_path / "checkpoint-1")
    # step 2's metrics are logged (its one update ran with the NaN rate); its weights never reach the disk
    assert [json.loads(line)["step"] for line in (tmp_path / "metrics.jsonl").read_text().splitlines()] == [1, 2]
    assert message.startswith("training diverged at step 2: a weight is nan")


def test_rm_train_that_overflows_stops_with_one_line_and_writes_no_nan(tmp_path) -> None:
    pairs = arithmetic_pairs(64, seed=0)
    save_tiny_base_model(tmp_path / "base", pairs[:32])
    (tmp_path / "pairs.jsonl").write_text("".join(json.dumps(pair.to_dict()) + "\n" for pair in pairs))
    out = tmp_path / "run"
    args = ["rm", "train", "--pairs", str(tmp_path / "pairs.jsonl"), "--model", str(tmp_path / "base")]
    args += ["--out", str(out), "--lr", "1e30", "--batch-size", "8", "--epochs", "2", "--save-every", "1"]
    done = subprocess.run(
        [sys.executable, "-m", "mathreward", *args, "--no-progress"],
        env=command_env(),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith("mathreward rm train: error: training diverged at step "), done.stderr[-2000:]
    step = int(line.split("at step ")[1].split(":")[0])
    assert step >= 2
    saved = sorted((out / "checkpoints").iterdir()) if (out / "checkpoints").exists() else []
    assert [path.name for path in saved] == [f"step-{n}" for n in range(1, step)]
    assert all(_all_finite(path) for path in saved)
    assert not (out / "model.safetensors").exists()  # no final model


def test_rm_train_api_raises_training_diverged(tmp_path) -> None:
    pairs = arithmetic_pairs(32, seed=1)
    save_tiny_base_model(tmp_path / "base", pairs[:16])
    config = TrainConfig(model=str(tmp_path / "base"), out=str(tmp_path / "run"), lr=1e30, batch_size=8, progress=False)
    config.epochs = 3
    with pytest.raises(TrainingDiverged, match=r"^training diverged at step \d+: .* \(no checkpoint was written\)$"):
        train_reward_model(pairs, config)
    assert not (tmp_path / "run" / "model.safetensors").exists()
