"""Split a cleaned answer into its shape: a single value, a list, a set, a tuple/interval, a union, a matrix or a
relation. Pure string work (linear scans with depth counting), no sympy.

Nodes are tuples, first item the kind:
``("atom", text)``, ``("list", items)`` (bare comma/"or" list), ``("set", items)`` (``\\{..\\}``),
``("seq", open, close, items)`` (tuple or interval, brackets kept), ``("union", items)``, ``("matrix", rows)``,
``("rel", parts, ops)`` (``=``, ``<``, ``\\le``, ... with ``>``/``\\ge`` turned around to ``<``/``\\le``).
"""

from __future__ import annotations

import re

from .patterns import PLUS_MINUS_RE, SPACE_THOUSANDS_RE

__all__ = ["parse_structure", "split_top_level", "is_thousands_number", "strip_variable_prefix", "relation_split"]

MAX_ITEMS = 256

_THOUSANDS_RE = re.compile(r"[+-]?(?!0,)\d{1,3}(?:,\d{3})+(?:\.\d+)?")  # "0,111" is a decimal comma, never 111
_SPACED_NUMBERS_RE = re.compile(r"\A[+-]?\d+(?:\.\d+)?(?: +[+-]?\d+(?:\.\d+)?)+")
_MATRIX_RE = re.compile(
    r"^\\begin\{(?P<env>[a-zA-Z]*matrix\*?|array)\}(?:\{[^{}]*\})?(?P<body>.*)\\end\{(?P=env)\}$", re.DOTALL
)
_VAR_PREFIX_RE = re.compile(
    r"^(?:[A-Za-z](?:_\{?\w{1,4}\}?)?|\\[a-zA-Z]+|[A-Za-z]\s*\(\s*[A-Za-z]\s*\))\s*(?:=|\\in(?![A-Za-z]))\s*"
)
# "or"/"and" between answers, also in \text{..} or in a bare group left by a gold that lost its \text ("-2{or}-12")
# "or"/"and" written against the answers it joins counts too when a value ends and another starts: "(11,7)or(7,11)",
# "W(x)=1orW(x)=-1"
_WORD_SEPARATORS_RE = re.compile(
    r"(?<!\s)\s+(?:or|and)\s+|(?<!\s)\s*(?:\\(?:text|mbox))?\{\s*(?:or|and)\s*\}\s*|(?<=[\d)\]}])(?:or|and)(?=[-(\[\\A-Z\d])",
    re.IGNORECASE,
)
_BEGIN_RE = re.compile(r"\\begin\{")
_FLIP = {">": "<", "\\ge": "\\le", "<": ">", "\\le": "\\ge", "=": "=", "\\ne": "\\ne"}
_OPENERS = "([{"
_CLOSERS = ")]}"
# each relation as written -> as returned; a longer spelling before its prefix (``<=`` before ``<``)
_RELATIONS = {
    "<=": "\\le",
    ">=": "\\ge",
    "!=": "\\ne",
    "\\le": "\\le",
    "\\ge": "\\ge",
    "\\ne": "\\ne",
    "<": "<",
    ">": ">",
    "=": "=",
}


def is_thousands_number(text: str) -> bool:
    """``"1,000"``, ``"-12,345.5"``: digits grouped by commas in threes."""
    return bool(_THOUSANDS_RE.fullmatch(text))


def split_top_level(
    text: str, separators: str | tuple[str, ...] = ",;", *, brackets: str = "()[]{}", escaped_braces: bool = True
) -> list[str]:
    """Split ``text`` at any of ``separators`` (characters, or a tuple of strings) outside brackets.

    ``brackets`` holds each opener followed by its closer; with ``escaped_braces``, ``\\{``/``\\}`` count as
    brackets too, otherwise a backslash and the character after it are passed over whole. At most ``MAX_ITEMS`` + 1
    parts: the last one holds the rest.
    """
    return split_between(text, separators, brackets=brackets, escaped_braces=escaped_braces)[0]


