"""verify / verify_batch / is_equivalent: extraction, the exact path in-process, the symbolic path in guarded
worker processes with a per-item deadline.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, fields
from typing import Any

from . import choices, commitment
from .compare import Options, clean_cached
from .deadline import ItemExpired, item_watch
from .exact import Refused
from .extraction import NO_ANSWER, PATH_CHOICE_LETTER, Extraction, extract, read_gold, repair_matrix_rows
from .extraction import STYLES as STYLES_ACCEPTED
from .fast_lane import LaneRow, fast_rows, fast_verdicts
from .guard import default_pool
from .limits import RefusedInput
from .turns import UNCLOSED_THINK, answer_region
from .verdict import STATUSES, Verdict, exact_check, no_answer
from .verdict import gold_text as _gold_text

__all__ = ["STATUSES", "Verdict", "verify", "verify_batch", "verify_rows", "is_equivalent", "default_workers"]


def default_workers() -> int:
    """Worker processes for ``verify_batch(workers=None)``: min(cpu_count, 4)."""
    return max(1, min(os.cpu_count() or 1, 4))


_DEFAULT_OPTIONS = Options()


def _options(equivalence_options: dict) -> Options:
    unknown = set(equivalence_options) - {option.name for option in fields(Options)}
    if unknown:
        raise TypeError(f"unknown equivalence option(s): {', '.join(sorted(unknown))}")
    return Options(**equivalence_options)


def verify_batch(
    responses: Sequence[str],
    golds: Sequence[str],
    *,
    style: str = "auto",
    timeout: float = 5.0,
    workers: int | None = None,
    unclosed_think: str = "no_answer",
    **equivalence_options: Any,
) -> list[Verdict]:
    """Check many responses against their golds; one Verdict per row, in input order.

    Extraction and the exact path run in this process; rows that need sympy go to a pool of worker processes
    (``workers``; None = min(cpu_count, 4); 0 = one guard worker, items one after another) with a per-item deadline of
    ``timeout`` seconds enforced from outside: a hung item is killed and gets "timeout", a crashed worker gives
    "error", and the batch goes on; worker start-up (once per process) is not charged to a row (``verify`` charges it
    to its call). Only rows the fast lane leaves arm the CPU-time watch. ``equivalence_options``: ``float_rounding``,
    ``percent_as_fraction``, ``rename_variables`` (see ``compare.Options``). ``unclosed_think``: a response whose ``<think>`` never closes has no answer ("no_answer", the default) or is read
    as if the tag were not there ("read").
    """
    rows = _rows(responses, golds, style, timeout, workers, unclosed_think, **equivalence_options)
    return [Verdict(*row) for row in rows]


def verify_rows(responses: Sequence[str], golds: Sequence[str], **arguments: Any) -> list[LaneRow]:
    """``verify_batch``'s verdicts as plain tuples of their fields, ``(correct, pred, status, detail)``, one per row
    in input order, with no object per row where the fast lane answers (`mathreward score` builds its result columns
    from these). It takes ``verify_batch``'s keyword arguments, with the same checks, deadlines and verdicts."""
    return _rows(responses, golds, **arguments)


def _rows(
    responses: Sequence[str],
    golds: Sequence[str],
    style: str = "auto",
    timeout: float = 5.0,
    workers: int | None = None,
    unclosed_think: str = "no_answer",
    **equivalence_options: Any,
) -> list[LaneRow]:
    """The verdicts' fields: the fast lane's where it answers, the full path's for the other rows."""
    if len(responses) != len(golds):
        raise ValueError(f"verify_batch: {len(responses)} responses but {len(golds)} golds")
    options = _checked_options(style, unclosed_think, equivalence_options)
    _check_timeout(timeout)
    responses = response_texts(responses)
    rows: list[LaneRow | None] = fast_rows(responses, golds, style, options)  # common shapes; None = full path
    left = [row for row, answer in enumerate(rows) if answer is None]
    if left:
        verdicts: list[Verdict | None] = [None] * len(responses)
        count = 1 if workers == 0 else (default_workers() if workers is None else workers)
        _full_path(responses, golds, left, verdicts, style, unclosed_think, options, timeout, count, None)
        for row in left:
            verdict = verdicts[row]
            if verdict is None:
                raise RuntimeError(f"row {row} got no verdict")  # never: every row comes out with one
            rows[row] = (verdict.correct, verdict.pred, verdict.status, verdict.detail)
    return rows  # type: ignore[return-value] - every row filled above


