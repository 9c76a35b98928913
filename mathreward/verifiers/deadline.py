"""The whole-call deadline for the in-process part of verification (extraction, clean-up, the exact comparison).

Two ways, chosen per call by where it runs:

- **Interrupted in place** (the main thread, when nothing else uses ``SIGVTALRM``): ``item_watch(seconds)`` starts
  one periodic CPU-time timer (``ITIMER_VIRTUAL``, every ``TICK_SECONDS`` of CPU; ``SIGALRM`` stays free for
  pytest-timeout, math-verify and the caller) for the whole loop. Each item calls ``watch.begin()`` /
  ``watch.end()``; on each tick the handler looks at the item in progress and, once its wall-clock budget is spent,
  raises ``ItemExpired`` (a ``BaseException``, so no ``except Exception`` in the verifier swallows it): that item
  alone becomes ``timeout``. A stuck item burns CPU, so ticks keep coming. The matcher of CPython's ``re`` checks
  for signals while it backtracks, so even a regex that blows up is stopped. The cost is one clock read per item
  and one timer for the whole batch.
- **Moved out** (any other thread: an HTTP server's worker threads, a reward budget thread, Ray's threaded actors,
  or a caller that owns ``SIGVTALRM``): signals reach only the main thread, so the rows go whole (extraction included)
  to the guarded worker processes of ``guard``, which are killed from outside at their deadline.

The fast lane (``fast_lane``) runs before either: it answers only fixed shapes with anchored linear patterns on text
bounded by ``TAIL_CHARS``, and rows without an answer with the auto fallback's own linear scans of that text
(``extraction.plain_fallback``) and the exact comparison of an answer of at most ``fast_lane.MAX_COMPARED_CHARS``
(``fast_lane.MAX_OPENER_CUT_CHARS`` for prose cut after a display opener).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["ItemExpired", "ItemWatch", "item_watch", "interruptible_here"]


class ItemExpired(BaseException):
    """Raised inside the item that ran past its budget (BaseException: verifier code never catches it)."""


TICK_SECONDS = 0.05  # the timer looks at the item in progress every 50 ms of CPU time
_AVAILABLE = hasattr(signal, "setitimer") and hasattr(signal, "SIGVTALRM")  # not on Windows


def interruptible_here() -> bool:
    """Whether this call can be interrupted by the CPU-time timer: the main thread, with SIGVTALRM free."""
    if not _AVAILABLE or threading.current_thread() is not threading.main_thread():
        return False
    try:
        handler = signal.getsignal(signal.SIGVTALRM)
        busy = signal.getitimer(signal.ITIMER_VIRTUAL) != (0.0, 0.0)
    except (ValueError, OSError):
        return False
    return handler in (signal.SIG_DFL, signal.SIG_IGN, None) and not busy


class ItemWatch:
    """Per-item budgets under one periodic CPU-time timer (see the module doc); use through ``item_watch``."""

    def __init__(self, budget: float) -> None:
        self.budget = max(0.001, float(budget))
        self.period = min(self.budget, TICK_SECONDS)
        self.started = 0.0
        self.active = False

    def begin(self) -> None:
        """An item starts: its budget runs from now."""
        self.started = time.monotonic()
        self.active = True

    def end(self) -> None:
        """The item finished (or failed): the timer no longer concerns it."""
        self.active = False

    def elapsed(self) -> float:
        """Seconds the current item has run."""
        return time.monotonic() - self.started

    def _fire(self, _signum, _frame) -> None:
        if self.active and time.monotonic() - self.started >= self.budget:
            self.active = False
            raise ItemExpired


@contextmanager
def item_watch(budget: float) -> Iterator[ItemWatch | None]:
    """An ``ItemWatch`` with its timer running for the block, or None where this thread cannot be interrupted (the
    caller then sends its items to the worker processes)."""
    if not interruptible_here():
        yield None
        return
    watch = ItemWatch(budget)
    previous = signal.signal(signal.SIGVTALRM, watch._fire)
    try:
        signal.setitimer(signal.ITIMER_VIRTUAL, watch.period, watch.period)
        yield watch
    finally:
        watch.active = False  # a signal already on its way must not raise any more
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)
