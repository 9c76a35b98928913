"""Set-builder notation and named sets of reals, read as interval notation.

``\\{x \\mid -2 < x < 3\\}`` is ``(-2, 3)``; ``\\{x | x \\le 1 \\text{ or } x > 4\\}`` is ``(-\\infty, 1] \\cup (4,
\\infty)``; ``\\{x : x \\ne 0\\}`` and ``\\mathbb{R} \\setminus \\{0\\}`` are ``(-\\infty, 0) \\cup (0, \\infty)``;
``\\mathbb{R}``, ``x \\in \\mathbb{R}`` and "all real numbers" are ``(-\\infty, \\infty)``; conditions on one variable
joined by "or" without the braces are their union too (``k \\le 0 \\text{ or } k = 3`` is ``(-\\infty, 0] \\cup \\{3\\}``). A condition this reader
does not know leaves the answer as it was. Works on cleaned answers (``normalize.clean``); pure string work over
bounded text, no regex with unbounded repetition.
"""

from __future__ import annotations

from .structure import relation_split, split_top_level

__all__ = ["as_intervals"]

_ALL_REALS = ("\\mathbb{R}", "\\mathbb R", "\\mathbb{R}^1", "all real numbers", "all reals", "\\R")
_REALS_MINUS = ("\\setminus", "\\backslash", "-")
_SEPARATORS = ("\\mid", "|", ":", "\\vert", "\\lvert")
_DOMAIN_PREFIXES = ("\\in\\mathbb{R}", "\\in \\mathbb{R}", "\\in\\mathbb R", "\\in \\mathbb R", "\\in R", "\\in\\R")
_OR_WORDS = (" or ", "\\lor", "\\vee", "\\cup")
_AND_WORDS = (" and ", "\\land", "\\wedge", ",")
_STRICT = {"<": True, "\\le": False}
_INF = "\\infty"
MAX_TEXT = 400


def _single_condition(condition: str, var: str) -> list[tuple[str, bool, str, bool]] | None:
    """Intervals (low, low_open, high, high_open) for one relation chain on ``var``; None when not readable."""
    parts, ops = relation_split(condition)
    if not ops or len(parts) != len(ops) + 1 or not all(parts):
        return None
    if all(op in (">", "\\ge") for op in ops):
        parts, ops = parts[::-1], ["<" if op == ">" else "\\le" for op in ops[::-1]]
    if ops == ["="] and len(parts) == 2:
        other = parts[1] if parts[0] == var else parts[0] if parts[1] == var else None
        if other is None or _mentions(other, var):
            return None
        return [(other, False, other, False)]  # "k = 3": the point {3}
    if ops == ["\\ne"] and len(parts) == 2:
        other = parts[1] if parts[0] == var else parts[0] if parts[1] == var else None
        if other is None or _mentions(other, var):
            return None
        return [("-" + _INF, True, other, True), (other, True, _INF, True)]
    if not all(op in _STRICT for op in ops):
        return None
    if len(parts) == 3 and parts[1] == var and not _mentions(parts[0], var) and not _mentions(parts[2], var):
        return [(parts[0], _STRICT[ops[0]], parts[2], _STRICT[ops[1]])]
    if len(parts) == 2 and parts[0] == var and not _mentions(parts[1], var):
        return [("-" + _INF, True, parts[1], _STRICT[ops[0]])]
    if len(parts) == 2 and parts[1] == var and not _mentions(parts[0], var):
        return [(parts[0], _STRICT[ops[0]], _INF, True)]
    return None


def _mentions(text: str, var: str) -> bool:
    """Whether the single-letter variable ``var`` occurs in ``text`` as a name (not inside a command)."""
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char == "\\":
            i += 1
            while i < n and text[i].isalpha():
                i += 1
            continue
        if char == var and not (i > 0 and text[i - 1].isalpha()) and not (i + 1 < n and text[i + 1].isalpha()):
            return True
        i += 1
    return False


def _split_words(text: str, words: tuple[str, ...]) -> list[str]:
    """Split at any of ``words`` outside brackets (single characters through ``split_top_level``)."""
    marked = text
    for word in words:
        marked = marked.replace(word, "\x00")
    return [part.strip() for part in split_top_level(marked, "\x00")]


