"""`mathreward verify-report`: how answer format affects the reward of a scored rollout file.

For a file written by `mathreward score` it reports the share of each status, the share of each extraction path
under two styles (default: strict vs auto), the most frequent endings of `no_answer` responses, and the rows where
the two styles extract different answers (verified under both, with a sample), so a user sees what a format-strict
reward throws away before training on it.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

TAIL_CHARS = 60
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename (no partial file on failure)."""
    import os

    from mathreward.tables import temp_path

    tmp = temp_path(path)
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def tail_of(response: str, chars: int = TAIL_CHARS) -> str:
    """The last ``chars`` characters of a response with whitespace collapsed."""
    return _SPACES.sub(" ", response[-4 * chars :]).strip()[-chars:]


def tail_key(response: str, chars: int = TAIL_CHARS) -> str:
    """The ending used to group no_answer responses: whitespace collapsed, digit runs as ``<n>``, last ``chars``."""
    return _DIGITS.sub("<n>", _SPACES.sub(" ", response[-4 * chars :]).strip())[-chars:]


def _shares(counter: Counter, total: int) -> dict[str, dict[str, float]]:
    return {
        key: {"count": count, "share": round(count / total, 4) if total else 0.0}
        for key, count in counter.most_common()
    }


def build_report(
    scored_path: str | Path,
    *,
    style_a: str = "strict",
    style_b: str = "auto",
    response_field: str = "response",
    gold_field: str | None = None,
    sample: int = 10,
    top: int = 10,
    max_verify: int = 5000,
    timeout: float = 5.0,
    workers: int | None = None,
) -> dict[str, Any]:
    """The verify report of a scored file as a JSON-serialisable dict (see the module docstring)."""
    from mathreward.scoring.spec import DEFAULT_GOLD_FIELDS
    from mathreward.tables import TableError, read_table
    from mathreward.verifiers.extraction import extract

    rollouts = read_table(scored_path)
    n = len(rollouts)
    if not rollouts.has_field("status"):
        raise TableError(rollouts.path, "is missing (run `mathreward score` first)", row=1, field="status")
    statuses = [str(s) for s in rollouts.column("status", required=False, default="missing")]
    responses = rollouts.text_column(response_field, role="assistant")
    if gold_field is None:
        gold_field = next((name for name in DEFAULT_GOLD_FIELDS if rollouts.has_field(name)), None)
    golds = rollouts.text_column(gold_field, role="assistant", gold=True) if gold_field else [""] * n

    extractions_a = [extract(r, style_a) for r in responses]
    extractions_b = [extract(r, style_b) for r in responses]
    tails = Counter(tail_key(r) for r, s in zip(responses, statuses, strict=True) if s == "no_answer")
    differing = [i for i in range(n) if extractions_a[i].answer != extractions_b[i].answer]
    checked = differing[:max_verify]
    verdicts_a, verdicts_b = _verify_rows(checked, responses, golds, style_a, style_b, timeout, workers)
    only_b = sum(1 for a, b in zip(verdicts_a, verdicts_b, strict=True) if b.correct and not a.correct)
    only_a = sum(1 for a, b in zip(verdicts_a, verdicts_b, strict=True) if a.correct and not b.correct)
    examples = []
    shown = sorted(random.Random(0).sample(range(len(checked)), min(len(checked), max(0, sample))))
    for index in shown:
        row = checked[index]
        examples.append(
            {
                "row": row + 1,
                "gold": golds[row],
                "tail": tail_of(responses[row]),
                f"pred_{style_a}": extractions_a[row].answer,
                f"path_{style_a}": extractions_a[row].path,
                f"status_{style_a}": verdicts_a[index].status,
                f"pred_{style_b}": extractions_b[row].answer,
                f"path_{style_b}": extractions_b[row].path,
                f"status_{style_b}": verdicts_b[index].status,
            }
        )
    return {
        "file": str(scored_path),
        "rows": n,
        "status": _shares(Counter(statuses), n),
        "styles": [style_a, style_b],
        "paths": {
            style_a: _shares(Counter(e.path for e in extractions_a), n),
            style_b: _shares(Counter(e.path for e in extractions_b), n),
        },
        "no_answer_tails": [{"tail": tail, "count": count} for tail, count in tails.most_common(max(0, top))],
        "disagreements": {
            "count": len(differing),
            "share": round(len(differing) / n, 4) if n else 0.0,
            "verified": len(checked),
            f"correct_only_{style_b}": only_b,
            f"correct_only_{style_a}": only_a,
            "sample": examples,
        },
    }


