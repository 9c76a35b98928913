"""Whether a response commits to its extracted answer: hidden text, hedges, bounds and retractions around it.

A policy under RL pressure learns to write answers that commit to nothing and still collect reward. Extraction
finds one answer; this module looks at the text around it (``review``) and at text a reader never sees
(``visible_text``):

- **Hidden text** is not part of the answer: HTML comments (``<!-- \\boxed{42} -->``, an unclosed one hides the
  rest), elements styled ``display:none`` / ``visibility:hidden`` / white or marked ``hidden``, ``\\phantom``-like
  groups, white text (``\\textcolor{white}{..}``, ``{\\color{white} ..}``), ``\\iffalse .. \\fi`` and LaTeX
  comment lines (``% \\boxed{42}``).
- **A hedge** offers another value next to the answer: ``42 (or possibly 45)``, ``\\(42\\) or maybe 24``,
  ``42 (but 43 also works)``, ``42, unless it's 45``, ``42 (approximately 43)``, ``\\boxed{42}, or perhaps $45$``.
  The other values become candidates of the answer, so a single-valued gold finds several answers (wrong) and a gold
  that lists them all still matches. Only the answer's own line is read, from its answer marker (``Answer:``,
  "answer is", ``\\boxed{``) on, so reasoning before the marker never counts.
- **A retraction** after the answer (``42. Wait, actually 43``, ``\\boxed{42}`` then "Hmm, no. Actually the answer
  is 43.") replaces it with what follows in the auto style; styles that demand a marked answer get no replacement,
  so the answer counts as hedged.

Every scan is a ``str.find`` or one compiled regex with bounded repeats over a bounded window: linear.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from .braces import BOX_RE, MAX_BOX_CHARS, find_closing
from .extraction import PATH_BOXED, Extraction, extract
from .turns import answer_region

__all__ = ["Review", "answer_stands_after", "answer_stands_read", "plain_review", "review", "visible_text"]

WINDOW_CHARS = 240  # the answer's line is read this far on each side of the answer
RETRACTION_CHARS = 400  # a retraction is looked for this far after the answer
MAX_ALTERNATIVES = 8
MAX_SCAN_CHARS = 32_768  # the hidden-text scan reads the end of the response, as extraction does

# ------------------------------------------------------------------------------------------------- hidden text

_HIDDEN_TAG_RE = re.compile(
    r"<([A-Za-z]{1,10})\b[^<>]{0,200}?(?:display\s{0,3}:\s{0,3}none|visibility\s{0,3}:\s{0,3}hidden|(?<![-\w])color"
    r"\s{0,3}:\s{0,3}(?:white|#fff(?:fff)?\b)|\shidden\b)[^<>]{0,200}>",
    re.IGNORECASE,
)
_HIDDEN_GROUP_RE = re.compile(r"\\(?:[hv]?phantom|textcolor\s{0,3}\{\s{0,3}white\s{0,3}\}|colorbox\{white\})\s{0,3}\{")
_WHITE_SWITCH_RE = re.compile(r"\{\s{0,3}\\color\s{0,3}\{\s{0,3}white\s{0,3}\}")
_LATEX_HINTS = ("phantom", "white", "iffalse")
# The commands every hiding step below starts from (``\\phantom``, ``\\textcolor{white}``, ``\\colorbox{white}``,
# ``{\\color{white}``, ``\\iffalse``); one compiled search reads a text faster than the three hints above
_HIDING_COMMAND_RE = re.compile(r"\\(?:[hv]?phantom|textcolor|color|iffalse)")
_COMMENT_LINE_RE = re.compile(r"^[ \t]{0,40}%(?!\d)[^\n]{0,100000}", re.MULTILINE)


def visible_text(response: str) -> str:
    """``response`` without the text a reader would not see (see the module doc); the same object when none."""
    if "%" not in response and "<" not in response:  # (one-character tests first: a long text is scanned once)
        if len(response) <= MAX_SCAN_CHARS and _HIDING_COMMAND_RE.search(response) is None:
            return response  # no command that hides text: every step below would give it back as it is
        if not any(map(response.__contains__, _LATEX_HINTS)):
            return response
    text = response[-MAX_SCAN_CHARS:]
    text = _without_false_conditionals(_without_comments(text))
    text = _without_hidden_tags(text)
    text = _without_groups(text, _HIDDEN_GROUP_RE)
    text = _without_groups(text, _WHITE_SWITCH_RE)
    return _COMMENT_LINE_RE.sub("", text)


def _without_spans(text: str, opener: str, find_end: Callable[[str, int], int], closer_len: int) -> str:
    """Every span from ``opener`` to the end ``find_end(text, after_opener)`` finds removed (one forward scan); an
    unclosed span (``find_end`` gives -1) hides the rest of the text."""
    pieces = []
    pos = 0
    while True:
        start = text.find(opener, pos)
        if start < 0:
            pieces.append(text[pos:])
            break
        pieces.append(text[pos:start])
        end = find_end(text, start + len(opener))
        if end < 0:
            break
        pos = end + closer_len
    return "".join(pieces)


def _conditional_end(text: str, pos: int) -> int:
    """Where the ``\\fi`` closing an ``\\iffalse`` starts (``\\fill``, ``\\fint`` are not it), or -1."""
    end = text.find("\\fi", pos)
    while end >= 0 and text[end + 3 : end + 4].isalpha():
        end = text.find("\\fi", end + 3)
    return end


def _without_false_conditionals(text: str) -> str:
    """``\\iffalse ... \\fi`` removed (LaTeX never typesets it); an unclosed one hides the rest."""
    return _without_spans(text, "\\iffalse", _conditional_end, 3)


def _without_comments(text: str) -> str:
    """HTML comments removed; an unclosed one hides the rest of the text."""
    return _without_spans(text, "<!--", lambda body, pos: body.find("-->", pos), 3)


def _without_hidden_tags(text: str) -> str:
    """Elements styled as hidden removed up to their closing tag (or the end of the text)."""
    pieces = []
    pos = 0
    for match in _HIDDEN_TAG_RE.finditer(text):
        if match.start() < pos:
            continue
        pieces.append(text[pos : match.start()])
        close = text.lower().find(f"</{match.group(1).lower()}", match.end())
        if close < 0:
            return "".join(pieces)
        pos = text.find(">", close)
        pos = len(text) if pos < 0 else pos + 1
    pieces.append(text[pos:])
    return "".join(pieces)


def _group_end(text: str, pos: int) -> int:
    """Index just after the brace that closes the group whose ``{`` is at ``pos - 1``; the end of the text when it
    never closes."""
    close = find_closing(text[pos - 1 : pos + MAX_BOX_CHARS], 0)  # a slice: the matcher reads from its start
    return len(text) if close < 0 else pos + close


def _without_groups(text: str, opener: re.Pattern[str]) -> str:
    """Each group an ``opener`` match opens (the match holds its ``{``) removed with its content."""
    pieces = []
    pos = 0
    for match in opener.finditer(text):
        if match.start() < pos:
            continue
        pieces.append(text[pos : match.start()])
        pos = _group_end(text, match.end())
    pieces.append(text[pos:])
    return "".join(pieces)


# ------------------------------------------------------------------------------------------------- commitment

# Right after the answer (past closing delimiters): words that offer another value ("(or possibly 45)", ", unless
# it's 45", "(approximately 43)", "/43"); after a sentence end only "Or maybe 45" counts.
_AFTER_HEDGE_RE = re.compile(
    r"[,;—–]?[ \t]?[(\[]?(?:or(?![ \t]{1,3}else)|but|maybe|possibly|perhaps|probably|likely|alternatively|unless|"
    r"otherwise|approximately|approx|roughly|about|around|if|either|could|might|though|although)\b|/|\\approx|≈|±"
    r"|\\pm(?![A-Za-z])|\\(?:lor|vee)\b|\.[ \t]{0,2}(?:or|maybe|possibly|perhaps)\b",
    re.IGNORECASE,
)
# Words that offer other candidates anywhere in a parenthesis right after the answer ("(45 is also possible)") or in
# the sentence after it ("Other possible answers: 43, 44."); a bare "or" counts in the parenthesis only.
_OFFER = (
    r"(?:other|another|alternative)[ \t]{1,3}(?:possible[ \t]{1,3})?(?:answers?|values?|candidates?)|possible[ \t]{1,3}"
    r"(?:answers?|values?)|(?:could|might|may)[ \t]{1,3}also[ \t]{1,3}be|also[ \t]{1,3}(?:possible|valid|works?|"
    r"correct|acceptable)|possibly|maybe|perhaps"
)
_ASIDE_HEDGE_RE = re.compile(
    r"\b(?:" + _OFFER + r"|(?:could|might)[ \t]{1,3}be|alternatively|otherwise|unless|if|or(?![ \t]{1,3}else))\b",
    re.IGNORECASE,
)
_NEXT_HEDGE_RE = re.compile(
    r"\b(?:" + _OFFER + r"|(?:answer|result|it)[ \t]{1,3}(?:would|could|might)[ \t]{1,3}be)\b", re.IGNORECASE
)
# Between an earlier answer marker or box of the sentence and the answer ("\\boxed{45} or maybe \\boxed{42}").
_BEFORE_HEDGE_RE = re.compile(
    r"\b(?:or|either|maybe|possibly|perhaps|probably|alternatively|unless|otherwise|approximately|approx)\b|\\approx|≈",
    re.IGNORECASE,
)
# The start of a retraction: a sentence or line that opens with one of these.
_RETRACTION_RE = re.compile(
    r"(?:\A|[.!?;:][ \t]{0,4}|\n[ \t]{0,8})(?:wait|hmm+|oops|sorry|actually|no(?=[,.!;])|correction|hold\s{1,3}on|"
    r"on\s{1,3}(?:second\s{1,3}thought|reflection)|scratch\s{1,3}that|let\s{1,3}me\s{1,3}correct|"
    r"i\s{1,3}made\s{1,3}an?\s{1,3}(?:mistake|error)|that(?:'s|\s{1,3}is)\s{1,3}(?:wrong|incorrect))\b"
    r"|\b(?:correct|right|actual|real|true)\s{1,3}answer\s{1,3}(?:is|should\s{1,3}be|would\s{1,3}be)\b",
    re.IGNORECASE,
)
# A value offered beside the answer: a box, a fraction or root (with its coefficient), pi, a plain number.
_VALUE_RE = re.compile(
    r"\\boxed\{[^{}]{1,200}\}|[-−]?\d{0,30}\\(?:d?frac|sqrt)(?:\{[^{}]{1,50}\}){1,2}|\\pi\b"
    r"|[-−]?\d{1,30}(?:\.\d{1,30})?(?:\s?/\s?\d{1,30})?"
)
_OFFERED = "another value offered beside the answer"
_END_MARKS = " \t\n.$*_`"
_CLOSERS = " \t\n$})]*\\"
_DIGIT_RE = re.compile(r"\d")
_DIGITS = "0123456789"


@dataclass(frozen=True)
class Review:
    """What ``review`` found: the extraction to verify (replaced after a retraction, with the other offered values
    as extra candidates after a hedge) and, when the response does not commit to it, why (``hedge``)."""

    extraction: Extraction
    hedge: str = ""


def review(response: str, extraction: Extraction, style: str, unclosed_think: str = "no_answer") -> Review:
    """Look at the text around the extracted answer of ``response`` (see the module doc)."""
    if extraction.answer is None:
        return Review(extraction)
    if extraction.path != PATH_BOXED and response.rstrip(_END_MARKS).endswith(extraction.answer):
        return Review(extraction)  # the response ends on its answer ("Answer: 034"): nothing after it to read
    if extraction.path == PATH_BOXED:
        last_box = _last_box(response)
        if last_box is not None and not response[last_box[1] :].strip(_END_MARKS + "\\])"):
            # the response ends on its box: only an earlier box of the sentence may be offered beside it
            start = last_box[0]
            others = _earlier_box(response[_sentence_start(response, start) : start])
            return Review(_with_alternatives(extraction, others), _OFFERED) if others else Review(extraction)
    region = answer_region(response, unclosed_think)
    if not region:
        return Review(extraction)
    text = region[-MAX_SCAN_CHARS:]
    found = _locate(text, extraction)
    if found is None:
        return Review(extraction)
    start, end = found
    after = text[end : end + RETRACTION_CHARS]
    retraction = _RETRACTION_RE.search(after)
    if retraction is not None and _DIGIT_RE.search(after, retraction.end()) is not None:
        if style == "auto":
            replaced = extract(after[retraction.end() :], "auto")
            if replaced.answer is not None:
                return Review(replaced, "")
        return Review(_with_alternatives(extraction, _values(after[retraction.end() :])), "retracted")
    others = _earlier_box(text[_sentence_start(text, start) : start])
    others += _offered_after(text, end)
    if not others:
        return Review(extraction)
    return Review(_with_alternatives(extraction, others), _OFFERED)


def plain_review(response: str, extraction: Extraction) -> bool:
    """Whether ``review(response, extraction, "auto")`` surely gives ``extraction`` back as it is, without a hedge,
    for a response the fast lane reads (``extraction.plain_fallback`` found the answer: no chat token, no doubled
    backslash, no "answer" word, no box): the response ends on its answer, or the text after the answer's last place
    neither retracts it (a retraction counts only before a digit, so only the text up to the last digit is searched)
    nor offers another value. False when it may do something else (then ``review`` decides)."""
    answer = extraction.answer
    if answer is None or extraction.path == PATH_BOXED or len(extraction.candidates) > 1:
        return False
    ending = response[-len(answer) - 64 :].rstrip(_END_MARKS)  # the end, without copying a long response
    if len(ending) < len(answer) and len(response) > len(answer) + 64:
        ending = response.rstrip(_END_MARKS)  # a long run of end marks: read it all
    if ending.endswith(answer):
        return True
    text = response[-MAX_SCAN_CHARS:]
    found = _last_occurrence(text, answer, 0)
    return found is None or answer_stands_after(text, found[1])


def answer_stands_read(
    text: str, place: int, last_digit: int, closers_end: int, aside: int, clause: int, clause_end: int
) -> bool:
    """``answer_stands_after(text, place)`` given what the compiled reader found after ``place``
    (``extraction.plain_reading``): the last digit in the ``RETRACTION_CHARS`` after it (or -1), where the closers
    after it end, a "(" in the 3 characters from there (or -1), and the next clause when the answer ends its
    sentence (or -1, -1). Only the patterns are matched here; where one matches, ``answer_stands_after`` decides."""
    if last_digit >= 0:
        after = text[place : place + RETRACTION_CHARS]
        if _RETRACTION_RE.search(after, 0, last_digit - place + 1) is not None:
            return False
    if (
        aside >= 0
        or _AFTER_HEDGE_RE.match(text, closers_end) is not None
        or (clause >= 0 and _NEXT_HEDGE_RE.search(text[clause:clause_end]) is not None)
    ):
        return answer_stands_after(text, place)  # the values offered decide
    return True


def answer_stands_after(text: str, end: int) -> bool:
    """``plain_review``'s last steps, from ``end``, where the answer's last whole place in ``text`` (the response's
    last ``MAX_SCAN_CHARS``) ends: the text after it neither retracts it (a retraction counts only before a digit,
    so only the text up to the last digit is searched) nor offers another value."""
    after = text[end : end + RETRACTION_CHARS]
    last_digit = max(map(after.rfind, _DIGITS))
    if last_digit >= 0 and _RETRACTION_RE.search(after, 0, last_digit + 1) is not None:
        return False
    return not _offered_after(text, end)


def _offered_after(text: str, end: int) -> list[str]:
    """Values offered right after the answer that ends at ``end``: a hedge word that follows it ("(or possibly
    45)"), a parenthesis with one anywhere ("(45 is also possible)"), or the next sentence naming other candidates."""
    pos = _past_closers(text, end)
    hedge = _AFTER_HEDGE_RE.match(text, pos)
    if hedge is not None:
        return _values(_clause(text, hedge.end()))
    aside = text.find("(", pos, pos + 3)
    if aside >= 0:
        close = text.find(")", aside, aside + 120)
        inner = text[aside + 1 : close] if close > 0 else ""
        if _ASIDE_HEDGE_RE.search(inner) is not None:
            return _values(inner)
    if text[pos : pos + 1] == "." or "\n" in text[end:pos]:  # the answer ends its sentence: read the next one
        following = _clause(text, pos + 1 if text[pos : pos + 1] == "." else pos)
        if _NEXT_HEDGE_RE.search(following) is not None:
            return _values(following)
    return []


def _clause(text: str, start: int) -> str:
    """The text from ``start`` to the end of its sentence or line (at most ``WINDOW_CHARS``)."""
    clause = text[start : start + WINDOW_CHARS]
    stop = min((p for p in (clause.find("\n"), clause.find(". ")) if p >= 0), default=len(clause))
    return clause[:stop]


def _past_closers(text: str, pos: int) -> int:
    """``pos`` moved past the spaces and closing delimiters that end the answer (``}$)``, ``\\)``, ``**``)."""
    ahead = text[pos : pos + 12]
    return pos + len(ahead) - len(ahead.lstrip(_CLOSERS))


def _earlier_box(before: str) -> list[str]:
    """The content of an earlier box of the answer's sentence when hedge words join it to the answer
    (``\\boxed{45} or maybe \\boxed{42}``), else nothing."""
    box = BOX_RE.search(before)
    open_brace = before.find("{", box.end(), box.end() + 4) if box is not None else -1
    if open_brace < 0:
        return []
    close = _group_end(before, open_brace + 1)
    content = before[open_brace + 1 : close - 1].strip()
    return [content] if content and _BEFORE_HEDGE_RE.search(before, close) is not None else []


def _sentence_start(text: str, pos: int) -> int:
    """Where the sentence holding ``pos`` starts (a line break or a full stop before it), at most ``WINDOW_CHARS``
    back."""
    return max(
        text.rfind("\n", 0, pos) + 1,
        text.rfind(". ", 0, pos) + 2,
        text.rfind(".$ ", 0, pos) + 3,
        pos - WINDOW_CHARS,
    )


def _last_box(text: str) -> tuple[int, int] | None:
    """(start, end) of the last ``\\boxed{..}`` / ``\\fbox{..}`` of ``text``."""
    start = max(text.rfind("\\boxed"), text.rfind("\\fbox"))
    open_brace = text.find("{", start, start + 12) if start >= 0 else -1
    if open_brace < 0:
        return None
    return start, _group_end(text, open_brace + 1)


def _locate(text: str, extraction: Extraction) -> tuple[int, int] | None:
    """(start, end) of the extracted answer in ``text``: the last box for a boxed answer, else the answer's first
    place after the last "answer" word (or its last place anywhere)."""
    if extraction.path == PATH_BOXED:
        return _last_box(text)
    answer = extraction.candidates[0] if extraction.candidates else extraction.answer or ""
    marker = _last_answer_word(text)
    if marker >= 0:
        found = _first_occurrence(text, answer, marker)
        if found is not None:
            return found
    return _last_occurrence(text, answer, 0)


def _last_answer_word(text: str) -> int:
    """Where the last word "answer" (not "answers") of ``text`` ends; -1 when there is none."""
    low = text.lower()
    pos = len(low)
    for _attempt in range(16):
        start = low.rfind("answer", 0, pos)
        if start < 0:
            return -1
        if not low[start + 6 : start + 7].isalpha():
            return start + 6
        pos = start
    return -1


def _first_occurrence(text: str, answer: str, begin: int) -> tuple[int, int] | None:
    """(start, end) of the first place after ``begin`` where ``answer`` stands as a whole value."""
    pos = begin
    for _attempt in range(16):
        start = text.find(answer, pos)
        if start < 0:
            return None
        if _whole(text, answer, start):
            return start, start + len(answer)
        pos = start + 1
    return None


def _last_occurrence(text: str, answer: str, begin: int) -> tuple[int, int] | None:
    """(start, end) of the last place ``answer`` stands in ``text`` as a whole value (not inside a longer number or
    word); None when it is not written there as such (extraction rewrote it)."""
    if not answer:
        return None
    pos = len(text)
    for _attempt in range(16):
        start = text.rfind(answer, begin, pos)
        if start < 0:
            return None
        if _whole(text, answer, start):
            return start, start + len(answer)
        pos = start
    return None


def _whole(text: str, answer: str, start: int) -> bool:
    """Whether ``answer`` at ``start`` stands alone (not inside a longer number or word)."""
    end = start + len(answer)
    left = text[start - 1] if start > 0 else " "
    right = text[end : end + 2]
    return not (left.isalnum() or left == "." and answer[0].isdigit()) and not (
        right[:1].isalnum() or right[:1] == "." and right[1:2].isdigit()
    )


def _values(zone: str) -> list[str]:
    """The values written in ``zone`` (boxes, math spans, numbers), at most ``MAX_ALTERNATIVES``."""
    found = []
    for match in _VALUE_RE.finditer(zone):
        value = match.group()
        if value.startswith("\\boxed{"):
            value = value[7:-1]
        value = value.strip()
        if value and value not in found:
            found.append(value)
        if len(found) >= MAX_ALTERNATIVES:
            break
    return found


def _with_alternatives(extraction: Extraction, others: list[str]) -> Extraction:
    """The extraction with ``others`` added to its candidates (the answer text names them all)."""
    base = extraction.candidates or ((extraction.answer,) if extraction.answer else ())
    candidates = tuple(dict.fromkeys((*base, *others)))
    if len(candidates) == len(base):
        return extraction
    return replace(extraction, candidates=candidates)
