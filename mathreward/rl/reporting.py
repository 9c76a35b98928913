"""Where a run's metrics go besides ``metrics.jsonl``: TensorBoard event files and Weights & Biases, by name.

TRL's ``report_to`` convention: a list of names (``tensorboard``, ``wandb``), ``all`` (every one whose package is
installed) or ``none``. Each name is a small sink factory in :data:`SINKS`; a sink has ``log(record, step)`` and
``close()``. TensorBoard files are written with ``tensorboardX`` (a small package that writes the standard event
format; the ``tensorboard`` program reads them) into ``<out_dir>/tensorboard``; point ``tensorboard --logdir`` at a
parent folder to see several runs side by side.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

SINKS: dict[str, Callable[[Path, str, dict[str, Any]], Any]] = {}
PACKAGES = {"tensorboard": "tensorboardX", "wandb": "wandb"}


def register_sink(name: str) -> Callable:
    """Decorator adding a sink factory ``(out_dir, run_name, config) -> sink`` to :data:`SINKS`."""

    def decorator(factory: Callable[[Path, str, dict[str, Any]], Any]) -> Callable:
        SINKS[name] = factory
        return factory

    return decorator


def resolve_report_to(report_to: str | Sequence[str] | None) -> list[str]:
    """The sink names of a ``report_to`` value: ``none``/``None``/empty -> [], ``all`` -> every sink whose package
    is installed, else the names given (comma-separated string or list); unknown names raise ``ValueError``."""
    if report_to is None:
        return []
    names = [n.strip() for n in report_to.split(",")] if isinstance(report_to, str) else [str(n) for n in report_to]
    names = [n for n in names if n and n != "none"]
    if names == ["all"]:
        return [name for name, package in PACKAGES.items() if importlib.util.find_spec(package) is not None]
    unknown = sorted(set(names) - set(SINKS))
    if unknown:
        raise ValueError(f"unknown report_to {unknown}; choose from {sorted(SINKS)}, all or none")
    return names


def scalars(record: dict[str, Any]) -> dict[str, float]:
    """The numeric entries of a metrics record (``step`` and ``None`` left out), names grouped as ``train/...``
    unless they already carry a ``group/`` prefix."""
    out = {}
    for key, value in record.items():
        if key == "step" or isinstance(value, bool) or not isinstance(value, int | float):
            continue
        out[key if "/" in key else f"train/{key}"] = float(value)
    return out


@register_sink("tensorboard")
class TensorBoardSink:
    """Scalars into ``<out_dir>/tensorboard`` (one event file per run)."""

    def __init__(self, out_dir: Path, run_name: str, config: dict[str, Any]) -> None:
        try:
            from tensorboardX import SummaryWriter
        except ImportError as exc:
            raise RuntimeError("report_to tensorboard needs tensorboardX: pip install tensorboardX") from exc
        self.writer = SummaryWriter(logdir=str(Path(out_dir) / "tensorboard"))
        self.writer.add_text("config", "\n".join(f"    {k}: {v}" for k, v in sorted(config.items())), 0)

    def log(self, record: dict[str, Any], step: int) -> None:
        for key, value in scalars(record).items():
            self.writer.add_scalar(key, value, step)

    def close(self) -> None:
        self.writer.close()


@register_sink("wandb")
class WandbSink:
    """A ``wandb`` run named after the output folder (``WANDB_MODE=offline``/``disabled`` work as usual)."""

    def __init__(self, out_dir: Path, run_name: str, config: dict[str, Any]) -> None:
        try:
            import wandb  # pyright: ignore[reportMissingImports]
        except ImportError as exc:
            raise RuntimeError("report_to wandb needs wandb: pip install wandb") from exc
        self.run = wandb.init(name=run_name, dir=str(out_dir), config=config, reinit=True)

    def log(self, record: dict[str, Any], step: int) -> None:
        self.run.log(scalars(record), step=step)

    def close(self) -> None:
        self.run.finish()


def open_sinks(report_to: str | Sequence[str] | None, out_dir: Path, run_name: str, config: dict[str, Any]) -> list:
    """The sinks named by ``report_to`` (see :func:`resolve_report_to`) for a run writing into ``out_dir``."""
    return [SINKS[name](Path(out_dir), run_name, config) for name in resolve_report_to(report_to)]
