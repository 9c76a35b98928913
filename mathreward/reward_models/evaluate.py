"""Evaluate reward models on held-out pairs: one JSON report, a printed table and a reliability diagram PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mathreward.reward_models.bt_model import BTRewardModel
from mathreward.reward_models.data import PreferencePair
from mathreward.reward_models.metrics import summarize
from mathreward.reward_models.pairwise_model import PairwiseRM, order_probability

TABLE_ROWS = (
    ("accuracy", "pairwise accuracy"),
    ("position_consistency", "position consistency"),
    ("ece", "ECE (10 bins)"),
    ("nll", "NLL"),
)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def evaluate_model(model: PairwiseRM | BTRewardModel, pairs: list[PreferencePair], batch_size: int = 16) -> dict:
    """Metrics of a PairwiseRM or BTRewardModel on ``pairs``, calibrated (its saved T) and uncalibrated (T = 1).

    For the Bradley-Terry model position consistency is 1 by construction (each response is scored alone).
    """
    prompts = [p.prompt for p in pairs]
    chosen, rejected = [p.chosen for p in pairs], [p.rejected for p in pairs]
    refs = [p.reference for p in pairs]
    temperature = model.temperature
    if isinstance(model, BTRewardModel):
        diffs = model.score_diffs(prompts, chosen, rejected, refs, batch_size=batch_size)
        calibrated = summarize(_sigmoid(diffs / temperature), np.ones(len(pairs)), np.zeros(len(pairs)))
        raw = summarize(_sigmoid(diffs), np.ones(len(pairs)), np.zeros(len(pairs)))
    else:
        diff_ab, diff_ba = model.order_logit_diffs(prompts, chosen, rejected, refs, batch_size=batch_size)
        calibrated = summarize(
            order_probability(diff_ab, diff_ba, temperature),
            _sigmoid(diff_ab / temperature),
            _sigmoid(diff_ba / temperature),
        )
        raw = summarize(order_probability(diff_ab, diff_ba, 1.0), _sigmoid(diff_ab), _sigmoid(diff_ba))
    return {
        "objective": model.objective,
        "temperature": temperature,
        "calibrated": calibrated,
        "uncalibrated": raw,
    }


def accuracy_by_kind(models: dict, pairs: list[PreferencePair], batch_size: int = 16) -> dict | None:
    """Calibrated accuracy of each model on the pairs of each ``kind`` (None when no pair carries a kind)."""
    kinds = sorted({pair.kind for pair in pairs if pair.kind})
    if not kinds:
        return None
    return {
        name: {
            kind: evaluate_model(model, [p for p in pairs if p.kind == kind], batch_size)["calibrated"]["accuracy"]
            for kind in kinds
        }
        for name, model in models.items()
    }


def format_table(results: dict[str, dict], by_kind: dict | None = None) -> str:
    """A plain-text table: one column per model (calibrated metrics, NLL/ECE before calibration in brackets), with
    a row of accuracy per pair kind when ``by_kind`` is given."""
    names = list(results)
    width = max(12, *(len(n) + 2 for n in names))
    lines = [f"{'metric':<24}" + "".join(f"{n:>{width}}" for n in names)]
    for key, label in TABLE_ROWS:
        cells = []
        for name in names:
            value = results[name]["calibrated"][key]
            cell = "n/a" if value is None else f"{value:.4f}"
            if key in ("ece", "nll"):
                before = results[name]["uncalibrated"][key]
                cell = f"{cell} ({before:.3f})"
            cells.append(f"{cell:>{width}}")
        lines.append(f"{label:<24}" + "".join(cells))
    kinds = by_kind or {}
    for kind in kinds.get(names[0], {}):
        lines.append(f"{'accuracy, ' + kind:<24}" + "".join(f"{kinds[n][kind]:>{width}.4f}" for n in names))
    lines.append(f"{'temperature':<24}" + "".join(f"{results[n]['temperature']:>{width}.3f}" for n in names))
    lines.append("(in brackets: before temperature calibration)")
    return "\n".join(lines)


def evaluation_report(
    model_path: str | Path,
    pairs: list[PreferencePair],
    *,
    bt_model_path: str | Path | None = None,
    plot_path: str | Path | None = None,
    device: str | None = None,
    batch_size: int = 16,
) -> dict:
    """Evaluate the pairwise model (and the BT baseline when given) on ``pairs``; writes the reliability PNG."""
    from mathreward.reward_models.loading import load_reward_model

    models = {"pairwise": load_reward_model(model_path, device=device)}
    if bt_model_path is not None:
        models["bradley_terry"] = load_reward_model(bt_model_path, device=device)
    results = {name: evaluate_model(model, pairs, batch_size) for name, model in models.items()}
    by_kind = accuracy_by_kind(models, pairs, batch_size)
    table = format_table(results, by_kind)
    report = {
        "pairs": len(pairs),
        "models": {"pairwise": str(model_path), **({"bradley_terry": str(bt_model_path)} if bt_model_path else {})},
        "results": results,
        "table": table,
    }
    if by_kind is not None:
        report["accuracy_by_kind"] = by_kind
    if plot_path is not None:
        from mathreward.reward_models.plots import plot_reliability

        diagrams = {
            name: {"bins": r["calibrated"]["reliability_bins"], "ece": r["calibrated"]["ece"]}
            for name, r in results.items()
        }
        report["reliability_png"] = str(plot_reliability(diagrams, plot_path))
    return report
