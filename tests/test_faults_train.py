"""`rm train` and `rl train` stopped mid-run by SIGTERM, then SIGKILL, then SIGINT, then run to the end.

Each stopped run is signalled once it has written its first checkpoint (a new checkpoint folder appears whole: it is
written beside and renamed). After each signal no process of the run is alive 5 s later; the run that finally completes
leaves no temporary file and writes the same weights and metrics as a clean run in another folder.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import torch
from faults import assert_all_gone, check_exit, run, signal_run, start, temporary_files, wait_for
from safetensors.torch import load_file
from test_rl_trainer import _verl_rows, _write_parquet, coin_model  # noqa: F401 - the coin-flip policy fixture

from mathreward.reward_models.synthetic import arithmetic_pairs, save_tiny_base_model

pytestmark = [pytest.mark.timeout(600), pytest.mark.slow]

STOPS = ["TERM", "KILL", "INT"]


def _rerun_flags(command: list[str], cwd: Path) -> list[str]:
    """What reusing a run folder takes: ``--overwrite`` where the command refuses an existing folder without it."""
    text = run([*command, "--help"], cwd).stdout
    return ["--overwrite"] if "--overwrite" in text else []


def _written_since(checkpoint: Path, began: float) -> bool:
    """Whether ``checkpoint`` holds weights written since ``began`` (the folder may be an earlier run's)."""
    weights = checkpoint / "model.safetensors"
    return weights.exists() and weights.stat().st_mtime >= began


def _same_weights(a: Path, b: Path) -> bool:
    left, right = load_file(str(a)), load_file(str(b))
    return left.keys() == right.keys() and all(torch.equal(left[k], right[k]) for k in left)


def _stop_and_finish(args: list[str], cwd: Path, out: Path, first_checkpoint: Path) -> None:
    """Stop ``args`` by each signal of ``STOPS`` at its first checkpoint, then run it to the end."""
    flags = _rerun_flags(args[:2], cwd)
    for number, name in enumerate(STOPS):
        began = time.time()
        proc = start([*args, *(flags if number else [])], cwd)
        wait_for(lambda since=began: _written_since(first_checkpoint, since), "the first checkpoint", proc)
        processes, err = signal_run(proc, name)
        check_exit(proc, name, err)
        assert_all_gone(processes)
        if name != "KILL":  # a run that could tidy up did
            assert temporary_files(cwd) == []
    done = run([*args, *flags], cwd)
    assert done.returncode == 0, done.stderr[-3000:]
    assert temporary_files(cwd) == []


def test_rm_train_stopped_three_ways_then_finished_equals_a_clean_run(tmp_path: Path) -> None:
    pairs = arithmetic_pairs(24, seed=0)
    save_tiny_base_model(tmp_path / "base", pairs[:32])
    (tmp_path / "pairs.jsonl").write_text("".join(json.dumps(pair.to_dict()) + "\n" for pair in pairs))

    def args(out: str) -> list[str]:
        return ["rm", "train", "--pairs", "pairs.jsonl", "--model", "base", "--out", out, "--lr", "3e-3"] + [
            "--batch-size", "8", "--epochs", "1", "--save-every", "2", "--no-progress",
        ]  # fmt: skip

    clean = run(args("clean"), tmp_path)
    assert clean.returncode == 0, clean.stderr[-3000:]
    _stop_and_finish(args("run"), tmp_path, tmp_path / "run", tmp_path / "run" / "checkpoints" / "step-2")
    assert _same_weights(tmp_path / "run" / "model.safetensors", tmp_path / "clean" / "model.safetensors")
    assert (tmp_path / "run" / "train_log.jsonl").read_text() == (tmp_path / "clean" / "train_log.jsonl").read_text()


def test_rl_train_stopped_three_ways_then_finished_equals_a_clean_run(coin_model, tmp_path: Path) -> None:  # noqa: F811
    folder, _prompts, golds = coin_model
    contents = [f"Flip coin {k}. End with Answer: 1 or Answer: 2." for k in range(8)]
    _write_parquet(tmp_path / "train.parquet", _verl_rows(contents, golds[:8]))

    def args(out: str) -> list[str]:
        return ["rl", "train", "--preset", "dapo", "--model", str(folder), "--data", "train.parquet", "--out", out] + [
            "--steps", "3", "--batch-size", "2", "--group-size", "4", "--max-new-tokens", "6", "--lr", "1e-3",
            "--max-num-gen-batches", "20", "--save-every", "1", "--device", "cpu",
        ]  # fmt: skip

    clean = run(args("clean"), tmp_path)
    assert clean.returncode == 0, clean.stderr[-3000:]
    _stop_and_finish(args("run"), tmp_path, tmp_path / "run", tmp_path / "run" / "checkpoint-1")
    final, reference = tmp_path / "run" / "final", tmp_path / "clean" / "final"
    assert _same_weights(final / "model.safetensors", reference / "model.safetensors")

    def rewards(out: Path) -> list:
        return [json.loads(line)["reward"] for line in (out / "metrics.jsonl").read_text().splitlines()]

    assert rewards(tmp_path / "run") == rewards(tmp_path / "clean")