def _condition(condition: str, var: str) -> list[tuple[str, bool, str, bool]] | None:
    """Intervals for a condition: relation chains joined by "or" (a union) or "and" (an intersection of two bounds)."""
    pieces = _split_words(condition, _OR_WORDS)
    if len(pieces) > 1:
        out: list[tuple[str, bool, str, bool]] = []
        for piece in pieces:
            read = _condition(piece, var)
            if read is None:
                return None
            out.extend(read)
        return out
    pieces = _split_words(condition, _AND_WORDS)
    if len(pieces) == 2:
        first, second = _single_condition(pieces[0], var), _single_condition(pieces[1], var)
        if first is None or second is None or len(first) != 1 or len(second) != 1:
            return None
        (a_low, a_lo, a_high, a_ho), (b_low, b_lo, b_high, b_ho) = first[0], second[0]
        if a_low == "-" + _INF and b_high == _INF:
            return [(b_low, b_lo, a_high, a_ho)]
        if b_low == "-" + _INF and a_high == _INF:
            return [(a_low, a_lo, b_high, b_ho)]
        return None
    if len(pieces) > 2:
        return None
    return _single_condition(condition, var)


def _render(intervals: list[tuple[str, bool, str, bool]]) -> str:
    return " \\cup ".join(
        f"\\{{{low}\\}}"
        if low == high and not lo_open and not hi_open
        else f"{'(' if lo_open else '['}{low}, {high}{')' if hi_open else ']'}"
        for low, lo_open, high, hi_open in intervals
    )


def _variable(text: str) -> str | None:
    """The one single-letter name ``text`` uses outside commands, else None."""
    names = {char for char in "abcdefghijklmnopqrstuvwxyz" if char in text and _mentions(text, char)}
    return names.pop() if len(names) == 1 else None


def _joined_conditions(text: str) -> str | None:
    """Relation chains on one variable joined by "or" (``1 < x \\le 2 or x \\ge 5``, ``k \\le 0 or k = 3``) as
    their union of intervals, else None."""
    if len(_split_words(text, _OR_WORDS[:3])) < 2:
        return None
    var = _variable(text)
    intervals = _condition(text, var) if var is not None else None
    if not intervals or all(low == high for low, _lo, high, _ho in intervals):
        return None  # "x = 1 or x = 2" is a list of values, read as such
    return _render(intervals)


def _builder(text: str) -> str | None:
    """``\\{x | cond\\}`` -> intervals, else None."""
    inner = text[2:-2].strip()
    if not inner or not inner[0].isalpha() or (len(inner) > 1 and inner[1].isalpha()):
        return None
    var, rest = inner[0], inner[1:].strip()
    for prefix in _DOMAIN_PREFIXES:
        if rest.startswith(prefix):
            rest = rest[len(prefix) :].strip()
            break
    for separator in _SEPARATORS:
        if rest.startswith(separator):
            condition = rest[len(separator) :].strip()
            break
    else:
        return None
    if condition in _ALL_REALS or condition == f"{var} \\in \\mathbb{{R}}":
        return f"(-{_INF}, {_INF})"
    intervals = _condition(condition, var)
    return _render(intervals) if intervals else None


def _reals_minus_point(text: str) -> str | None:
    """``\\mathbb{R} \\setminus \\{a\\}`` -> ``(-\\infty, a) \\cup (a, \\infty)``."""
    for reals in ("\\mathbb{R}", "\\mathbb R"):
        if text.startswith(reals):
            rest = text[len(reals) :].strip()
            break
    else:
        return None
    for minus in _REALS_MINUS:
        if rest.startswith(minus):
            rest = rest[len(minus) :].strip()
            break
    else:
        return None
    if not (rest.startswith("\\{") and rest.endswith("\\}")):
        return None
    point = rest[2:-2].strip()
    if not point or "," in point or "\\{" in point:
        return None
    return _render([("-" + _INF, True, point, True), (point, True, _INF, True)])


def as_intervals(text: str) -> str:
    """The interval notation of a set-builder / named-reals answer (cleaned), or ``text`` itself."""
    if len(text) > MAX_TEXT or not text:
        return text
    stripped = text.strip()
    for prefix in ("x \\in ", "x\\in "):
        if stripped.startswith(prefix) and stripped[len(prefix) :].strip() in _ALL_REALS:
            return f"(-{_INF}, {_INF})"
    if stripped in _ALL_REALS:
        return f"(-{_INF}, {_INF})"
    if stripped.startswith("\\{") and stripped.endswith("\\}"):
        return _builder(stripped) or text
    if stripped.startswith("\\mathbb"):
        return _reals_minus_point(stripped) or text
    if " or " in stripped or "\\lor" in stripped or "\\vee" in stripped:
        return _joined_conditions(stripped) or text
    return text
