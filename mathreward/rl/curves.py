"""PNG training curves from the trainer's metric records (matplotlib, Agg backend)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

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
    extra: dict[str, Sequence[float]] | None = None,
) -> Path:
    """Six panels (reward, accuracy, length, clip fraction, entropy, KL) against the step; returns ``path``.

    When no reference model was kept (KL is None) the KL panel shows the old/new-policy approx KL instead.
    ``extra`` adds named series to the accuracy panel (e.g. held-out evaluations as (step, value) pairs).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
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
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp, dpi=90)
    plt.close(fig)
    tmp.replace(path)
    return path
