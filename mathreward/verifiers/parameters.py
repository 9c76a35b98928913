"""General solutions written with another parameter name: ``x = k\\pi`` and ``x = n\\pi``.

A free parameter is a bound name: ``(-32 + 3t, 64 - 5t) \\text{ for some integer } t`` and ``(k, \\ell) = (-32 + 3x,
64 - 5x)`` say the same thing. ``align_parameters(gold, pred)`` (cleaned answers) drops a declaration tail (``for
some integer t``, ``, k \\in \\mathbb{Z}``, ``where n is an integer``), drops a tuple of answer names written on one
side only (``(k, \\ell) =``), and renames the predicted answer's one free name to the gold's one free name when

- each side has exactly one free name the other lacks (one-to-one: two names never become one),
- the new name does not occur anywhere in the prediction, and
- that name is a parameter: one side declares it, or both names are the usual integer parameters (k, n, m, j, l,
  ``\\ell``) in a general solution with pi.

So ``x^2 + 1`` against ``y^2 + 1`` stays different. Two definitions of one function bind their variables
(``align_function_variables``: ``g(t) = 3t - 1`` is ``g(u) = 3u - 1``), and an arbitrary constant named ``C`` or
``c`` may change case beside a named tuple of functions (``constant_case``). Pure string work, linear scans; the
tail patterns have bounded repetitions only and are anchored at the end.
"""

from __future__ import annotations

import re

from .structure import relation_split, split_top_level

__all__ = [
    "align_function_variables",
    "align_parameters",
    "constant_case",
    "free_names",
    "may_apply",
    "named_variable",
    "rename_free_variables",
]

MAX_TEXT = 600
_NAME = r"(?P<name>[A-Za-z]|\\ell)"
_INTEGERS = r"\\in ?\\mathbb ?\{?[ZNR]\}?"
_TAIL_RES = (
    re.compile(
        r"[,;( ]{0,4}(?:for|where|with) (?:(?:some|any|all|every|each|an|a|arbitrary) )?"
        r"(?:(?:integers?|natural numbers?|real numbers?|reals?|constants?) )?"
        + _NAME
        + r"(?: ?"
        + _INTEGERS
        + r"| is an? (?:integer|real number|constant)| is any integer)?[ )]{0,3}\.?$"
    ),
    re.compile(r"[,;(] ?" + _NAME + r" ?" + _INTEGERS + r"[ )]{0,3}\.?$"),
)
_INTEGER_PARAMETERS = frozenset({"k", "n", "m", "j", "l", "\\ell"})
_CONSTANTS = frozenset({"e", "i"})


def _strip_tail(text: str) -> tuple[str, str | None]:
    """(text without a declaration tail, the declared name or None)."""
    for pattern in _TAIL_RES:
        match = pattern.search(text)
        if match is not None and match.start() > 0:
            return text[: match.start()].rstrip(" ,;"), match.group("name")
    return text, None


def _names(text: str) -> list[tuple[str, int, int]] | None:
    """The names (single letters, ``\\ell``) written in ``text`` with their spans; None when a run of two or more
    plain letters (a word, or a product like ``kt``) makes single names ambiguous."""
    found: list[tuple[str, int, int]] = []
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char == "\\":
            j = i + 1
            while j < n and text[j].isalpha():
                j += 1
            if text[i:j] == "\\ell":
                found.append(("\\ell", i, j))
            i = max(j, i + 2)
            continue
        if char.isascii() and char.isalpha():
            if i + 1 < n and text[i + 1].isascii() and text[i + 1].isalpha():
                return None
            found.append((char, i, i + 1))
        i += 1
    return found


def free_names(text: str) -> set[str] | None:
    """The set of names of ``text`` (see ``_names``)."""
    names = _names(text)
    return None if names is None else {name for name, _s, _e in names}


def _split_lhs(text: str) -> tuple[list[str], str]:
    """``(k, \\ell) = rhs`` / ``x = rhs`` -> (answer names, rhs); ([], text) when there is no such prefix."""
    parts, ops = relation_split(text)
    if ops != ["="] or not all(parts):
        return [], text
    lhs = parts[0].strip()
    if lhs.startswith("(") and lhs.endswith(")"):
        items = [item.strip() for item in split_top_level(lhs[1:-1])]
    else:
        items = [lhs]
    if not all(item in ("\\ell",) or (len(item) == 1 and item.isalpha()) for item in items):
        return [], text
    return items, parts[1].strip()


def _rename(text: str, old: str, new: str) -> str:
    return _rename_all(text, {old: new})


