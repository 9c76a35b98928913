"""DAPO dynamic sampling: keep only prompt groups whose responses disagree, drawing until the train batch is full.

At the draw limit without a full batch, ``on_limit="stop"`` raises (verl's rule) and ``on_limit="train"`` returns the
mixed groups found so far, a short batch (an error still when there is none)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

G = TypeVar("G")
ON_LIMIT = ("stop", "train")  # what a step does at the draw limit without a full batch


class DynamicSamplingError(RuntimeError):
    """Raised when too few prompt groups with mixed accuracy were found within the allowed generation batches."""


def has_mixed_accuracy(accuracies: Sequence[float | bool | None]) -> bool:
    """True when the group's raw accuracies are not all equal (population std > 0). ``None`` counts as wrong."""
    values = [float(bool(a)) if a is None or isinstance(a, bool) else float(a) for a in accuracies]
    return len(values) > 1 and max(values) != min(values)


@dataclass
class SamplingResult(Generic[G]):
    """The kept groups (exactly the train batch) plus counters for logging."""

    groups: list[G]
    num_draws: int
    num_generated: int
    num_kept: int
    dropped: list[G] = field(default_factory=list, repr=False)

    @property
    def keep_rate(self) -> float:
        return self.num_kept / max(self.num_generated, 1)


def dynamic_sample(
    draw_batch: Callable[[], list[G]],
    num_prompts: int,
    *,
    accuracies_of: Callable[[G], Sequence[Any]],
    max_num_gen_batches: int = 10,
    on_limit: str = "stop",
) -> SamplingResult[G]:
    """Accumulate prompt groups with mixed raw accuracy until ``num_prompts`` are kept, then truncate to exactly that.

    ``draw_batch()`` generates and scores one generation batch and returns its groups; ``accuracies_of(group)``
    gives the group's raw accuracies (never the length-shaped reward). After ``max_num_gen_batches`` draws without
    filling the batch (``0`` means unlimited) a :class:`DynamicSamplingError` is raised, or with ``on_limit="train"``
    the groups kept so far are returned when there is at least one.
    """
    if num_prompts <= 0:
        raise ValueError(f"num_prompts must be positive, got {num_prompts}")
    if on_limit not in ON_LIMIT:
        raise ValueError(f"on_limit must be one of {ON_LIMIT}, got {on_limit!r}")
    kept: list[G] = []
    dropped: list[G] = []
    draws = generated = 0
    while len(kept) < num_prompts:
        if max_num_gen_batches and draws >= max_num_gen_batches:
            if on_limit == "train" and kept:
                break
            raise DynamicSamplingError(
                f"dynamic sampling: after {draws} generation batches only {len(kept)} of {num_prompts} prompt groups "
                "had mixed accuracy (all right or all wrong); the data is too hard or too easy for this model "
                "(raise max_num_gen_batches, 0 = unlimited, or change the data)"
            )
        batch = draw_batch()
        draws += 1
        generated += len(batch)
        for group in batch:
            (kept if has_mixed_accuracy(accuracies_of(group)) else dropped).append(group)
    num_kept = len(kept)
    return SamplingResult(kept[:num_prompts], draws, generated, num_kept, dropped)
