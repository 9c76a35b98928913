"""Training that diverges stops: a non-finite loss, gradient norm or weight ends the run before anything is saved.

Both training loops (``rl.trainer`` and ``reward_models.train``) call ``check_finite`` on a step's loss and gradient
norm before the optimizer applies it, and ``check_parameters`` before a checkpoint is written, so a NaN never reaches
the disk: the run stops with ``TrainingDiverged`` (one line naming the step), the checkpoints already written stay as
they are, and the command exits non-zero.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["TrainingDiverged", "check_finite", "check_parameters"]


class TrainingDiverged(RuntimeError):
    """A training step gave a non-finite loss, gradient or weight; nothing of that step was saved."""

    def __init__(self, step: int, what: str, value: float, last_checkpoint: str | None = None) -> None:
        self.step = step
        self.what = what
        kept = f"the last good checkpoint is {last_checkpoint}" if last_checkpoint else "no checkpoint was written"
        super().__init__(f"training diverged at step {step}: {what} is {value}; stopped without saving it ({kept})")


def check_finite(step: int, last_checkpoint: str | None = None, **values: float | None) -> None:
    """Raise ``TrainingDiverged`` for the first of ``values`` (name -> number; None is skipped) that is not finite."""
    for name, value in values.items():
        if value is not None and not math.isfinite(value):
            raise TrainingDiverged(step, name.replace("_", " "), value, last_checkpoint)


def check_parameters(step: int, module: Any, last_checkpoint: str | None = None) -> None:
    """Raise ``TrainingDiverged`` when a weight of ``module`` (a torch module) is NaN or infinite."""
    import torch

    with torch.no_grad():
        flags = [torch.isfinite(parameter).all() for parameter in module.parameters() if parameter.numel()]
        if flags and not bool(torch.stack(flags).all()):
            raise TrainingDiverged(step, "a weight", float("nan"), last_checkpoint)
