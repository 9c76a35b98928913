"""Pairwise reward-model metrics on P(chosen better): accuracy, position consistency, ECE, NLL.

Every evaluated pair is presented as (chosen, rejected), so the label is always "first is better"; the metrics
therefore use the model's *verdict* and its *confidence* max(p, 1 - p), never the raw p as a score of class 1.
A tie (p exactly 0.5) counts as half right.
"""

from __future__ import annotations

import numpy as np

from mathreward.reward_models.calibration import nll


def _correctness(p_chosen: np.ndarray) -> np.ndarray:
    p = np.asarray(p_chosen, dtype=np.float64)
    return np.where(p > 0.5, 1.0, np.where(p < 0.5, 0.0, 0.5))


def pairwise_accuracy(p_chosen: np.ndarray) -> float:
    """Share of pairs where the chosen response gets p > 0.5 (ties count half)."""
    return float(_correctness(p_chosen).mean()) if len(p_chosen) else float("nan")


def position_consistency(p_first_ab: np.ndarray, p_first_ba: np.ndarray) -> float:
    """Share of pairs with the same verdict in both orders, before averaging.

    ``p_first_ab`` is P("A") when a is shown first, ``p_first_ba`` is P("A") when b is shown first; the verdicts agree
    when a wins in both (p_ab > 0.5 and p_ba < 0.5) or b wins in both (p_ab < 0.5 and p_ba > 0.5).
    """
    ab, ba = np.asarray(p_first_ab), np.asarray(p_first_ba)
    if ab.size == 0:
        return float("nan")
    same = ((ab > 0.5) & (ba < 0.5)) | ((ab < 0.5) & (ba > 0.5))
    return float(same.mean())


def ece(p_chosen: np.ndarray, n_bins: int = 10) -> dict:
    """Expected calibration error over ``n_bins`` equal-width bins of confidence max(p, 1 - p) in [0.5, 1].

    Returns ``{"ece": float, "bins": [{low, high, count, confidence, accuracy}, ...]}``; ECE is the count-weighted
    mean of |accuracy - confidence| over bins.
    """
    p = np.asarray(p_chosen, dtype=np.float64)
    confidence = np.maximum(p, 1.0 - p)
    correct = _correctness(p)
    edges = np.linspace(0.5, 1.0, n_bins + 1)
    index = np.clip(np.searchsorted(edges, confidence, side="right") - 1, 0, n_bins - 1)
    bins, total = [], 0.0
    for b in range(n_bins):
        members = index == b
        count = int(members.sum())
        conf = acc = None
        if count:
            conf = float(confidence[members].mean())
            acc = float(correct[members].mean())
            total += count * abs(acc - conf)
        bins.append(
            {"low": float(edges[b]), "high": float(edges[b + 1]), "count": count, "confidence": conf, "accuracy": acc}
        )
    return {"ece": total / len(p) if len(p) else float("nan"), "bins": bins}


def summarize(p_chosen: np.ndarray, p_first_ab: np.ndarray | None = None, p_first_ba: np.ndarray | None = None) -> dict:
    """All metrics in one dict (position consistency only when per-order probabilities are given)."""
    calibration = ece(p_chosen)
    return {
        "pairs": int(len(p_chosen)),
        "accuracy": pairwise_accuracy(p_chosen),
        "position_consistency": None
        if p_first_ab is None or p_first_ba is None
        else position_consistency(p_first_ab, p_first_ba),
        "ece": calibration["ece"],
        "nll": nll(p_chosen),
        "reliability_bins": calibration["bins"],
    }
