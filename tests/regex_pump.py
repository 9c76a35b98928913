"""Pumping compiled regular expressions for super-linear backtracking (used by test_verifiers_deadline.py).

``collect_patterns(packages)`` imports every module of the given packages and gathers every compiled ``re.Pattern``
they hold: module globals, class attributes, tuples/lists/dicts/sets of them (composed tables included), plus the
patterns compiled through ``re`` while ``exercise()`` runs (inline ``re.findall(r"..", text)`` and lru-cached ones).

``pump(pattern)`` derives fragments from the pattern's own parse tree (an example string of the body of every repeat,
after an example of what precedes it), adds generic fragments of model output (``"a "``, ``"1"``, ``"{"``, ``"$"``,
``"the "``, ...), repeats each at a small and a 16x larger size, appends a character that makes the match fail, and
times ``search``. A linear pattern takes about 16x longer at the larger size; a quadratic one 256x, a cubic one 4096x,
an exponential one never returns (a CPU-time timer stops it: CPython's matcher checks for signals while it
backtracks). Times are CPU times of this process. A single search of a few hundred characters can take less than
one tick of the CPU clock (it then reads 0, and one tick at the larger size reads as growth), so a suspected growth
is confirmed on sizes large enough to time: each size is searched repeatedly until ``MIN_TIMED_SECONDS`` of CPU have
passed (``TICKS`` ticks of the clock as measured here), the time per search is the minimum of ``CONFIRM`` such
measurements, and the large size must still take ``MIN_SLOW_SECONDS`` a search and grow more than ``MAX_RATIO`` (5x
what linear allows). A busy machine neither hides a quadratic pattern (256x) nor makes a
linear one fail.
"""

from __future__ import annotations

import importlib
import itertools
import pkgutil
import re
import signal
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

# The parser of ``re`` (re._parser from 3.11, sre_parse before); its opcode names have no type stubs.
_c: Any = importlib.import_module("re._constants" if sys.version_info >= (3, 11) else "sre_constants")
_parser: Any = importlib.import_module("re._parser" if sys.version_info >= (3, 11) else "sre_parse")

GENERIC_FRAGMENTS = ("a ", "1", " ", "{", "}", "$", "the ", "a", "ab", "\\frac{", "1,", ".", "\\", "x^", "(", "-", "\n")
FAIL_SUFFIXES = ("\x01",)
SMALL_CHARS = 200
GROWTH = 16
MAX_RATIO = 80.0  # linear: ~16; quadratic: ~256; cubic: ~4096
MIN_SLOW_SECONDS = 0.004  # growth below this at the large size is noise, not a blow-up
CONFIRM = 3  # confirming measurements per size (the minimum counts)
TICKS = 20  # a confirming measurement spans at least this many ticks of the CPU clock
STOP_SECONDS = 1.0  # one search taking this much CPU on ~3,200 characters is a blow-up by itself
_CANDIDATE_CHARS = "a1 x{}$.\\,-(Z_:\n0"
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT} | ({_c.POSSESSIVE_REPEAT} if hasattr(_c, "POSSESSIVE_REPEAT") else set())
_LIMIT = 6


def _category_has(category, ch: str) -> bool:
    name = str(category)
    if "NOT_DIGIT" in name:
        return not ch.isdigit()
    if "DIGIT" in name:
        return ch.isdigit()
    if "NOT_SPACE" in name:
        return not ch.isspace()
    if "SPACE" in name:
        return ch.isspace()
    if "NOT_WORD" in name:
        return not (ch.isalnum() or ch == "_")
    if "WORD" in name:
        return ch.isalnum() or ch == "_"
    if "NOT_LINEBREAK" in name:
        return ch != "\n"
    return ch == "\n"


def _in_class(ch: str, items) -> bool:
    negate = False
    hit = False
    for op, av in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            hit = hit or ord(ch) == av
        elif op is _c.RANGE:
            hit = hit or av[0] <= ord(ch) <= av[1]
        elif op is _c.CATEGORY:
            hit = hit or _category_has(av, ch)
    return hit != negate