def split_between(
    text: str, separators: str | tuple[str, ...], *, brackets: str = "()[]{}", escaped_braces: bool = True
) -> tuple[list[str], list[str]]:
    """``split_top_level``, also returning the separator found between each two parts (the first listed wins, so
    list ``<=`` before ``<``). A separator that is a command (``\\le``) matches only whole (not in ``\\left``)."""
    openers, closers = brackets[0::2], brackets[1::2]
    starts = "".join(separator[0] for separator in separators)
    parts: list[str] = []
    found: list[str] = []
    depth = 0
    start = 0
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if depth == 0 and char in starts:
            separator = _separator_at(text, i, separators)
            if separator:
                parts.append(text[start:i].strip())
                found.append(separator)
                i = start = i + len(separator)
                if len(parts) > MAX_ITEMS:
                    break
                continue
        if char == "\\" and i + 1 < n:
            if escaped_braces and text[i + 1] in "{}":
                depth += 1 if text[i + 1] == "{" else -1
            i += 2
            continue
        if char in openers:
            depth += 1
        elif char in closers:
            depth -= 1
        i += 1
    parts.append(text[start:].strip())
    return parts, found


def _separator_at(text: str, i: int, separators: str | tuple[str, ...]) -> str:
    """The first of ``separators`` that stands at ``text[i]`` (a command only when no letter follows), else ``""``."""
    for separator in separators:
        if text.startswith(separator, i):
            if (
                separator[0] == "\\"
                and separator[-1].isalpha()
                and text[i + len(separator) : i + len(separator) + 1].isalpha()
            ):
                continue
            return separator
    return ""


def _split_matrix(body: str, separator: str) -> list[str]:
    """Split a matrix body at ``\\\\`` (rows) or ``&`` (columns) outside braces."""
    return split_top_level(body, (separator,), brackets="{}", escaped_braces=False)


def relation_split(text: str) -> tuple[list[str], list[str]]:
    """Split at top-level relation symbols; returns (parts, ops), each op spelled ``<``, ``>``, ``=``, ``\\le``,
    ``\\ge`` or ``\\ne``."""
    parts, found = split_between(text, tuple(_RELATIONS))
    return parts, [_RELATIONS[separator] for separator in found]


def strip_variable_prefix(text: str) -> str:
    """``"x = 4, -8"`` -> ``"4, -8"``; ``"f(x) = 2x+1"`` -> ``"2x+1"``; only when no other relation follows."""
    match = _VAR_PREFIX_RE.match(text)
    if match is None:
        return text
    rest = text[match.end() :]
    if not rest:
        return text
    _parts, ops = relation_split(rest)
    if ops:
        return text
    if "=" in rest and re.search(r"[A-Za-z]\s*=", rest):
        return text  # "x=1, y=2": a list of assignments, keep it
    return rest


def parse_structure(text: str, *, allow_list: bool = True) -> tuple:
    """The shape of a cleaned answer (see the module docstring)."""
    text = text.strip()
    if not text:
        return ("atom", "")
    if is_thousands_number(text):
        return ("atom", text.replace(",", ""))
    matrix = _matrix_match(text)
    if matrix is not None:
        rows = [row for row in _split_matrix(matrix.group("body"), "\\\\") if row]
        return ("matrix", tuple(tuple(_parse_element(cell) for cell in _split_matrix(row, "&")) for row in rows))
    text = strip_variable_prefix(text)
    if is_thousands_number(text):
        return ("atom", text.replace(",", ""))  # "n = 12,345"
    if allow_list and "=" in text and ";" in text:
        groups = [group for group in split_top_level(text, ";") if group]
        if len(groups) > 1:  # "p=5,q=2; p=7,q=2": one group of assignments per solution
            return ("list", tuple(parse_structure(group) for group in groups[:MAX_ITEMS]))
    if allow_list and text.count("\\pm") + text.count("\\mp") == 1 and not _is_set(text):
        # 2 \pm \sqrt3 is the list 2+\sqrt3, 2-\sqrt3 (one sign only: two signs would need all combinations)
        plus, minus = ("+", "-") if "\\pm" in text else ("-", "+")
        sign = PLUS_MINUS_RE
        text = sign.sub(plus, text) + ", " + sign.sub(minus, text)
    elif allow_list and 2 <= text.count("\\pm") <= 3 and "\\mp" not in text and _is_tuple(text):
        text = ", ".join(_sign_choices(text))  # (\pm 1, \pm 2, 0): the four tuples
    if allow_list:
        if _SPACED_NUMBERS_RE.fullmatch(text) and not SPACE_THOUSANDS_RE.fullmatch(text):
            text = text.replace(" ", ",")  # "3 4" is two numbers, not 34
        pieces = [piece for piece in split_top_level(_WORD_SEPARATORS_RE.sub(",", text)) if piece]
        if len(pieces) > 1:
            return ("list", tuple(_parse_element(strip_variable_prefix(piece)) for piece in pieces[:MAX_ITEMS]))
        if pieces:
            text = pieces[0]
    return _parse_element(text)


