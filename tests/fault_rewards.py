"""Fault-injection helpers for the signal tests: a reward that holds the run at a known point until released.

``GatedReward`` is the DAPO reward, except that a batch holding a response with ``HOLD`` writes a marker file
(``<gate>/held-<pid>``) and then waits until ``<gate>/release`` exists: a test waits for the marker (the run is then
certainly mid-scoring, workers up, earlier parts written) and signals it. A rerun with ``release`` present scores
like the plain DAPO reward.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from mathreward.rewards.rule_rewards import DapoReward

HOLD = "HOLD"
MOST_SECONDS = 120.0  # a gate nobody releases or signals ends the test run with a failure, not a hang


class GatedReward(DapoReward):
    """``DapoReward`` that holds any batch with a ``HOLD`` response until ``<gate>/release`` exists."""

    def __init__(self, *, gate: str, **options) -> None:
        super().__init__(**options)
        self.gate = Path(gate)

    def score(self, prompts, responses, golds, **fields):
        if any(HOLD in response for response in responses):
            (self.gate / f"held-{os.getpid()}").touch()
            release = self.gate / "release"
            deadline = time.monotonic() + MOST_SECONDS
            while not release.exists():
                if time.monotonic() > deadline:
                    raise RuntimeError("the gate was never released")
                time.sleep(0.02)
        return super().score(prompts, responses, golds, **fields)
