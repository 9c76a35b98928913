"""PNG plots: training curves and reliability diagrams (matplotlib, Agg backend)."""

from __future__ import annotations

from pathlib import Path

from mathreward.figures import pyplot, save_figure


def _smooth(values: list[float], window: int) -> list[float]:
    out, total = [], 0.0
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def plot_training_curves(history: list[dict], path: str | Path, title: str = "reward model training") -> Path:
    """Loss and training accuracy per optimizer step (raw and moving average) in one PNG."""
    plt = pyplot()
    steps = [record["step"] for record in history]
    window = max(1, len(history) // 20)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key in ((ax_loss, "loss"), (ax_acc, "accuracy")):
        values = [record[key] for record in history]
        ax.plot(steps, values, alpha=0.3, label=key)
        ax.plot(steps, _smooth(values, window), label=f"{key} (moving avg {window})")
        ax.set_xlabel("optimizer step")
        ax.set_ylabel(key)
        ax.legend()
    ax_acc.set_ylim(-0.02, 1.02)
    fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path, dpi=100)


def plot_reliability(diagrams: dict[str, dict], path: str | Path) -> Path:
    """Reliability diagrams side by side: ``{model name: {"bins": [...], "ece": x}}`` from ``metrics.ece``."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(diagrams), figsize=(4.5 * len(diagrams), 4.2), squeeze=False)
    for ax, (name, diagram) in zip(axes[0], diagrams.items(), strict=True):
        bins = [b for b in diagram["bins"] if b["count"] > 0]
        centers = [(b["low"] + b["high"]) / 2 for b in diagram["bins"]]
        width = diagram["bins"][0]["high"] - diagram["bins"][0]["low"] if diagram["bins"] else 0.05
        ax.bar(
            [(b["low"] + b["high"]) / 2 for b in bins],
            [b["accuracy"] for b in bins],
            width=width * 0.9,
            alpha=0.7,
            label="accuracy",
        )
        ax.plot(
            [min(centers or [0.5]) - width / 2, 1.0], [min(centers or [0.5]) - width / 2, 1.0], "k--", label="ideal"
        )
        ax.set_xlabel("confidence")
        ax.set_ylabel("accuracy")
        ax.set_title(f"{name}: ECE {diagram['ece']:.3f}")
        ax.set_ylim(0, 1.02)
        ax.legend(loc="upper left")
    fig.tight_layout()
    return save_figure(fig, path, dpi=100)
