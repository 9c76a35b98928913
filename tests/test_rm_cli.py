"""`mathreward rm pairs | train | eval | score` as real subprocesses on a tiny local model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_run import mathreward

from mathreward.reward_models.data import load_pairs
from mathreward.reward_models.synthetic import arithmetic_pairs, save_tiny_base_model
from mathreward.tables import read_rows, write_rows


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("rm_cli")
    pairs = arithmetic_pairs(64, seed=11)
    write_rows(root / "train.jsonl", [p.to_dict() for p in pairs])
    write_rows(root / "test.parquet", [p.to_dict() for p in arithmetic_pairs(16, seed=12)])
    save_tiny_base_model(root / "base", pairs, vocab_size=300, hidden_size=32, num_layers=1, num_heads=2)
    return root


def test_train_then_eval_writes_report_and_plots(workspace) -> None:
    for objective in ("pairwise", "bt"):
        done = mathreward(
            "rm", "train", "--pairs", str(workspace / "train.jsonl"), "--model", str(workspace / "base"),
            "-o", str(workspace / objective), "--objective", objective, "--epochs", "1", "--lr", "1e-3",
            "--batch-size", "8", "--grad-accum", "2", "--max-length", "128", "--no-progress",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        assert "calibration on 6 validation pairs" in done.stdout
        assert (workspace / objective / "model.safetensors").is_file()
        assert (workspace / objective / "training_curves.png").is_file()
    report_path = workspace / "reports" / "report.json"  # a folder that does not exist yet: created up front
    done = mathreward(
        "rm", "eval", "--model", str(workspace / "pairwise"), "--bt-model", str(workspace / "bt"),
        "--pairs", str(workspace / "test.parquet"), "-o", str(report_path),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(report_path.read_text())
    assert report["pairs"] == 16
    for name in ("pairwise", "bradley_terry"):
        metrics = report["results"][name]["calibrated"]
        assert 0.0 <= metrics["accuracy"] <= 1.0 and metrics["nll"] > 0 and 0.0 <= metrics["ece"] <= 1.0
        assert sum(b["count"] for b in metrics["reliability_bins"]) == 16
    assert Path(report["reliability_png"]).stat().st_size > 1000
    assert "pairwise accuracy" in done.stdout and "bradley_terry" in done.stdout


def test_pairs_from_scored_file_then_score_against_anchor(workspace) -> None:
    scored = [
        {"prompt": "What is 1+1?", "response": "Answer: 2", "correct": True, "gold": "2"},
        {"prompt": "What is 1+1?", "response": "Answer: 3", "correct": False, "gold": "2"},
        {"prompt": "What is 1+1?", "response": "Answer: 4", "correct": False, "gold": "2"},
        {"prompt": "What is 2+2?", "response": "Answer: 4", "correct": True, "gold": "4"},
    ]
    write_rows(workspace / "scored.parquet", scored)
    done = mathreward(
        "rm", "pairs", str(workspace / "scored.parquet"), "-o", str(workspace / "made.jsonl"),
        "--max-pairs-per-prompt", "1", "--reference-field", "gold",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    made = load_pairs(workspace / "made.jsonl")
    assert len(made) == 1 and made[0].chosen == "Answer: 2" and made[0].reference == "2"

    rows = [{"prompt": "What is 1+1?", "response": r, "anchor": "Answer: 2"} for r in ("Answer: 3", "Answer: 2")]
    write_rows(workspace / "to_score.jsonl", rows)
    done = mathreward(
        "rm", "score", str(workspace / "to_score.jsonl"), "--model", str(workspace / "base"),
        "-o", str(workspace / "scored_out.jsonl"), "--output", "centered",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    out = read_rows(workspace / "scored_out.jsonl")
    assert [r["response"] for r in out] == ["Answer: 3", "Answer: 2"]
    assert out[1]["p_win"] == 0.5 and out[1]["score"] == 0.0  # a response against itself
    assert out[0]["score"] == pytest.approx(2 * out[0]["p_win"] - 1)


def test_bad_input_one_line_error_and_no_output(workspace) -> None:
    (workspace / "bad.jsonl").write_text(
        '{"prompt": "q", "chosen": "a", "rejected": "b"}\n{"prompt": "q", "chosen": "a"}\n'
    )
    done = mathreward("rm", "pairs", str(workspace / "bad.jsonl"), "-o", str(workspace / "never.jsonl"))
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        == f"mathreward rm pairs: error: {workspace / 'bad.jsonl'}: row 1: field 'response' is missing"
    )
    done = mathreward(
        "rm",
        "train",
        "--pairs",
        str(workspace / "bad.jsonl"),
        "--model",
        str(workspace / "base"),
        "-o",
        str(workspace / "never"),
    )
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        == f"mathreward rm train: error: {workspace / 'bad.jsonl'}: row 2: field 'rejected' is missing"
    )
    assert not (workspace / "never.jsonl").exists() and not (workspace / "never").exists()


def test_a_judge_that_learned_nothing_says_so_in_one_line_and_in_its_metrics(workspace) -> None:
    out = workspace / "untrained"
    done = mathreward(
        "rm", "train", str(workspace / "train.jsonl"), "--model", str(workspace / "base"), "-o", str(out),
        "--epochs", "1", "--lr", "1e-9", "--batch-size", "8", "--max-length", "128", "--no-progress",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    warnings = [line for line in done.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and warnings[0].startswith("mathreward rm train: warning: the reward model ")
    summary = json.loads((out / "train_summary.json").read_text())
    assert summary["warnings"] == [warnings[0].removeprefix("mathreward rm train: warning: ")]
    assert summary["lr"] == 1e-9 and summary["epochs"] == 1.0


def test_judge_warning_names_the_calibration_cap_and_chance() -> None:
    from mathreward.reward_models.calibration import MAX_TEMPERATURE, judge_warning

    assert judge_warning(1.3, 0.969, 129) is None
    assert judge_warning(1.3, 0.55, 129) == (
        "the reward model learned nothing useful: validation accuracy 0.550 on 129 pairs is at chance "
        "(try more --epochs or another --lr)"
    )
    capped = judge_warning(MAX_TEMPERATURE, 0.95, 129)
    assert capped is not None and "the calibration temperature ended at its 20 cap" in capped
    assert judge_warning(1.0, None, 0) is None  # no validation pairs: nothing to judge by
    assert judge_warning(1.3, 1.0, 4) == (  # 4 pairs: even 4 of 4 right is within two standard errors of 0.5
        "4 validation pairs are too few to tell the reward model from chance (use more pairs or a larger --val-split)"
    )
    assert judge_warning(1.3, 1.0, 5) is None
    assert judge_warning(0.05, 1.0, 129) is None  # right on every pair: sharpening to the floor is harmless
    assert judge_warning(0.05, 0.845, 129) == (
        "the reward model is barely trained: its calibration temperature ended at its 0.05 floor (nearly flat "
        "probabilities, validation accuracy 0.845) (try more --epochs or another --lr)"
    )


def test_rm_train_defaults_follow_the_model_size() -> None:
    """The tiny demo policy (a few million parameters) learns at 1e-3 over 6 epochs; a pretrained LM at 5e-6 once."""
    from mathreward.reward_models.train import resolve_size_defaults
    from mathreward.reward_models.train_config import TrainConfig, size_defaults

    assert size_defaults(3_000_000) == (1e-3, 6.0) and size_defaults(500_000_000) == (5e-6, 1.0)
    config = resolve_size_defaults(TrainConfig(model="m", out="o"), 3_000_000)
    assert (config.lr, config.epochs, config.template, config.letter_loss) == (
        1e-3,
        6.0,
        "reference-before",
        "two-letter",
    )
    given = resolve_size_defaults(TrainConfig(model="m", out="o", lr=2e-5), 500_000_000)
    assert (given.lr, given.epochs) == (2e-5, 1.0)