def _rename_all(text: str, mapping: dict[str, str]) -> str:
    """``text`` with every name in ``mapping`` replaced at once (so ``x``/``y`` may swap)."""
    names = _names(text) or []
    pieces = []
    previous = 0
    for name, start, end in names:
        new = mapping.get(name)
        if new is not None:
            pieces.append(text[previous:start])
            pieces.append(new + (" " if new == "\\ell" and end < len(text) and text[end].isalpha() else ""))
            previous = end
    pieces.append(text[previous:])
    return "".join(pieces)


def _join(lhs: list[str], rhs: str) -> str:
    if not lhs:
        return rhs
    written = lhs[0] if len(lhs) == 1 else "(" + ", ".join(lhs) + ")"
    return f"{written} = {rhs}"


_NAME_RE = re.compile(r"(?<![\\A-Za-z])[A-Za-z](?![A-Za-z])")  # a one-letter name, not a command


def may_apply(gold: str, pred: str) -> bool:
    """A cheap test: whether ``align_parameters`` can change this pair (a declaration, pi on both sides, or a tuple
    of answer names)."""
    if ("=" in gold and gold[:1] == "(") or ("=" in pred and pred[:1] == "("):
        return True
    if "\\pi" in gold and "\\pi" in pred and _NAME_RE.search(gold) and _NAME_RE.search(pred):
        return True
    joined = gold + " " + pred
    return "for " in joined or "where " in joined or "with " in joined or "\\in" in joined


def align_parameters(gold: str, pred: str) -> tuple[str, str]:
    """The pair with declaration tails dropped, one-sided answer-name tuples dropped and the prediction's free
    parameter renamed to the gold's (see the module docstring); any other pair comes back unchanged."""
    if len(gold) > MAX_TEXT or len(pred) > MAX_TEXT:
        return gold, pred
    gold_text, gold_declared = _strip_tail(gold)
    pred_text, pred_declared = _strip_tail(pred)
    gold_lhs, gold_rhs = _split_lhs(gold_text)
    pred_lhs, pred_rhs = _split_lhs(pred_text)
    if len(gold_lhs) > 1 and not pred_lhs:
        gold_lhs = []
    elif len(pred_lhs) > 1 and not gold_lhs:
        pred_lhs = []
    gold_names, pred_names = free_names(gold_rhs), free_names(pred_rhs)
    if gold_names is not None and pred_names is not None:
        gold_free = gold_names - set(gold_lhs) - _CONSTANTS
        pred_free = pred_names - set(pred_lhs) - _CONSTANTS
        extra_gold, extra_pred = gold_free - pred_free, pred_free - gold_free
        if len(extra_gold) == 1 and len(extra_pred) == 1:
            new, old = next(iter(extra_gold)), next(iter(extra_pred))
            declared = pred_declared == old or gold_declared == new
            conventional = (
                new in _INTEGER_PARAMETERS and old in _INTEGER_PARAMETERS and "\\pi" in gold_rhs and "\\pi" in pred_rhs
            )
            clash = new in pred_names or new in pred_lhs or old in gold_names or old in gold_lhs
            if (declared or conventional) and not clash:
                pred_rhs = _rename(pred_rhs, old, new)
    return _join(gold_lhs, gold_rhs), _join(pred_lhs, pred_rhs)


_DEFINITION_RE = re.compile(r"([A-Za-z]) ?\( ?([A-Za-z]) ?\) ?= ?(.{1,500})", re.DOTALL)
_FRESH_NAMES = "zwvqsrpbd"


def _definition(text: str) -> tuple[str, str, str] | None:
    """``g(t) = 3t - 1`` -> (function name, bound variable, right-hand side) when the whole text is one definition."""
    match = _DEFINITION_RE.fullmatch(text.strip())
    if match is None or "=" in match.group(3):
        return None
    return match.group(1), match.group(2), match.group(3).strip()


def align_function_variables(gold: str, pred: str) -> tuple[str, str]:
    """Two definitions of the same function with other bound variables (``g(t) = 3t-1``, ``g(u) = 3u - 1``): both
    written with one fresh variable, so the comparison sees ``3z-1`` twice. A variable free in a right-hand side
    keeps its name (``g(u) = 3t - 1`` stays unequal to ``g(t) = 3t - 1``); any other pair comes back unchanged."""
    if len(gold) > MAX_TEXT or len(pred) > MAX_TEXT or "(" not in gold or "(" not in pred:
        return gold, pred
    gold_def, pred_def = _definition(gold), _definition(pred)
    if gold_def is None or pred_def is None or gold_def[0] != pred_def[0] or gold_def[1] == pred_def[1]:
        return gold, pred
    if _names(gold_def[2]) is None or _names(pred_def[2]) is None:
        return gold, pred  # a word or a product of letters: single names are ambiguous
    used = set(_NAME_RE.findall(gold)) | set(_NAME_RE.findall(pred))
    fresh = next((name for name in _FRESH_NAMES if name not in used), None)
    if fresh is None:
        return gold, pred
    name = gold_def[0]
    return (
        f"{name}({fresh}) = {_rename(gold_def[2], gold_def[1], fresh)}",
        f"{name}({fresh}) = {_rename(pred_def[2], pred_def[1], fresh)}",
    )


