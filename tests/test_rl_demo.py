"""The demo's policy -> reward_models -> rl chain in quick mode through `mathreward demo`: one shared warm-up, the
reward models trained from it, DAPO / GRPO with the rule reward and DAPO with the pairwise reward; summary keys."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_quick_demo_chain_shares_the_warmup_and_reports_every_key(tmp_path) -> None:
    out = tmp_path / "demo_out"
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from mathreward import cli; sys.exit(cli.main())"]
        + ["demo", "--quick", "--stages", "rl,reward_models", "--out", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()  # a short table at the end, saying quick numbers are a smoke run
    assert lines[-1] == f"every number of every stage: {out / 'summary.json'}"
    assert lines[-2] == "--quick: tiny sizes and a few steps; these numbers are a smoke run, not results"
    assert [line.split()[0] for line in lines[-6:-2]] == ["stage", "policy", "reward_models", "rl"]
    assert '"seconds":' not in done.stdout  # the full JSON stays in summary.json
    summary = json.loads((out / "summary.json").read_text())
    assert list(summary) == ["policy", "reward_models", "rl"]  # the policy stage is pulled in, in order
    assert summary["rl"]["warmup_reused"] is True  # made once by the policy stage, reused by the RL stage
    assert summary["rl"]["rl_runs_at_once"] == ["dapo", "grpo", "pairwise"]  # one process each
    rm = summary["reward_models"]
    assert rm["policy"] == str(out / "policy" / "warmup")
    for key in ("pairwise_accuracy", "bt_accuracy", "position_consistency"):
        assert 0.0 <= rm[key] <= 1.0
    assert 0.0 <= rm["accuracy_by_kind"]["pairwise"]["wrong_answer"] <= 1.0
    assert len(rm["pairwise_ece_before_after"]) == 2
    train = [json.loads(line) for line in (out / "reward_models" / "train_pairs.jsonl").read_text().splitlines()]
    test = [json.loads(line) for line in (out / "reward_models" / "test_pairs.jsonl").read_text().splitlines()]
    assert not {p["prompt"] for p in train} & {p["prompt"] for p in test}
    for preset in ("dapo", "grpo", "pairwise"):
        result = summary["rl"][preset]
        assert set(result) >= {"before", "after", "gain_sampled_points", "steps"}
        for phase in ("before", "after"):
            assert 0.0 <= result[phase]["sampled_accuracy"] <= 1.0
    assert summary["rl"]["pairwise"]["reward"] == "pairwise" and summary["rl"]["dapo"]["reward"] == "dapo"
    assert summary["rl"]["pairwise"]["before"] == summary["rl"]["dapo"]["before"]  # same start, same evaluation
    for name in ("accuracy.png", "heldout_dapo_vs_pairwise.png", "dapo/curves.png", "pairwise/curves.png"):
        assert (out / "rl" / name).stat().st_size > 10_000
    listed = {Path(plot).relative_to(out / "rl").as_posix() for plot in summary["rl"]["plots"]}
    runs = ("dapo", "grpo", "pairwise")
    assert listed == {"accuracy.png", "heldout_dapo_vs_pairwise.png"} | {
        f"{run}/{plot}" for run in runs for plot in ("curves.png", "heldout.png")
    }
    assert (out / "reward_models" / "pairwise_rm" / "reward_model.json").exists()


# The demo's policy and RL stages at a few seconds' size; argv[1] is the RL stage's folder.
REDUCED_DEMO = """
import sys
from dataclasses import replace
from pathlib import Path
from mathreward.rl.demo import QUICK, run_demo
settings = replace(QUICK, train_problems=120, heldout_problems=8, sft_steps=40, rl_steps=3, eval_samples=2,
                   report_to="none")
run_demo(Path(sys.argv[1]), settings=settings)
"""


def _reduced_demo(out: Path, *, one_core: bool, omp_threads: str, hash_seed: str) -> dict:
    pin = ["taskset", "-c", "0"] if one_core and shutil.which("taskset") else []
    env = {**os.environ, "OMP_NUM_THREADS": omp_threads, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run(
        [*pin, sys.executable, "-c", REDUCED_DEMO, str(out / "rl")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((out / "rl" / "summary.json").read_text())


def _weights(folder: Path) -> bytes:
    return hashlib.sha256((folder / "model.safetensors").read_bytes()).digest()


def test_demo_numbers_do_not_depend_on_cores_threads_or_hash_seed(tmp_path) -> None:
    """The same seeded steps give the same bits on one pinned core and on every core with other thread and hash
    settings in the environment: the demo pins its own torch thread count and seeds every draw."""
    one = _reduced_demo(tmp_path / "one", one_core=True, omp_threads="1", hash_seed="0")
    every = _reduced_demo(tmp_path / "every", one_core=False, omp_threads="4", hash_seed="1")
    assert one["torch_threads"] == every["torch_threads"] == 1
    assert one["warmup"]["final_loss"] == every["warmup"]["final_loss"]
    assert _weights(tmp_path / "one" / "policy" / "warmup") == _weights(tmp_path / "every" / "policy" / "warmup")
    for run in ("dapo", "grpo"):
        first, second = one[run], every[run]
        assert first["steps"] == second["steps"] == 3  # every step taken: no time budget, no stop at the draw limit
        assert first["sampling"]["rule"] == "up to 20 draws a step, then trains on the groups found"
        for key in ("before", "after", "heldout_curve", "sampling", "gain_sampled_points", "gain_greedy_points"):
            assert first[key] == second[key], (run, key)
        assert _weights(tmp_path / "one" / "rl" / run / "final") == _weights(tmp_path / "every" / "rl" / run / "final")
