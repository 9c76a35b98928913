"""Demo stage: train a tiny pairwise reward model and its Bradley-Terry baseline, calibrate, evaluate, use as reward.

Everything is built locally (tokenizer trained on the task texts, randomly initialised tiny Llama); nothing is
downloaded. The full stage trains on a mix of the two synthetic kinds (see ``reward_models/synthetic.py``) and reports
accuracy per kind: the truncated-vs-complete judgement is learnt, the wrong-answer judgement needs an equality check
that a random-init tiny model does not find in CPU minutes, and the report says so instead of hiding it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path


def run_demo(out_dir: Path, quick: bool = False) -> dict:
    """Train, calibrate and evaluate both reward models on synthetic pairs; returns the headline numbers."""
    import torch
    from mathreward.reward_models.evaluate import evaluate_model, evaluation_report
    from mathreward.reward_models.loading import load_reward_model
    from mathreward.reward_models.synthetic import arithmetic_pairs, save_tiny_base_model
    from mathreward.reward_models.table_io import write_json, write_rows
    from mathreward.reward_models.train import TrainConfig, train_reward_model
    from mathreward.rewards.pairwise import PairwiseReward

    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny models: one thread is fastest and leaves the other core free
    try:
        kind = "truncated" if quick else "mixed"
        train_pairs = arithmetic_pairs(400 if quick else 1200, seed=0, kind=kind)
        test_sets = {"truncated": arithmetic_pairs(100, seed=100, kind="truncated")}
        if not quick:
            test_sets["wrong_answer"] = arithmetic_pairs(200, seed=101, kind="wrong_answer")
        write_rows(out_dir / "train_pairs.jsonl", [p.to_dict() for p in train_pairs])
        test_all = [pair for pairs in test_sets.values() for pair in pairs]
        write_rows(out_dir / "test_pairs.jsonl", [p.to_dict() for p in test_all])
        save_tiny_base_model(out_dir / "base_model", train_pairs[:300])

        common = dict(
            model=str(out_dir / "base_model"),
            epochs=2 if quick else 3,
            lr=3e-3,
            batch_size=16,
            max_length=256,
            val_split=0.1,
            progress=not quick,
        )
        summaries = {}
        for objective in ("pairwise", "bt"):
            print(f"training the {objective} reward model on {len(train_pairs)} pairs ({kind})", flush=True)
            summaries[objective] = train_reward_model(
                train_pairs, TrainConfig(out=str(out_dir / f"{objective}_rm"), objective=objective, **common)
            )

        report = evaluation_report(
            out_dir / "pairwise_rm",
            test_all,
            bt_model_path=out_dir / "bt_rm",
            plot_path=out_dir / "reliability.png",
        )
        per_kind = {}
        for name, folder in (("pairwise", "pairwise_rm"), ("bradley_terry", "bt_rm")):
            model = load_reward_model(out_dir / folder)
            per_kind[name] = {
                k: evaluate_model(model, pairs)["calibrated"]["accuracy"] for k, pairs in test_sets.items()
            }
        report["accuracy_by_kind"] = per_kind
        write_json(out_dir / "eval_report.json", report)
        print(report["table"])
        print("held-out accuracy by kind:", json.dumps(per_kind))

        # The reward adapter on one group: the first response is the anchor (reward 0 when centred).
        reward = PairwiseReward(model=load_reward_model(out_dir / "pairwise_rm"), anchor="first")
        group = ["Adding 7 and 5 gives 12. Answer: 12", "Adding 7 and 5 gives", "We add: 12. Answer: 12"]
        results = reward.score(["What is 7+5?"] * 3, group, ["12"] * 3, group_ids=[0, 0, 0])
        reward_example = [{"response": r, "reward": res.score} for r, res in zip(group, results, strict=True)]
    finally:
        torch.set_num_threads(threads)

    pw, bt = report["results"]["pairwise"], report["results"]["bradley_terry"]
    summary = {
        "train_pairs": len(train_pairs),
        "test_pairs": len(test_all),
        "pairwise_accuracy": pw["calibrated"]["accuracy"],
        "bt_accuracy": bt["calibrated"]["accuracy"],
        "accuracy_by_kind": per_kind,
        "position_consistency": pw["calibrated"]["position_consistency"],
        "pairwise_temperature": pw["temperature"],
        "pairwise_nll_before_after": [pw["uncalibrated"]["nll"], pw["calibrated"]["nll"]],
        "pairwise_ece_before_after": [pw["uncalibrated"]["ece"], pw["calibrated"]["ece"]],
        "train_tokens_per_s": {k: v["tokens_per_s"] for k, v in summaries.items()},
        "reward_example": reward_example,
        "files": [
            "eval_report.json",
            "reliability.png",
            "pairwise_rm/training_curves.png",
            "bt_rm/training_curves.png",
        ],
        "seconds": time.perf_counter() - started,
    }
    write_json(out_dir / "summary.json", summary)
    return summary
