"""A fault injector for the worker tests (the local pool; Ray workers import it through PYTHONPATH): the DAPO reward,
except that the first process to score a batch dies on the spot, once per marker file."""

from __future__ import annotations

import os
from pathlib import Path

from mathreward.rewards.rule_rewards import DapoReward


class DyingOnceReward(DapoReward):
    """``DapoReward`` whose first ``score`` call in the whole run kills its process (``os._exit``)."""

    def __init__(self, *, marker: str, **options) -> None:
        super().__init__(**options)
        self.marker = Path(marker)

    def score(self, prompts, responses, golds, **fields):
        try:
            self.marker.open("x").close()  # exactly one caller creates it
        except FileExistsError:
            return super().score(prompts, responses, golds, **fields)
        os._exit(17)