_PM_RE = re.compile(r"\\pm(?![A-Za-z])")


def _is_tuple(text: str) -> bool:
    """``(a, b, ...)`` with its commas at the top level: one tuple whose entries carry the signs."""
    return (
        text.startswith("(")
        and text.endswith(")")
        and len(split_top_level(text[1:-1])) > 1
        and (len(split_top_level(text)) == 1)
    )


def _sign_choices(text: str) -> list[str]:
    """Every way to read each ``\\pm`` of ``text`` as ``+`` or ``-`` (2 to 8 texts)."""
    pieces = _PM_RE.split(text)
    out = [pieces[0]]
    for piece in pieces[1:]:
        out = [f"{done}{sign}{piece}" for done in out for sign in ("+", "-")]
    return out


def _parse_element(text: str) -> tuple:
    text = text.strip()
    if is_thousands_number(text):
        return ("atom", text.replace(",", ""))
    if _matrix_match(text) is not None:
        return parse_structure(text)
    parts, ops = relation_split(text)
    if ops and all(parts):
        if all(op in (">", "\\ge") for op in ops):
            parts, ops = parts[::-1], [_FLIP[op] for op in ops[::-1]]
        return ("rel", tuple(_parse_element(part) for part in parts), tuple(ops))
    union = _split_union(text)
    if len(union) > 1:
        return ("union", tuple(_parse_element(part) for part in union))
    if _is_set(text):
        inner = text[2:-2].strip()
        items = [item for item in split_top_level(inner) if item]
        items = [signed for item in items[:MAX_ITEMS] for signed in _plus_minus(item)]
        return ("set", tuple(_parse_element(item) for item in items[:MAX_ITEMS]))
    if len(text) >= 2 and text[0] in "([" and text[-1] in ")]" and _encloses(text, 1):
        items = split_top_level(text[1:-1])
        if len(items) > 1:
            return ("seq", text[0], text[-1], tuple(_parse_element(item) for item in items[:MAX_ITEMS]))
    return ("atom", text)


def _is_set(text: str) -> bool:
    return text.startswith("\\{") and text.endswith("\\}") and _encloses(text, 2)


def _plus_minus(item: str) -> list[str]:
    """A set element with one ``\\pm`` (``\\frac32 \\pm \\frac{\\sqrt3}{2}i``) is two elements."""
    if item.count("\\pm") + item.count("\\mp") != 1:
        return [item]
    plus, minus = ("+", "-") if "\\pm" in item else ("-", "+")
    sign = PLUS_MINUS_RE
    return [sign.sub(plus, item), sign.sub(minus, item)]


def _matrix_match(text: str) -> re.Match[str] | None:
    """One matrix, possibly inside brackets (``[\\begin{array}..\\end{array}]``, ``(\\begin{pmatrix}..)``); a text
    holding two matrices (``A + B``, ``A B``) is not one."""
    if len(text) > 2 and text[0] in "([" and text[-1] in ")]" and text[1:].lstrip().startswith("\\begin"):
        text = text[1:-1].strip()
    matrix = _MATRIX_RE.match(text)
    if matrix is None or _BEGIN_RE.search(matrix.group("body")) is not None:
        return None
    return matrix


def _split_union(text: str) -> list[str]:
    if "\\cup" not in text:
        return [text]
    marked = re.sub(r"\\cup(?![A-Za-z])", "\x00", text)
    parts = split_top_level(marked, "\x00")
    return [part for part in parts if part] if len(parts) > 1 else [text]


def _encloses(text: str, width: int) -> bool:
    """True when the opening bracket at the start is closed only by the last one."""
    depth = 0
    i = 0
    n = len(text)
    last = n - width
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n:
            if text[i + 1] in "{}":
                depth += 1 if text[i + 1] == "{" else -1
                if depth == 0 and i < last:
                    return False
            i += 2
            continue
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS:
            depth -= 1
            if depth == 0 and i < last:
                return False
        i += 1
    return depth == 0
