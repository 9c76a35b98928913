"""Final answers in responses written in other languages: Chinese, French, German, Spanish, Russian, and full-width
punctuation.

- ``MARKER_WORDS``: the words that label an answer like ``Answer:`` does (``答案：``, ``Réponse :``, ``Antwort:``,
  ``Respuesta:``, ``Ответ:``); the extraction's answer-line reader looks for each of them.
- ``foreign_value(text)``: in a sentence written in another language (it holds letters outside ASCII and Greek),
  the value its last clause states: the one number or math span after the clause's first verb or conclusion word
  (``是``, ``为``, ``等于``, ``所以``, ``est``, ``donc``, ``ist``, ``also``, ``es``, ``entonces``, ``равно``,
  ``итак``, ``=``, ``:``), or the clause's one value when it has no such word. ``所以一共是 300 分钟`` gives 300,
  ``Il y a 100 élèves donc 25 %`` gives ``25 %``. None for English text (the English readers decide) and when
  several values remain (``x=2或x=3``: a list is never cut down to one of its values).

Linear scans only: ``str.find``/``rfind`` and regexes without nested or adjacent overlapping repetition.
"""

from __future__ import annotations

import re

__all__ = ["MARKER_WORDS", "foreign_value", "is_foreign"]

MARKER_WORDS = ("answer", "答案", "答", "réponse", "reponse", "antwort", "respuesta", "resposta", "risposta", "ответ")
MAX_SENTENCE = 600

_SENTENCE_END_RE = re.compile(r"[。！？!?；;\n]|\.(?:\s|$)")
_CLAUSE_END_RE = re.compile(r"[，、]|, ")
# verbs and conclusion words after which a sentence states its value (lower-case; CJK ones match anywhere)
_CJK_MARKERS = (
    "答案是",
    "答案为",
    "结果是",
    "等于",
    "是",
    "为",
    "為",
    "所以",
    "因此",
    "故",
    "即",
    "：",
    "=",
    "＝",
    ":",
)
_WORD_MARKERS = frozenset(
    """est sont donc soit égal égale vaut ist sind also beträgt gleich ergibt es son entonces igual resulta
    será sera equivale é são então portanto равно равен равна равны будет составляет итак значит получаем""".split()
)
_WORD_RE = re.compile(r"[^\W\d_]+")
_VALUE_RE = re.compile(r"[-−]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)(?: ?/ ?\d+)?(?: ?%)?")


def _foreign_letter(char: str) -> bool:
    code = ord(char)
    return code > 127 and char.isalpha() and not 0x370 <= code <= 0x3FF  # Greek letters are math (π, θ)


def is_foreign(text: str) -> bool:
    """Whether ``text`` holds letters of another script or accented letters (Greek letters do not count)."""
    return not text.isascii() and any(_foreign_letter(char) for char in text)


def _values(text: str) -> list[str]:
    """The math spans (``$..$``) and the numbers outside them, in order."""
    found: list[tuple[int, str]] = []
    position = 0
    outside: list[tuple[int, str]] = []
    while True:
        open_ = text.find("$", position)
        close = text.find("$", open_ + 1) if open_ >= 0 else -1
        if open_ < 0 or close < 0:
            outside.append((position, text[position:]))
            break
        outside.append((position, text[position:open_]))
        found.append((open_, text[open_ : close + 1]))
        position = close + 1
    for offset, piece in outside:
        found.extend((offset + m.start(), m.group()) for m in _VALUE_RE.finditer(piece))
    return [value for _position, value in sorted(found)]


def _after_first_marker(clause: str) -> str | None:
    """The text after the clause's first verb or conclusion word, None when it has none."""
    best = len(clause) + 1
    for marker in _CJK_MARKERS:
        found = clause.find(marker)
        if 0 <= found < best:
            best = found + len(marker)
    for word in _WORD_RE.finditer(clause):
        if word.start() >= best:
            break
        if word.group().lower() in _WORD_MARKERS:
            best = word.end()
            break
    return clause[best:] if best <= len(clause) else None


def _last_with_value(pieces: list[str]) -> str:
    for piece in reversed(pieces):
        if any(char.isdigit() for char in piece) or piece.count("$") >= 2:
            return piece
    return ""


def foreign_value(text: str) -> str | None:
    """The value a final sentence in another language states (see the module docstring), else None."""
    tail = text[-4 * MAX_SENTENCE :].rstrip()
    sentence = _last_with_value(_SENTENCE_END_RE.split(tail))[-MAX_SENTENCE:]
    if not sentence or not is_foreign(sentence):
        return None
    clause = _last_with_value(_CLAUSE_END_RE.split(sentence))
    after = _after_first_marker(clause)
    values = set(_values(after if after is not None else clause))
    return values.pop().strip() if len(values) == 1 else None
