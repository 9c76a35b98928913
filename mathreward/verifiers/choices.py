"""Multiple-choice answers: the letter a gold names and the letter a response chooses.

A gold is a choice when it is a letter ``A``-``J`` (``D``, ``(D)``, ``D.``), possibly with the option's text
(``(D) Alina``, ``D. 12``, ``C Cecile``). A response chooses a letter when its answer is that letter (with or without
the option's text), or when, among the letters it mentions, exactly one is not ruled out: ``D. it can't be A or B``
and ``for sure D, it can't be A or B`` choose D, ``it can't be D, the answer is C`` chooses C; an answer that keeps
several letters (``A or B``, ``(B) and (C)``) is wrong for a one-letter gold (hedging). ``A``/``I`` followed by a lower-case word are an article or a pronoun ("A total of", "I think"),
not letters. Pure string work over short texts, linear scans only.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .normalize import plain_text

__all__ = ["gold_choice", "chosen_letter", "chosen_letters", "decide", "letter_in_response", "MAX_CHOICE_TEXT"]

MAX_CHOICE_TEXT = 400  # a longer text is not read for a choice

_BARE_RE = re.compile(r"\(?([A-J])\)?[.:]?")
# "(D) Alina", "D) Alina", "D. 12", "D: Alina": a marked letter, then the option's text
_MARKED_RE = re.compile(r"(?:\(([A-J])\)|([A-J])[.):])[ \t]*(\S.*)", re.DOTALL)
# "C Cecile": a letter, a space, a capitalised word (a name or a sentence)
_NAMED_RE = re.compile(r"([A-J]) ([A-Z][a-z]+\b.*)", re.DOTALL)
# a letter mentioned in prose: "(D)", "D", not part of a word, a command or a formula
_LETTER_RE = re.compile(r"(?<![A-Za-z0-9\\_^])(\(?)([A-J])(\)?)(?![A-Za-z0-9_^'(])")
_CLAUSE_RE = re.compile(r"[,;.!?\n，；。！？、]|\b(?:but|mais|pero|aber|но)\b", re.IGNORECASE)
# ruling a letter out, in the languages whose answer labels extraction reads ("pas D", "nicht D", "不是 A")
_NEGATION_RE = re.compile(
    r"n't\b|不是|不|非|\b(?:not|no|cannot|never|neither|nor|except|excluding|exclude[sd]?|eliminated?|rule[sd]? out"
    r"|ruled out|wrong|incorrect|false|impossible|fails?|failed|violates?|pas|non|nicht|kein|nein|не|нет)\b",
    re.IGNORECASE,
)
_CHOOSING_RE = re.compile(
    r"选|答案|答|\b(?:answer|option|choice|choose|correct|select|réponse|reponse|respuesta|resposta|risposta|antwort"
    r"|ответ|opción|opcion)",
    re.IGNORECASE,
)
_LOWER_WORD_RE = re.compile(r"[ \t]{1,8}([a-z]+)")
# words after "A"/"I" that keep it a letter ("A is correct", "A or B"); any other lower-case word makes it an article
_LETTER_FOLLOWERS = frozenset(
    "is was are or and nor vs versus seems looks must might may can could would should will because since as too also "
    "only being correct right wrong incorrect fits matches works holds".split()
)
_CONNECTORS = frozenset("and or nor to if when for with of".split())


@lru_cache(maxsize=4096)
def gold_choice(text: str) -> tuple[str, str] | None:
    """(letter, option text) when the cleaned gold ``text`` names a choice, else None (option text may be "")."""
    text = text.strip()
    if len(text) > MAX_CHOICE_TEXT or not text:
        return None
    bare = _BARE_RE.fullmatch(text)
    if bare is not None:
        return bare.group(1), ""
    marked = _MARKED_RE.fullmatch(text)
    if marked is not None:
        label = marked.group(3).strip()
        if _label_ok(label):
            return marked.group(1) or marked.group(2), label
        return None
    named = _NAMED_RE.fullmatch(text)
    if named is not None and _label_ok(named.group(2)):
        return named.group(1), named.group(2).strip()
    return None


def _label_ok(label: str) -> bool:
    """An option's text: not another letter ("A B"), not a connector ("A and B"), not a relation ("E = mc^2")."""
    if not label or label[0] in "=<>+-*/^_|&":
        return False
    first = label.split(None, 1)[0].lower()
    if first in _CONNECTORS:
        return False
    return _LETTER_RE.match(label) is None or len(label) > 1 and label[1].isalpha()


