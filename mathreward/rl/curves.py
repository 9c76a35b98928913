"""PNG training curves from the trainer's metric records (matplotlib, Agg backend)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mathreward.figures import pyplot, save_figure

PANELS = (
    ("reward", "reward (shaped)"),
    ("accuracy", "accuracy (raw)"),
    ("response_length", "response length (tokens)"),
    ("clip_fraction", "clip fraction"),
    ("entropy", "entropy (nats/token)"),
    ("kl", "KL to reference (k3)"),
)


def plot_curves(
    history: Sequence[dict[str, Any]],
    path: str | Path,
    *,
    title: str = "",
    extra: Mapping[str, Sequence[tuple[float, float]]] | None = None,
) -> Path:
    """Six panels (reward, accuracy, length, clip fraction, entropy, KL) against the step; returns ``path``.

    When no reference model was kept (KL is None) the KL panel shows the old/new-policy approx KL instead.
    ``extra`` adds named series to the accuracy panel (e.g. held-out evaluations as (step, value) pairs).
    """
    plt = pyplot()

    records = [r for r in history if "step" in r]
    fig, axes = plt.subplots(2, 3, figsize=(13, 7))
    for ax, (key, label) in zip(axes.flat, PANELS, strict=True):
        source = key
        if key == "kl" and all(r.get("kl") is None for r in records):
            source, label = "approx_kl", "approx KL (old vs new policy)"
        points = [(r["step"], r[source]) for r in records if r.get(source) is not None]
        if points:
            ax.plot(*zip(*points, strict=True), lw=1.2, label="train batch")
        if key == "accuracy" and extra:
            for name, series in extra.items():
                if series:
                    ax.plot(*zip(*series, strict=True), marker="o", lw=1.5, label=name)
            ax.legend(fontsize=8)
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)


HELDOUT_SERIES = (
    ("greedy_accuracy", "greedy accuracy", "-", "o"),
    ("sampled_accuracy", "sampled accuracy", "--", "s"),
    ("sampled_answered_accuracy", "sampled accuracy among answered", ":", "^"),
    ("sampled_no_answer", "sampled no-answer rate", "-.", "x"),
)


def plot_heldout_run(curve: Sequence[dict[str, Any]], path: str | Path, *, title: str = "") -> Path:
    """One run's held-out evaluations over RL steps (``curve``: records with ``step`` and the keys of
    :data:`HELDOUT_SERIES`): greedy and sampled accuracy, accuracy among answered responses (correctness apart from
    the format) and the no-answer rate, as lines with markers at the evaluated steps."""
    plt = pyplot()

    fig, ax = plt.subplots(figsize=(6.5, 4))
    for key, label, style, marker in HELDOUT_SERIES:
        points = [(c["step"], c[key]) for c in curve if c.get(key) is not None]
        if points:
            ax.plot(*zip(*points, strict=True), style, marker=marker, label=label)
    ax.set_xlabel("RL step")
    ax.set_ylabel("held-out share (verifier)")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center right")
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)
