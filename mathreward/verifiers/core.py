"""verify / verify_batch / is_equivalent: extraction, the exact fast path in-process, the symbolic path in guarded
worker processes with a per-item deadline.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import asdict

from .compare import Options
from .extraction import STYLES as STYLES_ACCEPTED
from .extraction import extract, read_gold
from .fast_lane import fast_verdicts
from .guard import default_pool
from .turns import UNCLOSED_THINK
from .verdict import STATUSES, Verdict, exact_check, no_answer
from .verdict import gold_text as _gold_text

__all__ = ["STATUSES", "Verdict", "verify", "verify_batch", "is_equivalent", "default_workers"]


def default_workers() -> int:
    """Worker processes for ``verify_batch(workers=None)``: min(cpu_count, 4)."""
    return max(1, min(os.cpu_count() or 1, 4))


def _options(equivalence_options: dict) -> Options:
    unknown = set(equivalence_options) - {"float_rounding", "percent_as_fraction"}
    if unknown:
        raise TypeError(f"unknown equivalence option(s): {', '.join(sorted(unknown))}")
    return Options(**equivalence_options)


_fast = exact_check  # the in-process exact check (kept under its old name here)


def verify_batch(
    responses: Sequence[str],
    golds: Sequence[str],
    *,
    style: str = "auto",
    timeout: float = 5.0,
    workers: int | None = None,
    unclosed_think: str = "no_answer",
    **equivalence_options,
) -> list[Verdict]:
    """Check many responses against their golds; one Verdict per row, in input order.

    Extraction and the exact fast path run in this process; rows that need sympy go to a pool of worker processes
    (``workers``; None = min(cpu_count, 4); 0 = one guard worker, items one after another) with a per-item deadline of
    ``timeout`` seconds enforced from outside: a hung item is killed and gets "timeout", a crashed worker gives
    "error", and the batch goes on. ``equivalence_options``: ``float_rounding``, ``percent_as_fraction``.
    ``unclosed_think``: a response whose ``<think>`` never closes has no answer ("no_answer", the default) or is read
    as if the tag were not there ("read").
    """
    if len(responses) != len(golds):
        raise ValueError(f"verify_batch: {len(responses)} responses but {len(golds)} golds")
    if style not in STYLES_ACCEPTED:
        raise ValueError(f"unknown extraction style {style!r}; choose from {', '.join(STYLES_ACCEPTED)}")
    if unclosed_think not in UNCLOSED_THINK:
        raise ValueError(f"unclosed_think must be one of {', '.join(UNCLOSED_THINK)}, got {unclosed_think!r}")
    options = _options(equivalence_options)
    verdicts: list[Verdict | None] = fast_verdicts(responses, golds, style, options)  # common shapes; None = full path
    symbolic_rows: list[int] = []
    tasks: list[dict] = []
    budgets: list[float] = []
    paths: list[str] = [""] * len(responses)
    preds: list[str | None] = [None] * len(responses)
    for row, (response, gold) in enumerate(zip(responses, golds, strict=True)):
        if verdicts[row] is not None:
            continue
        started = time.monotonic()
        try:
            extraction = extract(response if isinstance(response, str) else "", style, unclosed_think=unclosed_think)
        except Exception as exc:  # noqa: BLE001
            verdicts[row] = Verdict(False, None, "error", f"path=none; extraction failed: {type(exc).__name__}")
            continue
        paths[row] = extraction.path
        preds[row] = extraction.answer
        if extraction.answer is None:
            verdicts[row] = no_answer(extraction.path)
            continue
        gold_text = _gold_text(gold) if isinstance(gold, str) else _gold_text(str(gold)) if gold is not None else ""
        if not gold_text:
            verdicts[row] = Verdict(False, extraction.answer, "error", f"path={extraction.path}; empty gold answer")
            continue
        candidates = extraction.candidates if len(extraction.candidates) > 1 else (extraction.answer,)
        fast = _fast(candidates, gold_text, options)
        if fast is not None:
            status, reason = fast
            verdicts[row] = Verdict(status == "correct", extraction.answer, status, f"path={extraction.path}; {reason}")
            continue
        symbolic_rows.append(row)
        tasks.append({"op": "compare", "gold": gold_text, "preds": list(candidates), "options": asdict(options)})
        budgets.append(max(0.05, timeout - (time.monotonic() - started)))
    if tasks:
        count = 1 if workers == 0 else (default_workers() if workers is None else workers)
        results = default_pool().run(tasks, budgets, workers=count)
        for row, result in zip(symbolic_rows, results, strict=True):
            verdicts[row] = _from_worker(result, preds[row], paths[row], timeout)
    return [v for v in verdicts if v is not None]


def _from_worker(result: dict, pred: str | None, path: str, timeout: float) -> Verdict:
    status = result.get("status")
    if status == "ok":
        equal = bool(result.get("equal"))
        reason = result.get("reason", "")
        return Verdict(equal, pred, "correct" if equal else "wrong", f"path={path}; symbolic: {reason}")
    if status == "timeout":
        return Verdict(False, pred, "timeout", f"path={path}; symbolic check exceeded {timeout:g}s")
    if status == "refused":
        return Verdict(False, pred, "error", f"path={path}; refused: {result.get('error', '')}")
    return Verdict(False, pred, "error", f"path={path}; {result.get('error', 'verifier error')}")


def verify(
    response: str,
    gold: str,
    *,
    style: str = "auto",
    timeout: float = 5.0,
    unclosed_think: str = "no_answer",
    **equivalence_options,
) -> Verdict:
    """Check one response against its gold answer (see ``verify_batch``); returns within ``timeout`` seconds of
    checking work whatever the input (worker start-up, once per process, is not counted)."""
    return verify_batch(
        [response],
        [gold],
        style=style,
        timeout=timeout,
        workers=0,
        unclosed_think=unclosed_think,
        **equivalence_options,
    )[0]


def is_equivalent(
    gold: str,
    pred: str,
    *,
    timeout: float = 5.0,
    float_rounding: int | None = None,
    percent_as_fraction: bool = False,
) -> bool:
    """True when the answer ``pred`` equals the gold answer ``gold`` (both answer texts, no extraction beyond
    unwrapping ``$..$``/``\\boxed{}``). A check that times out or fails counts as not equivalent."""
    options = Options(float_rounding=float_rounding, percent_as_fraction=percent_as_fraction)
    gold_text = _gold_text(gold)
    pred_text = read_gold(pred)
    if not gold_text or not pred_text:
        return False
    fast = _fast((pred_text,), gold_text, options)
    if fast is not None:
        return fast[0] == "correct"
    task = {"op": "compare", "gold": gold_text, "preds": [pred_text], "options": asdict(options)}
    result = default_pool().run([task], timeout, workers=1)[0]
    return result.get("status") == "ok" and bool(result.get("equal"))
