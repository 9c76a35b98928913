"""The summary `mathreward score` prints: running totals over scored batches, a format hint, and its text form."""

from __future__ import annotations

from collections import Counter
from typing import Any


class Totals:
    """Running counts over the scored batches, for the summary."""

    def __init__(self, reward: str) -> None:
        self.reward = reward
        self.rows = 0
        self.judged = 0
        self.correct = 0
        self.score_sum = 0.0
        self.statuses: Counter = Counter()
        self.routes: Counter = Counter()
        self.hints: Counter = Counter()

    def add(self, result: Any) -> None:
        """Count one batch's result (a ``BatchResult``)."""
        columns = result.columns
        correct = columns["correct"]
        self.rows += len(columns["status"])
        self.judged += len(correct) - correct.count(None)
        self.correct += correct.count(True)
        self.score_sum += sum(columns["score"])
        self.statuses.update(Counter(columns["status"]))
        self.routes.update(result.routes)
        self.hints.update(result.hints)

    def merge(self, other: Totals) -> None:
        """Add the counts of another ``Totals`` (a worker's)."""
        self.rows += other.rows
        self.judged += other.judged
        self.correct += other.correct
        self.score_sum += other.score_sum
        self.statuses.update(other.statuses)
        self.routes.update(other.routes)
        self.hints.update(other.hints)

    def summary(self, seconds: float, **extra: Any) -> dict[str, Any]:
        """Accuracy (over rows that were judged), mean score, counts per status and per source, rollouts per second."""
        n = self.rows
        per_source: dict[str, dict[str, int]] = {}
        for (source, name), count in sorted(self.routes.items()):
            per_source.setdefault(source, {})[name] = count
        return {
            "rows": n,
            "accuracy": (self.correct / self.judged) if self.judged else None,
            "judged": self.judged,
            "mean_score": (self.score_sum / n) if n else None,
            "status_counts": dict(self.statuses.most_common()),
            "reward_per_source": per_source,
            "hint": format_hint(self.reward, n, self.statuses, self.hints),
            "seconds": round(seconds, 3),
            "rollouts_per_s": round(n / seconds, 1) if seconds > 0 else None,
            "reward": self.reward,
            **{key: str(value) for key, value in extra.items()},
        }


def format_hint(reward: str, rows: int, statuses: Counter, hints: Counter) -> str | None:
    """When most rows are ``no_answer`` but end in a format the reward does not read: what to use instead."""
    no_answer = statuses.get("no_answer", 0)
    checked = hints.get("checked", 0)
    if not rows or no_answer * 2 <= rows or not checked:
        return None
    share = 100 * no_answer / rows
    if hints.get("empty", 0) * 2 > checked:
        return (
            f"{share:.0f}% of rows are no_answer and most of their responses are null or empty: is --response-field "
            "the column that holds the model's responses?"
        )
    if hints.get("boxed", 0) * 2 > checked:
        return (
            f"{share:.0f}% of rows are no_answer but most of them end in \\boxed{{}}, which reward {reward!r} does "
            "not read here: use --reward boxed (or --reward binary for a box or an Answer: line)"
        )
    if hints.get("answer_line", 0) * 2 > checked:
        return (
            f"{share:.0f}% of rows are no_answer but most of them end in an 'Answer:' line, which reward {reward!r} "
            "does not read here: use --reward dapo (or --reward binary for a box or an Answer: line)"
        )
    return None


def format_summary(summary: dict[str, Any]) -> str:
    """Human-readable summary lines."""
    n = summary["rows"]
    accuracy = "n/a" if summary["accuracy"] is None else f"{summary['accuracy']:.4f}"
    mean = "n/a" if summary["mean_score"] is None else f"{summary['mean_score']:+.4f}"
    statuses = ", ".join(
        f"{status} {count} ({100 * count / n:.1f}%)" for status, count in summary["status_counts"].items()
    )
    lines = [
        f"scored {n} rollouts with reward {summary.get('reward', '?')} in {summary['seconds']:.2f} s "
        f"({summary['rollouts_per_s']} rollouts/s) -> {summary.get('output_path', '?')}",
        f"accuracy {accuracy} over {summary['judged']} judged rows; mean score {mean}",
        f"status: {statuses or 'none'}",
    ]
    per_source = summary.get("reward_per_source") or {}
    if per_source:
        parts = []
        for source, names in per_source.items():
            used = ", ".join(f"{name} ({count} rows)" for name, count in names.items())
            parts.append(f"{source or '(no data_source)'} -> {used}")
        lines.append("reward per data_source: " + "; ".join(parts))
    if summary.get("hint"):
        lines.append("hint: " + summary["hint"])
    return "\n".join(lines)