_FUNCTION_TUPLE_RE = re.compile(r"\( ?[A-Za-z] ?\( ?[A-Za-z] ?\)(?: ?, ?[A-Za-z] ?\( ?[A-Za-z] ?\)){1,5} ?\) ?= ?")
_LETTERS_RE = re.compile(r"(?<![\\A-Za-z])[A-Za-z]")


def constant_case(gold: str, pred: str) -> tuple[str, str]:
    """A named tuple of functions (``(P(x), Q(x)) = (2Cx + 1, x)``) against the bare tuple with the arbitrary
    constant in the other case (``(2c x + 1, x)``): the name tuple goes and the constant takes the gold's case
    (``C``/``c`` only; ``(2dx + 1, x)`` stays different); any other pair comes back unchanged."""
    named = _FUNCTION_TUPLE_RE.match(gold)
    if named is None or len(gold) > MAX_TEXT or len(pred) > MAX_TEXT or _FUNCTION_TUPLE_RE.match(pred):
        return gold, pred
    gold = gold[named.end() :].strip()
    gold_letters, pred_letters = set(_LETTERS_RE.findall(gold)), set(_LETTERS_RE.findall(pred))
    for new, old in (("C", "c"), ("c", "C")):
        if new in gold_letters and old not in gold_letters and old in pred_letters and new not in pred_letters:
            pred = _LETTERS_RE.sub(lambda m, old=old, new=new: new if m.group() == old else m.group(), pred)
    return gold, pred


def _variables(text: str) -> list[str] | None:
    """The variable names of ``text`` in order of first appearance; constants (``e``, ``i``) and names written before
    a bracket (``f`` of ``f(x)``: a function keeps its name) left out; None as ``_names``."""
    names = _names(text)
    if names is None:
        return None
    functions = {name for name, _start, end in names if text[end : end + 2].lstrip()[:1] == "("}
    return list(dict.fromkeys(name for name, _s, _e in names if name not in _CONSTANTS and name not in functions))


def rename_free_variables(gold: str, pred: str) -> str:
    """The prediction with the names only it uses renamed, one to one, to the names only the gold uses, in order of
    first appearance (``f(y)`` -> ``f(x)``, ``b^2 + a`` against ``y^2 + x``; a function name stays: ``g(x)`` is not
    ``f(x)``). Only for the opt-in
    ``rename_variables`` option (math-verify's ``strict=False``): by default a free variable's name matters. The
    prediction comes back unchanged when the two sides use different numbers of names or a run of letters makes
    single names ambiguous."""
    if len(gold) > MAX_TEXT or len(pred) > MAX_TEXT:
        return pred
    gold_names, pred_names = _variables(gold), _variables(pred)
    if gold_names is None or pred_names is None or len(gold_names) != len(pred_names):
        return pred
    only_gold = [name for name in gold_names if name not in pred_names]
    only_pred = [name for name in pred_names if name not in gold_names]
    if not only_pred:
        return pred
    return _rename_all(pred, dict(zip(only_pred, only_gold, strict=True)))


_MEMBERSHIP_RE = re.compile(r"([A-Za-z]) ?\\in(?![A-Za-z])")
_BOUNDS = frozenset({"<", ">", "\\le", "\\ge"})


def named_variable(text: str) -> str | None:
    """The variable an interval answer names (cleaned text): ``x`` of ``x \\in [-2, 7]`` and of ``-2 \\le x \\le 7``
    (a chain of bounds on one name between names-free sides); None for any other answer (``[-2, 7]``, ``x = 5``)."""
    if len(text) > MAX_TEXT:
        return None
    membership = _MEMBERSHIP_RE.match(text)
    if membership is not None:
        return membership.group(1)
    parts, ops = relation_split(text)
    if not ops or any(op not in _BOUNDS for op in ops):
        return None
    names = [free_names(part) for part in parts]
    if any(part_names is None for part_names in names):
        return None
    named = [part for part, part_names in zip(parts, names, strict=True) if part_names]
    if len(named) != 1 or len(named[0]) != 1 and named[0] != "\\ell":
        return None
    return named[0]
