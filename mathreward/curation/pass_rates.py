"""Difficulty from pass rates: keep the problems a policy solves sometimes, drop those it always or never solves.

``curate`` writes a stable ``problem_id`` into every row's ``extra_info`` (:func:`problem_id`: a hash of the problem
as the policy reads it, whitespace collapsed and prompt templates removed). ``rl sample`` carries it into its
rollouts and ``score`` keeps it, so ``curate --pass-rates SCORED`` can match each problem to its scored samples.
A scored file without the column (a trainer's dump) is matched by its prompt text, which gives the same id.

A problem's pass rate is solved samples / samples. It is kept when ``LO < pass rate < HI`` (``--keep-pass-rate
LO:HI``, default ``0:1``: drop the problems every sample solved and those none solved); the rest are rejected with
their bucket's reason (``never_solved``, ``always_solved``, ``pass_rate_below``, ``pass_rate_above``), and a
problem with no scored sample is rejected as ``no_pass_rate``.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

from mathreward.curation.loading import CurationError
from mathreward.curation.problem_text import problem_id
from mathreward.curation.steps import Step, StepContext
from mathreward.tables import MISSING, TableError, chat_text, get_field, read_rows

ID_FIELDS = ("problem_id", "extra_info.problem_id")
PROMPT_FIELDS = ("prompt", "question", "problem")
BUCKETS = ("0", "(0,0.2]", "(0.2,0.4]", "(0.4,0.6]", "(0.6,0.8]", "(0.8,1)", "1")


def parse_range(text: str) -> tuple[float, float]:
    """``"0.1:0.9"`` -> (0.1, 0.9); bounds in [0, 1] with LO < HI, else a one-line CurationError."""
    low, sep, high = text.partition(":")
    try:
        bounds = (float(low), float(high)) if sep else None
    except ValueError:
        bounds = None
    if bounds is None or not 0 <= bounds[0] < bounds[1] <= 1:
        raise CurationError(f"--keep-pass-rate {text!r}: expected LO:HI with 0 <= LO < HI <= 1 (e.g. 0:1 or 0.1:0.9)")
    return bounds


def _solved(value: Any, path: str, row: int, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value == value:  # a reward: solved when above 0
        return value > 0
    raise TableError(path, "must be a boolean or a number", row=row, field=field)


def read_pass_rates(path: str | Path, correct_field: str = "correct") -> dict[str, tuple[int, int]]:
    """(solved, samples) per problem id from a scored rollouts file (``score`` output or a trainer's dump): the id
    from ``problem_id`` (or ``extra_info.problem_id``), else from the prompt text; ``correct_field`` is a boolean,
    or a reward counted as solved when above 0. Bad rows raise TableError naming the file, row and field."""
    source = str(path)
    if not Path(source).exists():
        raise CurationError(f"{source}: scored rollouts file not found")
    counts: dict[str, list[int]] = {}
    for number, row in enumerate(read_rows(source), start=1):
        pid = next((str(v) for f in ID_FIELDS if (v := get_field(row, f)) is not MISSING and v), None)
        if pid is None:
            prompt = next((v for f in PROMPT_FIELDS if (v := get_field(row, f)) is not MISSING and v), None)
            if prompt is None:
                raise TableError(source, "has neither a problem_id nor a prompt", row=number, field="problem_id")
            pid = problem_id(chat_text(prompt, role="user"))
        value = get_field(row, correct_field)
        if value is MISSING or value is None:
            raise TableError(source, "is missing", row=number, field=correct_field)
        tally = counts.setdefault(pid, [0, 0])
        tally[0] += _solved(value, source, number, correct_field)
        tally[1] += 1
    if not counts:
        raise CurationError(f"{source}: no rows")
    return {pid: (solved, total) for pid, (solved, total) in counts.items()}


def bucket_of(rate: float) -> str:
    """The histogram bucket of a pass rate (see BUCKETS): exact 0 and 1 apart, fifths in between."""
    if rate <= 0:
        return BUCKETS[0]
    if rate >= 1:
        return BUCKETS[-1]
    return BUCKETS[min(5, max(1, math.ceil(rate * 5 - 1e-9)))]


class PassRateFilter(Step):
    """Keep the problems whose pass rate lies strictly between LO and HI (see the module docstring)."""

    name = "pass_rate"
    row_local = False

    def __init__(self, rates: dict[str, tuple[int, int]], keep: tuple[float, float] = (0.0, 1.0), source: str = ""):
        self.rates = rates
        self.low, self.high = keep
        self.source = source

    def run(self, records: list[dict], context: StepContext) -> list[dict]:
        """Match every record to its pass rate, reject those outside the range, and note the histogram."""
        histogram: dict[str, Counter] = {bucket: Counter() for bucket in BUCKETS}
        for record in records:
            pid = problem_id(record["problem"])
            record["problem_id"] = pid
            if pid not in self.rates:
                record["reject"] = "no_pass_rate"
                continue
            solved, total = self.rates[pid]
            rate = solved / total
            record["pass_rate"] = rate
            reason = self._reason(rate)
            if reason:
                record["reject"] = reason
            histogram[bucket_of(rate)]["dropped" if reason else "kept"] += 1
        matched = sum(sum(counter.values()) for counter in histogram.values())
        context.note(
            self.name,
            source=self.source,
            keep_range=[self.low, self.high],
            matched=matched,
            unmatched=len(records) - matched,
            scored_problems=len(self.rates),
            buckets={bucket: {"kept": c["kept"], "dropped": c["dropped"]} for bucket, c in histogram.items()},
        )
        return records

    def _reason(self, rate: float) -> str | None:
        if self.low < rate < self.high:
            return None
        if rate <= self.low:
            return "never_solved" if rate == 0 else "pass_rate_below"
        return "always_solved" if rate == 1 else "pass_rate_above"


def plot_pass_rates(note: dict, path: Path) -> Path:
    """Bar chart of problems per pass-rate bucket, kept and dropped stacked (matplotlib Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    buckets = note["buckets"]
    kept = [buckets[b]["kept"] for b in BUCKETS]
    dropped = [buckets[b]["dropped"] for b in BUCKETS]
    fig, axis = plt.subplots(figsize=(8, 4.5))
    axis.bar(BUCKETS, kept, color="#55a868", label="kept")
    axis.bar(BUCKETS, dropped, bottom=kept, color="#c44e52", label="dropped")
    for i, (k, d) in enumerate(zip(kept, dropped, strict=True)):
        if k + d:
            axis.text(i, k + d, str(k + d), ha="center", va="bottom", fontsize=8)
    low, high = note["keep_range"]
    axis.set_title(f"pass rate per problem ({note['matched']} matched; kept {low} < rate < {high})")
    axis.set_xlabel("pass rate")
    axis.set_ylabel("problems")
    axis.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
