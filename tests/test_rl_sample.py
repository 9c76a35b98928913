"""`mathreward rl sample` -> `mathreward score` -> `mathreward rm pairs` as real subprocesses on a tiny local policy.

The policy is the demo's warm-up at a tiny size (a saved transformers folder with its tokenizer); the problems are the
toy task written in the curated parquet schema.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from cli_run import mathreward

from mathreward.reward_models.data import load_pairs
from mathreward.rl.demo import DemoSettings, prepare_policy

TINY = DemoSettings(
    train_problems=120,
    heldout_problems=8,
    max_operand=3,
    vocab_size=300,
    hidden_size=32,
    num_layers=1,
    num_heads=2,
    sft_steps=300,
    sft_lr=5e-3,
    copy_rate=0.0,
)


@pytest.fixture(scope="module")
def chain(tmp_path_factory) -> Path:
    """A tiny policy, 30 problems x 4 sampled responses, scored by the dapo verifier."""
    root = tmp_path_factory.mktemp("rl_sample")
    record = prepare_policy(root / "policy", TINY)
    assert record["reused"] is False and prepare_policy(root / "policy", TINY)["reused"] is True
    done = mathreward(
        "rl", "sample", "--model", str(root / "policy" / "warmup"), "--data", str(root / "policy" / "problems_train.parquet"),
        "-n", "4", "--limit", "30", "--max-new-tokens", "12", "-o", str(root / "rollouts.parquet"), "--device", "cpu",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "sampled 120 responses for 30 problems" in done.stdout
    scored = mathreward("score", str(root / "rollouts.parquet"), "-o", str(root / "scored.parquet"), "--reward", "dapo")
    assert scored.returncode == 0, scored.stderr
    return root


def test_sample_writes_k_rollouts_per_problem_that_score_reads(chain) -> None:
    problems = pq.read_table(chain / "policy" / "problems_train.parquet").to_pylist()[:30]
    rows = pq.read_table(chain / "rollouts.parquet").to_pylist()
    assert len(rows) == 120
    assert [(row["group"], row["sample"]) for row in rows] == [(g, k) for g in range(30) for k in range(4)]
    for row in rows:
        problem = problems[row["group"]]
        assert row["prompt"] == problem["prompt"][0]["content"]  # the user message, as a judge reads it
        assert row["gold"] == problem["reward_model"]["ground_truth"]
        assert isinstance(row["response"], str)
        assert 1 <= row["response_length"] <= 12
        if row["truncated"]:
            assert row["response_length"] == 12
    scored = pq.read_table(chain / "scored.parquet").to_pylist()
    assert [row["response"] for row in scored] == [row["response"] for row in rows]
    assert {row["status"] for row in scored} <= {"correct", "wrong", "no_answer"}
    for row in scored:
        assert row["correct"] == (row["status"] == "correct")


def test_pairs_from_sampled_rollouts_split_by_problem(chain) -> None:
    train, test = chain / "train.jsonl", chain / "test.parquet"
    done = mathreward(
        "rm", "pairs", str(chain / "scored.parquet"), "-o", str(train), "--heldout-out", str(test),
        "--heldout-fraction", "0.3", "--reference-field", "gold", "--max-pairs-per-prompt", "4",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    train_pairs, test_pairs = load_pairs(train), load_pairs(test)
    assert report["pairs"] == len(train_pairs) and report["heldout_pairs"] == len(test_pairs)
    assert train_pairs and test_pairs
    assert not {p.prompt for p in train_pairs} & {p.prompt for p in test_pairs}  # no problem on both sides
    scored = pq.read_table(chain / "scored.parquet").to_pylist()
    status = {(row["prompt"], row["response"]): row for row in scored}
    for pair in train_pairs + test_pairs:
        chosen, rejected = status[(pair.prompt, pair.chosen)], status[(pair.prompt, pair.rejected)]
        assert chosen["status"] == "correct" and rejected["status"] != "correct"
        assert pair.reference == chosen["gold"]
        expected = "no_answer" if rejected["status"] == "no_answer" or rejected["truncated"] else "wrong_answer"
        assert pair.kind == expected
    assert report["kinds"] == dict(Counter(p.kind for p in train_pairs))


def test_sample_bad_input_is_one_line_and_writes_nothing(chain, tmp_path) -> None:
    out = tmp_path / "rollouts.parquet"
    done = mathreward(
        "rl", "sample", "--model", str(chain / "policy" / "warmup"), "--data", str(chain / "rollouts.parquet"),
        "-o", str(out),
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"mathreward rl sample: error: {chain / 'rollouts.parquet'}: row 1: field 'reward_model.ground_truth' is missing"
    )
    assert not out.exists() and not list(tmp_path.iterdir())