def _class_examples(items) -> list[str]:
    own = []
    for op, av in items:
        if op is _c.LITERAL:
            own.append(chr(av))
        elif op is _c.RANGE:
            own.extend((chr(av[0]), chr((av[0] + av[1]) // 2)))
    members = [ch for ch in dict.fromkeys(own + list(_CANDIDATE_CHARS)) if _in_class(ch, items)]
    return members[:2] or ["a"]


def _cap(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))[:_LIMIT]


def examples(seq) -> list[str]:
    """A few strings that the sequence of parse items ``seq`` matches (lookarounds and anchors ignored)."""
    out = [""]
    for item in seq:
        choices = _item_examples(item)
        out = _cap(a + b for a, b in itertools.product(out, choices))
    return out


def _item_examples(item) -> list[str]:
    op, av = item
    if op is _c.LITERAL:
        return [chr(av)]
    if op is _c.NOT_LITERAL:
        return ["b" if chr(av) == "a" else "a"]
    if op is _c.ANY:
        return ["a"]
    if op is _c.IN:
        return _class_examples(av)
    if op is _c.SUBPATTERN:
        return examples(av[-1])
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return examples(av)
    if op is _c.BRANCH:
        return _cap(e for alternative in av[1] for e in examples(alternative)[:2])
    if op in _REPEATS:
        low, _high, body = av
        bodies = examples(body)
        return _cap([b * low for b in bodies] + [b * max(low, 1) for b in bodies])
    return [""]  # AT, ASSERT, ASSERT_NOT, GROUPREF...


def _walk(seq, prefix: str, found: list[tuple[str, str]]) -> None:
    """Record (prefix, fragment) for the body of every repeat in ``seq``, recursively."""
    before = prefix
    for index, item in enumerate(seq):
        op, av = item
        if op in _REPEATS:
            low, high, body = av
            if high is _c.MAXREPEAT or high > 8:
                after = examples(list(seq[index + 1 : index + 2]))[:1] or [""]
                for fragment in examples(body):
                    if fragment:
                        found.append((before, fragment))
                        found.append((before, fragment + after[0]))
            _walk(body, before, found)
        elif op is _c.SUBPATTERN:
            _walk(av[-1], before, found)
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            _walk(av, before, found)
        elif op is _c.BRANCH:
            for alternative in av[1]:
                _walk(alternative, before, found)
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            _walk(av[1], before, found)
        before = before + (_item_examples(item) or [""])[0]


def fragments(pattern: re.Pattern) -> list[tuple[str, str]]:
    """(prefix, fragment) pairs to pump: from the pattern's repeats, then generic ones."""
    found: list[tuple[str, str]] = []
    if isinstance(pattern.pattern, str):
        _walk(_parser.parse(pattern.pattern, pattern.flags), "", found)
    found.extend(("", fragment) for fragment in GENERIC_FRAGMENTS)
    found.extend(("1", fragment) for fragment in GENERIC_FRAGMENTS)
    return list(dict.fromkeys(found))


class _Stopped(BaseException):
    pass


def _raise_stopped(_signum, _frame) -> None:
    raise _Stopped


def _time_search(pattern: re.Pattern, text: str, repeats: int = 1) -> float:
    """CPU seconds ``repeats`` searches take together (STOP_SECONDS + 1 when a CPU-time timer had to stop them). CPU
    time, not wall time: a busy machine that takes the processor away does not count; SIGALRM stays free for
    pytest-timeout."""
    previous = signal.signal(signal.SIGVTALRM, _raise_stopped)
    started = time.process_time()
    try:
        signal.setitimer(signal.ITIMER_VIRTUAL, STOP_SECONDS)
        try:
            for _ in range(repeats):
                pattern.search(text)
        finally:
            signal.setitimer(signal.ITIMER_VIRTUAL, 0)
    except _Stopped:
        return STOP_SECONDS + 1.0
    finally:
        signal.signal(signal.SIGVTALRM, previous)
    return time.process_time() - started


def clock_tick() -> float:
    """The smallest step of the CPU clock seen here (about 1 us on most kernels, 4 ms where CPU time is counted in
    scheduler ticks)."""
    smallest = float("inf")
    last = time.process_time()
    seen = 0
    while seen < 5:
        now = time.process_time()
        if now != last:
            smallest = min(smallest, now - last)
            last = now
            seen += 1
    return smallest


MIN_TIMED_SECONDS = max(0.002, TICKS * clock_tick())  # a confirming measurement runs at least this much CPU


def time_per_search(pattern: re.Pattern, text: str) -> float:
    """CPU seconds of one search, measured on enough repeats to span ``MIN_TIMED_SECONDS`` (many clock ticks):
    the minimum over ``CONFIRM`` measurements (STOP_SECONDS + 1 when a search had to be stopped)."""
    best = float("inf")
    for _ in range(CONFIRM):
        repeats = 1
        while True:
            spent = _time_search(pattern, text, repeats)
            if spent > STOP_SECONDS:
                return spent
            if spent >= MIN_TIMED_SECONDS or repeats >= 1 << 20:
                break
            repeats *= 2 if spent <= 0 else max(2, min(64, int(2 * MIN_TIMED_SECONDS / spent)))
        best = min(best, spent / repeats)
    return best


@dataclass
class Finding:
    """A confirmed super-linear growth: the input shape and the two timings."""

    pattern: str
    prefix: str
    fragment: str
    small: float
    large: float
    chars: int

    def __str__(self) -> str:
        return (
            f"{self.pattern[:120]!r}: prefix {self.prefix[:30]!r} + {self.fragment[:30]!r} * n + fail: "
            f"{self.small * 1e3:.2f} ms -> {self.large * 1e3:.2f} ms at {self.chars} chars"
        )


def _texts(prefix: str, fragment: str, suffix: str) -> tuple[str, str]:
    count = max(2, SMALL_CHARS // len(fragment))
    return prefix + fragment * count + suffix, prefix + fragment * (count * GROWTH) + suffix


def pump(pattern: re.Pattern) -> Finding | None:
    """The first confirmed super-linear growth of ``pattern.search``, or None."""
    if not isinstance(pattern.pattern, str):
        return None
    for (prefix, fragment), suffix in itertools.product(fragments(pattern), FAIL_SUFFIXES):
        small_text, large_text = _texts(prefix, fragment, suffix)
        small = _time_search(pattern, small_text)
        if small > STOP_SECONDS:
            return Finding(pattern.pattern, prefix, fragment, small, small, len(small_text))
        large = _time_search(pattern, large_text)
        if large > STOP_SECONDS:
            return Finding(pattern.pattern, prefix, fragment, small, large, len(large_text))
        if large < MIN_SLOW_SECONDS or large < MAX_RATIO * max(small, 1e-5):
            continue  # (a tick of the clock at the large size over a small one read as 0 comes here: confirm)
        large = time_per_search(pattern, large_text)
        if large < MIN_SLOW_SECONDS:
            continue  # one slow reading (a tick, a busy moment), not a slow search
        small = time_per_search(pattern, small_text)
        if large >= MAX_RATIO * small:
            return Finding(pattern.pattern, prefix, fragment, small, large, len(large_text))
    return None


def _gather(value, out: dict, seen: set, depth: int = 0) -> None:
    if id(value) in seen or depth > 4:
        return
    seen.add(id(value))
    if isinstance(value, re.Pattern):
        out[(value.pattern, value.flags)] = value
    elif isinstance(value, (tuple, list, set, frozenset)):
        for item in value:
            _gather(item, out, seen, depth + 1)
    elif isinstance(value, dict):
        for item in itertools.chain(value.keys(), value.values()):
            _gather(item, out, seen, depth + 1)
    elif isinstance(value, type):
        for item in vars(value).values():
            _gather(item, out, seen, depth + 1)


def import_all(packages: Iterable[str]) -> list[str]:
    """Import every module of ``packages`` (``__main__`` modules excepted); their names."""
    names = []
    for package_name in packages:
        package = importlib.import_module(package_name)
        names.append(package_name)
        for info in pkgutil.walk_packages(package.__path__, package_name + "."):
            if info.name.rsplit(".", 1)[-1] == "__main__":
                continue
            importlib.import_module(info.name)
            names.append(info.name)
    return names


def collect_patterns(packages: Iterable[str], exercise: Callable[[], object] | None = None) -> dict:
    """{(pattern text, flags): compiled pattern} for every pattern the modules of ``packages`` hold or compile."""
    names = import_all(packages)
    out: dict = {}
    seen: set = set()
    for name in names:
        for value in vars(sys.modules[name]).values():
            _gather(value, out, seen)
    if exercise is not None:
        out.update(compiled_during(exercise, tuple(packages)))
    return out


def compiled_during(exercise: Callable[[], object], packages: tuple[str, ...]) -> dict:
    """Patterns compiled through ``re`` by code of ``packages`` while ``exercise()`` runs (inline and cached ones)."""
    recorded: dict = {}
    original = re._compile  # type: ignore[attr-defined]
    roots = tuple(importlib.import_module(p).__path__[0] for p in packages)

    def recording(pattern, flags):
        compiled = original(pattern, flags)
        frame = sys._getframe(1)
        for _ in range(4):
            if frame is None:
                break
            if frame.f_code.co_filename.startswith(roots) and isinstance(compiled, re.Pattern):
                recorded[(compiled.pattern, compiled.flags)] = compiled
                break
            frame = frame.f_back
        return compiled

    re._compile = recording  # type: ignore[attr-defined]
    try:
        exercise()
    finally:
        re._compile = original  # type: ignore[attr-defined]
    return recorded