def _check_timeout(timeout: float) -> None:
    """A deadline is a positive, finite number of seconds (ValueError otherwise: 0, -1 and NaN are mistakes)."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < math.inf:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")


def response_texts(responses: Sequence[Any]) -> Sequence[Any]:
    """The responses as the command line reads them: text stays, None stays (no answer), bytes are decoded as
    UTF-8, numbers become their text; any other value raises ValueError naming its row."""
    if all(type(response) is str for response in responses):
        return responses
    texts: list[Any] = list(responses)
    for row, value in enumerate(texts):
        if value is None or isinstance(value, str):
            continue
        if isinstance(value, (bytes, bytearray)):
            texts[row] = bytes(value).decode("utf-8", errors="replace")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            texts[row] = str(value)
        else:
            raise ValueError(f"response {row} is a {type(value).__name__}, not text: pass the response's text")
    return texts


def _checked_options(style: str, unclosed_think: str, equivalence_options: dict) -> Options:
    """The equivalence options after checking the style and ``unclosed_think`` (ValueError / TypeError)."""
    if style not in STYLES_ACCEPTED:
        raise ValueError(f"unknown extraction style {style!r}; choose from {', '.join(STYLES_ACCEPTED)}")
    if unclosed_think not in UNCLOSED_THINK:
        raise ValueError(f"unclosed_think must be one of {', '.join(UNCLOSED_THINK)}, got {unclosed_think!r}")
    return _options(equivalence_options)


def _full_path(
    responses: Sequence[str],
    golds: Sequence[str],
    rows: list[int],
    verdicts: list[Verdict | None],
    style: str,
    unclosed_think: str,
    options: Options,
    timeout: float,
    workers: int,
    deadline: float | None,
) -> None:
    """Fill ``verdicts[row]`` for the rows the fast lane left: in this process under the CPU-time watch (armed only
    here), sympy in the guarded workers; ``deadline`` (monotonic seconds) bounds worker start-up too."""
    symbolic_rows: list[int] = []
    tasks: list[dict] = []
    budgets: list[float] = []
    paths: list[str] = [""] * len(responses)
    preds: list[str | None] = [None] * len(responses)
    with item_watch(timeout) as watch:
        if watch is None:  # not interruptible here: whole rows go to the killable worker processes
            offload = rows
        else:
            offload = []
            for row in rows:
                try:
                    watch.begin()
                    outcome = _in_process(responses[row], golds[row], style, unclosed_think, options)
                    watch.end()
                except ItemExpired:
                    verdicts[row] = Verdict(False, None, "timeout", f"path=none; exceeded {timeout:g}s in-process")
                    continue
                if isinstance(outcome, Verdict):
                    verdicts[row] = outcome
                    continue
                paths[row], preds[row], task = outcome
                symbolic_rows.append(row)
                tasks.append(task)
                budgets.append(max(0.05, timeout - watch.elapsed()))
    for row in offload:
        symbolic_rows.append(row)
        tasks.append(
            {
                "op": "verify",
                "response": responses[row] if isinstance(responses[row], str) else "",
                "gold": golds[row] if isinstance(golds[row], str) else "" if golds[row] is None else str(golds[row]),
                "style": style,
                "unclosed_think": unclosed_think,
                "options": asdict(options),
            }
        )
        budgets.append(timeout)
    if not tasks:
        return
    results = default_pool().run(tasks, budgets, workers=workers, deadline=deadline)
    for row, result in zip(symbolic_rows, results, strict=True):
        if "verdict" in result:
            verdicts[row] = Verdict(**result["verdict"])
            continue
        if result.get("status") == "timeout" and not paths[row]:
            verdicts[row] = Verdict(False, None, "timeout", f"path=none; exceeded {timeout:g}s")
            continue
        verdicts[row] = _from_worker(result, preds[row], paths[row] or "none", timeout)


def _in_process(
    response: object, gold: object, style: str, unclosed_think: str, options: Options
) -> Verdict | tuple[str, str, dict]:
    """The in-process path of one row: its Verdict, or (path, pred, symbolic task) when sympy must decide."""
    text = commitment.visible_text(response) if isinstance(response, str) else ""
    try:
        extraction = extract(text, style, unclosed_think=unclosed_think)
        checked = commitment.review(text, extraction, style, unclosed_think)
    except Exception as exc:  # noqa: BLE001
        return Verdict(False, None, "error", f"path=none; extraction failed: {type(exc).__name__}")
    extraction = checked.extraction
    gold_text = _gold_text(gold) if isinstance(gold, str) else _gold_text(str(gold)) if gold is not None else ""
    if extraction.answer is None:
        extraction = _choice_extraction(text, gold_text, style, unclosed_think)
    if extraction.answer is None:
        return no_answer(extraction.path)
    if not gold_text:
        return Verdict(False, extraction.answer, "error", f"path={extraction.path}; empty gold answer")
    candidates = extraction.candidates if len(extraction.candidates) > 1 else (extraction.answer,)
    candidates = tuple(repair_matrix_rows(text) for text in candidates)  # as the gold is read (lost row breaks)
    exact = exact_check(candidates, gold_text, options)
    if exact is not None:
        status, reason = exact
        if checked.hedge and status == "wrong":
            reason = f"{reason} (hedged: {checked.hedge})"
        return Verdict(status == "correct", extraction.answer, status, f"path={extraction.path}; {reason}")
    task = {"op": "compare", "gold": gold_text, "preds": list(candidates), "options": asdict(options)}
    return extraction.path, extraction.answer, task


def _choice_extraction(response: object, gold_text: str, style: str, unclosed_think: str) -> Extraction:
    """For a multiple-choice gold and a response where no answer was found: the letter its last line opens with
    (``D. it can't be A or B``) or names after "choose"/"选"; else no answer. Styles that demand a marked answer
    ("strict", "dapo", "boxed") get no such reading."""
    if style != "auto" or not isinstance(response, str) or choices.gold_choice(clean_cached(gold_text)) is None:
        return NO_ANSWER
    region = answer_region(response, unclosed_think)
    letter = choices.letter_in_response(region) if region else None
    return Extraction(letter, PATH_CHOICE_LETTER, (letter,)) if letter else NO_ANSWER


def verify_here(request: dict) -> dict:
    """A whole row (op "verify") inside a guarded worker process: the in-process path, then sympy when needed.
    Returns ``{"status": "ok", "verdict": {...}}`` (the Verdict's fields)."""
    from .symbolic import compare_symbolic

    options = Options(**request.get("options", {}))
    outcome = _in_process(request["response"], request["gold"], request["style"], request["unclosed_think"], options)
    if not isinstance(outcome, Verdict):
        path, pred, task = outcome
        try:
            result = compare_symbolic(task["gold"], tuple(task["preds"]), options)
            found = {"status": "ok", "equal": result.equal, "reason": result.reason}
        except (RefusedInput, Refused) as exc:
            found = {"status": "refused", "error": str(exc)}
        outcome = _from_worker(found, pred, path, 0.0)
    return {"status": "ok", "verdict": asdict(outcome)}


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
    **equivalence_options: Any,
) -> Verdict:
    """Check one response against its gold answer (see ``verify_batch``); returns within ``timeout`` seconds of the
    call whatever the input, worker start-up included (a symbolic check whose workers are not ready in time answers
    "timeout"). A response of a fast-lane shape costs what one row of a batch costs: no timer is armed for it."""
    if equivalence_options or style not in STYLES_ACCEPTED or unclosed_think not in UNCLOSED_THINK:
        options = _checked_options(style, unclosed_think, equivalence_options)
    else:
        options = _DEFAULT_OPTIONS  # the common call: nothing to check or build
    _check_timeout(timeout)
    if type(response) is not str:
        response = response_texts((response,))[0]
    verdict = fast_verdicts((response,), (gold,), style, options)[0]
    if verdict is not None:
        return verdict
    deadline = time.monotonic() + timeout
    verdicts: list[Verdict | None] = [None]
    _full_path((response,), (gold,), [0], verdicts, style, unclosed_think, options, timeout, 1, deadline)
    return verdicts[0] or Verdict(False, None, "error", "path=none; no verdict")


def is_equivalent(
    gold: str,
    pred: str,
    *,
    timeout: float = 5.0,
    float_rounding: int | None = None,
    percent_as_fraction: bool = False,
    rename_variables: bool = False,
) -> bool:
    """True when the answer ``pred`` equals the gold answer ``gold`` (both answer texts, no extraction beyond
    unwrapping ``$..$``/``\\boxed{}``). A check that times out or fails counts as not equivalent."""
    options = Options(
        float_rounding=float_rounding, percent_as_fraction=percent_as_fraction, rename_variables=rename_variables
    )
    _check_timeout(timeout)
    deadline = time.monotonic() + timeout
    with item_watch(timeout) as watch:
        if watch is not None:
            try:
                watch.begin()
                gold_text, pred_text = _gold_text(gold), read_gold(pred)
                exact = exact_check((pred_text,), gold_text, options) if gold_text and pred_text else ("wrong", "")
                watch.end()
            except ItemExpired:
                return False
            if exact is not None:
                return exact[0] == "correct"
            task = {"op": "compare", "gold": gold_text, "preds": [pred_text], "options": asdict(options)}
        else:  # not interruptible here: the whole check runs in a worker process
            task = {"op": "equivalent", "gold": gold, "pred": pred, "options": asdict(options)}
    result = default_pool().run([task], max(0.05, deadline - time.monotonic()), workers=1, deadline=deadline)[0]
    return result.get("status") == "ok" and bool(result.get("equal"))


def equivalent_here(request: dict) -> dict:
    """``is_equivalent`` inside a guarded worker process (op "equivalent")."""
    from .symbolic import compare_symbolic

    options = Options(**request.get("options", {}))
    gold_text, pred_text = _gold_text(request["gold"]), read_gold(request["pred"])
    if not gold_text or not pred_text:
        return {"status": "ok", "equal": False, "reason": "empty answer"}
    exact = exact_check((pred_text,), gold_text, options)
    if exact is not None:
        return {"status": "ok", "equal": exact[0] == "correct", "reason": exact[1]}
    outcome = compare_symbolic(gold_text, (pred_text,), options)
    return {"status": "ok", "equal": outcome.equal, "reason": outcome.reason}