def _verify_rows(
    rows: list[int], responses: list[str], golds: list[str], style_a: str, style_b: str, timeout: float, workers: Any
) -> tuple[list[Any], list[Any]]:
    if not rows:
        return [], []
    from mathreward.verifiers import verify_batch

    chosen_responses = [responses[i] for i in rows]
    chosen_golds = [golds[i] for i in rows]
    verdicts_a = verify_batch(chosen_responses, chosen_golds, style=style_a, timeout=timeout, workers=workers)
    verdicts_b = verify_batch(chosen_responses, chosen_golds, style=style_b, timeout=timeout, workers=workers)
    return list(verdicts_a), list(verdicts_b)


def format_report(report: dict[str, Any]) -> str:
    """The report as a readable plain-text table."""
    style_a, style_b = report["styles"]
    lines = [f"verify report: {report['file']} ({report['rows']} rows)", "", f"{'status':<14}{'count':>8}{'share':>9}"]
    for status, value in report["status"].items():
        lines.append(f"{status:<14}{value['count']:>8}{100 * value['share']:>8.1f}%")
    lines += ["", f"{'extraction path':<16}{style_a:>16}{style_b:>16}"]
    paths = list(dict.fromkeys([*report["paths"][style_a], *report["paths"][style_b]]))
    for path in paths:
        cells = []
        for style in (style_a, style_b):
            value = report["paths"][style].get(path, {"count": 0, "share": 0.0})
            cells.append(f"{value['count']:>8} {100 * value['share']:>5.1f}%")
        lines.append(f"{path:<16}{cells[0]:>16}{cells[1]:>16}")
    if report["no_answer_tails"]:
        lines += ["", "most frequent endings of no_answer responses (digits shown as <n>):"]
        for item in report["no_answer_tails"]:
            lines.append(f"{item['count']:>6}  ...{item['tail']!r}")
    dis = report["disagreements"]
    lines += [
        "",
        f"{style_a} vs {style_b}: {dis['count']} rows ({100 * dis['share']:.1f}%) extract different answers; "
        f"of {dis['verified']} verified, {dis[f'correct_only_{style_b}']} correct only under {style_b}, "
        f"{dis[f'correct_only_{style_a}']} only under {style_a}",
    ]
    for example in dis["sample"]:
        lines.append(
            f"  row {example['row']}: gold {example['gold']!r}; {style_a}: {example[f'pred_{style_a}']!r} "
            f"({example[f'status_{style_a}']}); {style_b}: {example[f'pred_{style_b}']!r} "
            f"({example[f'path_{style_b}']}, {example[f'status_{style_b}']}); ends ...{example['tail']!r}"
        )
    return "\n".join(lines)


def plot_report(report: dict[str, Any], png_path: Path) -> Path:
    """Bar charts of the status shares and of the extraction-path shares of both styles (matplotlib, Agg)."""
    from mathreward.figures import pyplot, save_figure

    plt = pyplot()

    style_a, style_b = report["styles"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    statuses = list(report["status"])
    left.bar(statuses, [100 * report["status"][s]["share"] for s in statuses], color="#4c72b0")
    left.set_ylabel("% of rollouts")
    left.set_title(f"status ({report['rows']} rollouts)")
    paths = list(dict.fromkeys([*report["paths"][style_a], *report["paths"][style_b]]))
    positions = range(len(paths))
    for offset, style, color in ((-0.2, style_a, "#dd8452"), (0.2, style_b, "#55a868")):
        shares = [100 * report["paths"][style].get(p, {"share": 0.0})["share"] for p in paths]
        right.bar([x + offset for x in positions], shares, width=0.4, label=style, color=color)
    right.set_xticks(list(positions), paths, rotation=20)
    right.set_title("extraction path by style")
    right.legend()
    fig.tight_layout()
    return save_figure(fig, png_path, dpi=100)
