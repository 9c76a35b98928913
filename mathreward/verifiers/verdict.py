"""What a verification returns (``Verdict``) and the in-process exact check that turns an extracted answer into one.

Shared by ``core`` (the full path) and ``fast_lane`` (the common shapes), so neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .compare import NeedsSymbolic, Options, compare
from .exact import Refused
from .extraction import read_gold
from .limits import RefusedInput

__all__ = ["STATUSES", "Verdict", "exact_check", "gold_text", "no_answer"]

STATUSES = ("correct", "wrong", "no_answer", "timeout", "error")


@dataclass(frozen=True)
class Verdict:
    """The result of checking one response: ``correct``, the extracted answer ``pred`` (None when none was found),
    ``status`` ("correct" | "wrong" | "no_answer" | "timeout" | "error") and a human-readable ``detail`` that starts
    with the extraction path (``"path=boxed; ..."``)."""

    correct: bool
    pred: str | None
    status: str
    detail: str


def no_answer(path: str) -> Verdict:
    """The verdict of a response in which extraction (ending on ``path``) found no final answer."""
    return Verdict(False, None, "no_answer", f"path={path}; no final answer found")


@lru_cache(maxsize=4096)
def gold_text(gold: str) -> str:
    """The gold answer text (``extraction.read_gold``), parsed once per distinct gold."""
    return read_gold(gold)


MAX_CACHED_CHARS = 256  # comparisons of one answer and a gold at most this long are cached (4096 of them)


def exact_check(pred_candidates: tuple[str, ...], gold: str, options: Options) -> tuple[str, str] | None:
    """(status, reason) from the in-process exact comparison, or None when the symbolic path is needed. A short one
    is cached: the fast lane and then the full path may ask the same question of one row (an interrupted call
    caches nothing; the cache's size is bounded by ``MAX_CACHED_CHARS``)."""
    if len(pred_candidates) == 1 and len(pred_candidates[0]) <= MAX_CACHED_CHARS and len(gold) <= MAX_CACHED_CHARS:
        return _short_check(pred_candidates, gold, options)
    return _check(pred_candidates, gold, options)


@lru_cache(maxsize=4096)
def _short_check(pred_candidates: tuple[str, ...], gold: str, options: Options) -> tuple[str, str] | None:
    """``_check`` of a short answer and gold, cached."""
    return _check(pred_candidates, gold, options)


def _check(pred_candidates: tuple[str, ...], gold: str, options: Options) -> tuple[str, str] | None:
    """The comparison itself (see ``exact_check``)."""
    try:
        outcome = compare(gold, pred_candidates, options)
    except NeedsSymbolic:
        return None
    except (RefusedInput, Refused) as exc:
        return "error", f"refused: {exc}"
    except RecursionError:
        return "error", "refused: nested too deeply"
    except Exception as exc:  # noqa: BLE001 - a verifier bug must not lose the row
        return "error", f"{type(exc).__name__}: {str(exc)[:200]}"
    return ("correct" if outcome.equal else "wrong"), outcome.reason