def _is_article(text: str, match: re.Match[str]) -> bool:
    """ "A total", "I think": the letter is a word of the sentence (only for A and I, unbracketed)."""
    if match.group(2) not in "AI" or match.group(1) or match.group(3):
        return False
    follower = _LOWER_WORD_RE.match(text, match.end())
    return follower is not None and follower.group(1) not in _LETTER_FOLLOWERS


def _is_formula(text: str, match: re.Match[str]) -> bool:
    """``B = 5``, ``A + B``: the letter is a variable of a formula."""
    after = text[match.end() : match.end() + 3].lstrip()
    before = text[max(0, match.start() - 3) : match.start()].rstrip()
    return after[:1] in ("=", "+", "*", "/", "<", ">") or (before[-1:] in ("+", "*", "/") and bool(before))


def chosen_letter(text: str) -> str | None:
    """The one letter ``text`` (an answer or a short sentence) chooses, else None (no letter, or several)."""
    text = text.strip()
    if not text or len(text) > MAX_CHOICE_TEXT:
        return None
    bare = _BARE_RE.fullmatch(text)
    if bare is not None:
        return bare.group(1)
    chosen = chosen_letters(text)
    return chosen.pop() if len(chosen) == 1 else None


def chosen_letters(text: str) -> set[str]:
    """The letters ``text`` mentions outside clauses that rule them out (see the module docstring)."""
    chosen: set[str] = set()
    start = 0
    for cut in [*_CLAUSE_RE.finditer(text), None]:
        end = cut.start() if cut is not None else len(text)
        clause = text[start:end]
        start = cut.end() if cut is not None else end
        letters = [
            m.group(2) for m in _LETTER_RE.finditer(clause) if not _is_article(clause, m) and not _is_formula(clause, m)
        ]
        if letters and _NEGATION_RE.search(clause) is None:
            chosen.update(letters)
    return chosen


def decide(gold: str, preds: list[str]) -> tuple[bool, str] | None:
    """(equal, reason) for a choice gold against the cleaned predicted answers, or None when this rule does not
    apply (the gold is not a choice, or the answer names no single letter and not the option's text)."""
    choice = gold_choice(gold)
    if choice is None or not preds:
        return None
    letter, label = choice
    letters = {chosen_letter(pred) for pred in preds}
    if len(letters) == 1 and None not in letters:
        picked = letters.pop()
        return (picked == letter, "choice match" if picked == letter else "choice mismatch")
    named = set().union(*(chosen_letters(pred) for pred in preds if len(pred) <= MAX_CHOICE_TEXT))
    if len(named) > 1:
        return False, f"several choices ({len(named)}) for one"  # "(B) and (C)", "A or B": hedging
    if label and len(preds) == 1 and plain_text(label) and plain_text(preds[0]) == plain_text(label):
        return True, "choice match (option text)"
    return None


def letter_in_response(region: str) -> str | None:
    """For a response where no answer was found: the letter its last line opens with (``D. it can't be A or B``),
    or the one letter a last line that says it chooses names (``故选 B``, ``the correct option is C``)."""
    lines = [line for line in region[-2 * MAX_CHOICE_TEXT :].splitlines() if line.strip()]
    if not lines:
        return None
    line = lines[-1].strip().strip("*_`# ")
    if _CHOOSING_RE.search(line) is not None:
        return chosen_letter(line)
    match = _LETTER_RE.match(line)
    if match is None or _is_article(line, match) or _is_formula(line, match):
        return None
    after = line[match.end() : match.end() + 1]
    if after not in ("", ".", ":", ")", " ", ","):
        return None
    return chosen_letter(line)
