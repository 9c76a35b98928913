"""Find the final answer in a model response (and unwrap gold answers), fast and safe on hostile text.

Pure Python, no I/O, no sympy. Every scan is linear in the text it looks at, and the text it looks at is bounded:
only the last ``TAIL_CHARS`` characters of a response are searched, box contents longer than ``MAX_BOX_CHARS`` are
ignored, and math spans longer than ``MAX_SPAN_CHARS`` are skipped.

Styles (``extract(response, style)``):

- ``"dapo"``: what follows the last ``Answer:`` (any case, markdown tolerated: ``**Answer:** 34``, ``**Answer**: 34``)
  up to the end of that line, unwrapped from ``$..$``, ``\\(..\\)``, ``\\boxed{..}`` and a trailing period.
- ``"boxed"``: the last ``\\boxed{..}`` / ``\\fbox{..}`` (or ``\\boxed 5``) with balanced braces; boxes that sit
  together at the very end (``\\boxed{(1,2)}, \\boxed{(2,1)}``) are all kept as candidates.
- ``"auto"``: whichever of the two comes last; with neither, the final answer phrase (``The answer is ..``,
  ``**Final Answer**``), else the last math span, else the last number / short expression of the final sentence.
- ``"strict"``: ``"auto"`` without the fallback.

Conventions worth knowing:

- Control characters (NUL, ESC, DEL, C1 codes, ...) are read as spaces, never deleted: ``4\\x002`` is ``4 2`` (two
  numbers), not ``42``.
- A ``!`` right after a digit, ``)`` or ``}`` is a factorial in a box, a math span and an ``Answer:`` line
  (``\boxed{5!}``, ``$5!$``, ``Answer: 5!`` all give ``5!``); in free prose found by the fallback (``The answer is
  7!``, ``So 35!``) it ends the sentence and is dropped. A ``!`` after anything else is always punctuation.
- Letters written against a number belong to it (``Answer: 6ab`` gives ``6ab``); a separate word after the leading
  formula is prose and is cut (``Answer: 34, since ...`` and ``Answer: 5 apples`` give ``34`` and ``5``); deciding
  whether a trailing word is a unit is left to the comparison (``normalize.strip_units``).
- ``read_gold`` repairs one known export artifact of gold answers: a matrix whose row breaks ``\\\\`` lost one
  backslash (``\\begin{pmatrix}6\\3\\-1\\end{pmatrix}``) gets them back; a lone backslash before a digit or a minus
  sign has no other meaning in LaTeX.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .braces import MAX_BOX_CHARS, Box, find_boxes
from .languages import MARKER_WORDS, foreign_value
from .patterns import COMMAND_RE, CONTROL_RE, LONG_WORD_RE
from .turns import answer_region, halve_backslashes

__all__ = [
    "COMPILED_READER",
    "STYLES",
    "Extraction",
    "answer_marker",
    "extract",
    "extract_answer",
    "plain_fallback",
    "plain_fallback_in_python",
    "plain_reading",
    "plain_reading_steps",
    "read_gold",
]

STYLES = ("auto", "strict", "dapo", "boxed")
try:  # the compiled reader of plain_fallback's commonest case (hatch_build.py builds it when a C compiler is there)
    from ._plain_reader import read as _compiled_read
    from ._plain_reader import steps as _compiled_steps

    COMPILED_READER = True
except ImportError:  # a pure-Python install: the same readings, all in Python
    COMPILED_READER = False

    def _compiled_read(response: str, /) -> tuple[int, int, int, int, int, int, int, int, int] | None:
        return None

    def _compiled_steps() -> int:
        return 0


TAIL_CHARS = 32_768  # only the end of a response can hold its final answer
MAX_SPAN_CHARS = 2_048  # same for a math span in the fallback
MAX_ANSWER_CHARS = 1_024  # the final answer text is cut to this length
MAX_LINE_CHARS = 2_048  # an answer line (after "Answer:") is read up to this length
MAX_CANDIDATES = 16
FALLBACK_CHARS = 512  # the fallback reads about this much of the end of a response (further back when it holds no math)
PHRASE_CHARS = 4096  # an answer phrase ("The answer is 5") is looked for this far from the end
MAX_BOUNDARY_CHARS = 2048  # a paragraph, line or sentence start is looked for this far back from where reading starts
MAX_BARE_CHARS = 100  # a response of one word-free token up to this long is read whole
MAX_GLUE_CHARS = 200  # boxes further apart than this are never grouped
MAX_PARTS_GLUE_CHARS = 60  # a gold of several boxes has at most this much text (no digits) between them
SOLUTION_MIN_WORDS = 6  # a gold with this many plain words outside math is a worked solution

PATH_ANSWER_LINE = "answer_line"
PATH_BOXED = "boxed"
PATH_MATH_SPAN = "math_span"
PATH_LAST_NUMBER = "last_number"
PATH_CHOICE_LETTER = "choice_letter"  # a multiple-choice letter the last line opens with or names
PATH_NONE = "none"


@dataclass(frozen=True)
class Extraction:
    """The final answer found in a response.

    ``answer`` is the answer text (None when none was found), ``path`` says how it was found ("answer_line",
    "boxed", "math_span", "last_number" or "none"), ``candidates`` holds each separate answer (one entry normally,
    several when the final answer region holds several boxes; then ``answer == ", ".join(candidates)``).
    """

    answer: str | None
    path: str
    candidates: tuple[str, ...] = ()


NO_ANSWER = Extraction(None, PATH_NONE, ())

# `Answer:` with markdown around it: "Answer:", "**Answer:**", "**Answer**:", "*Answer*:", "Final answer :", "答案："
_ASCII_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}
_ASCII_MARKER_WORDS = tuple(word for word in MARKER_WORDS if word.isascii())
_DAPO_MARKER_WORDS = ("answer", "答案")  # the dapo style reads "Answer:" lines, as verl's DAPO reward does
_ANSWER_COLON_RE = re.compile(r"(?:\*\*|\*|__|_)?(?<![ \t])[ \t]*[:：](?:\*\*|\*|__|_)?")
# Math delimiters for the span scanner; escaped backslashes and dollars come first so they are skipped as tokens.
_DELIM_RE = re.compile(r"\\\\|\\\$|\$\$|\$|\\\(|\\\)|\\\[|\\\]")
# "$ \\begin{pmatrix}..\\end{pmatrix} $": a dollar followed by spaces opens math when a command follows on its line
_SPACED_OPEN_RE = re.compile(r"[ \t]{1,8}\\[A-Za-z]")
# An amount after a "$" that ``_is_currency`` surely reads as math: digits, then neither the end of the text, a line
# end, punctuation, nor a word ("$40 \\times 27$", "$7 + 5$")
_MATH_AMOUNT_RE = re.compile(r"\d{1,30}(?![\d,.\n:;!?]|\Z)(?![ \t]{1,4}[A-Za-z]{2,}(?![A-Za-z]))")
_CLOSER = {"$$": "$$", "$": "$", "\\(": "\\)", "\\[": "\\]"}
# A text without these has no delimiter but "$", "\[" and "\]", each a token of the span scanner by itself: its
# spans are found by ``_quick_spans`` with string searches.
_QUICK_BLOCKERS = ("$$", "\\$", "\\(", "\\)", "\\\\")
# a box, or a backslash pair of those (one compiled search reads a text faster than `in` does for each)
_PLAIN_BLOCKER_RE = re.compile(r"\\(?:boxed|fbox|[\\$()])")
# The verbs ``_stated_value`` reads in free prose (``verb_only``): without one of them it finds nothing.
_COPULA_WORD_RE = re.compile(r"\b(?:is|are|was|were|equals?|becomes?)\b")
_VALUE_CHAR_RE = re.compile(r"[0-9\\$]")  # what a value holds in ASCII text (see ``_has_value``)
# A dollar amount right after a "$": "$5", "$1,000", "$5.50" (bounded digit runs, one way to match).
_AMOUNT_RE = re.compile(r"\d{1,3}(?:,\d{3}){1,6}(?:\.\d{1,8})?(?!\d)|\d{1,30}(?:\.\d{1,8})?(?![\d,])")
_AMOUNT_WORD_RE = re.compile(r"[ \t]{1,4}[A-Za-z]{2,}(?![A-Za-z])")
_PROSE_WORD_RE = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}")
MAX_MATH_WORDS = 4  # "$10 square meters per second$" is math; a sentence of words after an amount is prose
_DIGIT_RE = re.compile(r"[0-9]")
# Phrases that announce a final answer without a colon: "The final answer is", "**Final Answer**", "answer ="
_PHRASE_RE = re.compile(r"\b(?:final\s{1,3}answer|answer)\b", re.IGNORECASE)
_NUMBER_RE = re.compile(r"(?<![\w.])[-−]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)(?:\s?/\s?\d+)?%?")
_PRINTED_ASCII = bytes(code for code in range(128) if CONTROL_RE.match(chr(code)) is None)  # deleted: the others stay
_FACTORIAL_BASE = tuple("0123456789)}")
_MATRIX_BEGIN_RE = re.compile(r"\\begin\{[a-zA-Z]*matrix\*?\}")
_LOST_ROW_BREAK_RE = re.compile(r"(?<![\\A-Za-z])\\(?=[-\d])")
_WORD_RE = re.compile(r"(?<!\\)\b[A-Za-z]{3,}\b")
# A plain word (not a LaTeX command, not a connector or a function name written in plain text)
_PLAIN_WORD_RE = re.compile(
    r"(?<![\\A-Za-z\d])(?!(?:and|or|sqrt|pi|sin|cos|tan|log|ln|exp|mod|inf|infty|deg|i)\b)[A-Za-z']{2,}",
    re.IGNORECASE,
)
_TWO_LETTERS_RE = re.compile(r"[A-Za-z]{2,}")
_CONNECTOR_RE = re.compile(r"\b(?:and|or)\b|[,;]")
_GLUE_RE = re.compile(
    r"\\text\s*\{\s*(?:(?:and|or|,|;)\s*)?\}|\\(?:q?quad|mbox\{\s*(?:(?:and|or)\s*)?\})|\\[,;:! ]|\\\\|\\[()\[\]]"
    r"|\b(?:and|or|for|in|parts?)\b|\(\s*[a-z]\s*\)|\\(?:text|textbf|mbox)\s*\{|\}"
    r"|[A-Za-z](?:_\{?\w{1,3}\}?)?\s*=|[\s$,;&~]",
    re.IGNORECASE,
)
_SENTENCE_CUT_RE = re.compile(r"\.(?:\s+(?=[A-Z]|[A-Za-z\\]{2})|\s*$)")
# The verb of an answer sentence: the value it states follows the last one ("The largest $n$ is 34").
_COPULA_RE = re.compile(r"\b(?:is|are|was|were|equals?|becomes?)\b|(?<![<>!\\])=(?!=)")
# A number right after one of these words is a detail of the sentence, not its value ("14 bags with 2 lollipops").
_DETAIL_WORD_RE = re.compile(
    r"\b(?:with|in|of|for|after|before|per|each|by|from|to|at|on|than|every|into|over|under|within|among|"
    r"step|part|case|problem|question|page|day|week|year)\s*$",
    re.IGNORECASE,
)
_PRICE_TAIL_RE = re.compile(r"(?<=[\d\s])[$€£¥](?:\s.*)?$", re.DOTALL)  # "2,74 $ a..": the sign ends the value
_CONCLUSION_RE = re.compile(r"\b(?:so|thus|hence|therefore|giving|i\.e\.)\s", re.IGNORECASE)
_QUOTES = "\"'“”‘’`"
_MARKDOWN_EDGE = "*_`#> \t\n"
_MARKDOWN_MARKS = _MARKDOWN_EDGE.replace("_", "")
_LABEL_PREFIX = _MARKDOWN_EDGE + "-+•"
_PLAIN_NUMBER_RE = re.compile(r"-?\d{1,64}(?:\.\d{1,64})?")
_FINAL_RE = re.compile(r"final", re.IGNORECASE)
_DIGIT_CHARS = "0123456789"
_BRACKET_PAIR = (("\\[", "\\]"),)
_OPEN_PAIRS = (("\\[", "\\]"), ("\\(", "\\)"))
_RARE_SENTENCE_ENDS = (("! ", "!"), ("? ", "?"), (".\t", "\t"))  # beside "\n" and ". ", with a character each holds
# A span content that starts or ends with none of these comes out of ``_strip_wrappers`` and ``_final_strip`` as it is
# (markdown marks, a leading "=", trailing punctuation; "$" and "\\(" / "\\[" wrappers are looked for apart)
_PLAIN_SPAN_EDGE = _MARKDOWN_EDGE + "="
_PLAIN_SPAN_END = _MARKDOWN_EDGE + ".,;:!"


# ----------------------------------------------------------------------------------------------- public functions


def extract(response: str, style: str = "auto", *, unclosed_think: str = "no_answer") -> Extraction:
    """Find the final answer of ``response`` in the given style ("auto", "strict", "dapo" or "boxed").

    Under every style the response is first cut to its answer region (``turns.answer_region``): chat-template tokens
    and any turn after an end-of-turn marker go, the answer comes from after ``</think>`` and from inside the last
    ``<answer>`` block, and a ``<think>`` that never closes gives no answer (``unclosed_think="read"`` reads it).
    """
    if style not in STYLES:
        raise ValueError(f"unknown extraction style {style!r}; choose from {', '.join(STYLES)}")
    if not isinstance(response, str) or not response:
        return NO_ANSWER
    region = answer_region(response, unclosed_think)
    if not region:
        return NO_ANSWER
    text = CONTROL_RE.sub(" ", region[-TAIL_CHARS:])
    if style == "dapo":
        return _from_answer_line(text, _last_answer_marker(text, _DAPO_MARKER_WORDS))
    if style == "boxed":
        return _from_boxes(text, find_boxes(text))

    marker = _last_answer_marker(text)
    boxes = find_boxes(text)
    by_line = lambda: _from_answer_line(text, marker)  # noqa: E731
    by_box = lambda: _from_boxes(text, boxes)  # noqa: E731
    order = (by_box, by_line) if boxes and (marker is None or boxes[-1][0] > marker.start) else (by_line, by_box)
    for attempt in order:
        found = attempt()
        if found.answer is not None:
            return found
    if style == "strict":
        return NO_ANSWER
    return _fallback(text)


def extract_answer(response: str, style: str = "auto") -> str | None:
    """The final answer text of ``response`` (``extract(response, style).answer``), None when there is none."""
    return extract(response, style).answer


def answer_marker(text: str, words: tuple[str, ...] | None = None) -> tuple[int, int] | None:
    """Where the last ``Answer:`` label of ``text`` sits, as (start of the word, end of the colon and the markdown
    after it), the way every style reads it (``**Answer:**``, ``Final answer:``, ``答案：``); None when there is none.
    ``words``: the label words looked for (default: every language of ``languages.MARKER_WORDS``)."""
    marker = _last_answer_marker(text, words)
    return None if marker is None else (marker.start, marker.end)


def read_gold(gold: str) -> str:
    """Unwrap a gold answer given as ``$..$``, ``\\(..\\)``, ``\\[..\\]``, ``\\boxed{..}`` or ``Answer: ..``.

    A gold that holds a whole solution gives its last box. Plain golds come back stripped.
    """
    if gold is None:
        return ""
    text = CONTROL_RE.sub(" ", str(gold)).strip()
    if len(text) > TAIL_CHARS:
        text = text[-TAIL_CHARS:]
    text = halve_backslashes(text)
    parts = _boxed_parts(text)
    if parts is not None:
        return parts
    if _is_solution(text):
        found = extract(text, "strict")
        if found.answer is not None:
            text = found.answer
    elif text.startswith(("\\boxed{", "\\fbox{")) and not find_boxes(text):
        text = text[text.index("{") + 1 :].strip()  # a box that was never closed: "\\boxed{W(n) = 1"
    for _ in range(4):
        before = text
        marker = _last_answer_marker(text)
        if marker is not None and not _FINAL_RE.sub("", text[: marker.start]).strip(_MARKDOWN_EDGE):
            text = text[marker.end :].strip()  # "Answer: 12", "**Final Answer:** 12"
        boxes = find_boxes(text)
        if boxes:
            found = _from_boxes(text, boxes)
            if found.answer is not None:
                text = found.answer
        text = _strip_wrappers(text.strip())
        if text.endswith(".") and len(text) > 1 and not text.endswith(".."):
            text = text[:-1].rstrip()
        if text == before:
            break
    return repair_matrix_rows(text)


def _boxed_parts(text: str) -> str | None:
    """A short gold made of several boxes ("\\boxed{1} papers and \\boxed{2} bins", "\\boxed{35}, \\boxed{4}"): the
    list of their contents; None for anything else (one box, a worked solution)."""
    boxes = find_boxes(text)
    if len(boxes) < 2 or len(boxes) > MAX_CANDIDATES:
        return None
    outside = _outside(text, boxes)
    between = "".join(outside)
    if len(between) > MAX_PARTS_GLUE_CHARS or any(ch.isdigit() for ch in between):
        return None
    for glue in outside[1:-1]:
        if _TWO_LETTERS_RE.search(glue) is not None and _CONNECTOR_RE.search(glue) is None:
            return None  # "\\boxed{1} no no no \\boxed{2}": words, but nothing that joins two parts
    contents = [_final_strip(_strip_wrappers(content)) for _s, _e, content in boxes]
    return ", ".join(dict.fromkeys(content for content in contents if content))


def _is_solution(text: str) -> bool:
    """A gold that is a worked solution (several words of prose outside math), not an answer."""
    if len(text) < 40:
        return False
    masked = _mask_spans(text, _math_spans(text))
    words = 0
    for _match in _PLAIN_WORD_RE.finditer(masked):
        words += 1
        if words >= SOLUTION_MIN_WORDS:
            return True
    return False


def repair_matrix_rows(text: str) -> str:
    """``\\begin{pmatrix}6\\3\\-1\\end{pmatrix}`` -> rows ``6 \\\\ 3 \\\\ -1`` (row breaks that lost a backslash)."""
    if "\\\\" in text or _MATRIX_BEGIN_RE.search(text) is None:
        return text
    return _LOST_ROW_BREAK_RE.sub(r"\\\\", text)


# ----------------------------------------------------------------------------------------------- Answer: lines


@dataclass(frozen=True)
class _Marker:
    start: int
    end: int


def _last_answer_marker(text: str, words: tuple[str, ...] | None = None) -> _Marker | None:
    """The last ``Answer:`` marker (markdown tolerated), found by scanning backwards from the end; ``words`` are the
    labels looked for (default: every language of ``languages.MARKER_WORDS``)."""
    low = text.lower()
    if len(low) != len(text):  # a few characters lowercase to two ("İ"); keep positions aligned
        low = text.translate(_ASCII_LOWER)
    best: _Marker | None = None
    if words is None:
        words = MARKER_WORDS if not text.isascii() else _ASCII_MARKER_WORDS
    for word in words:
        pos = len(low)
        spelled = word.isascii() or word[0].isalpha() and ord(word[0]) < 0x2E80  # not CJK: whole words, a label
        while True:
            start = low.rfind(word, 0, pos)
            if start < 0 or (best is not None and start < best.start):
                break
            pos = start
            if spelled and start > 0 and (low[start - 1].isalnum() or low[start - 1] == "_"):
                continue
            match = _ANSWER_COLON_RE.match(text, start + len(word))
            if match is not None and (not spelled or _is_answer_label(text, low, start)):
                best = _Marker(start, match.end())
                break
    return best


def _is_answer_label(text: str, low: str, start: int) -> bool:
    """Whether "answer:" at ``start`` labels the answer rather than sits in a sentence ("check our answer: ...").

    A label starts its line (after markdown and an optional "final"), or is capitalised ("Thus, Answer: 5"), or
    follows "final" ("so my final answer: 5").
    """
    if text[start].isupper():
        return True
    line_start = low.rfind("\n", max(0, start - 200), start) + 1
    before = low[line_start:start].strip(_LABEL_PREFIX)
    if before.endswith("final"):
        return True
    return not before


def _from_answer_line(text: str, marker: _Marker | None) -> Extraction:
    if marker is None:
        return NO_ANSWER
    end_of_line = text.find("\n", marker.end, marker.end + MAX_LINE_CHARS)
    rest = text[marker.end : end_of_line if end_of_line >= 0 else marker.end + MAX_LINE_CHARS]
    if not _strip_markdown(rest) and end_of_line >= 0:
        rest = _next_block(text, end_of_line)
    return _clean_answer_text(rest, PATH_ANSWER_LINE)


def _next_block(text: str, start: int) -> str:
    """The first non-empty line after ``start``, or the whole display-math block that starts there."""
    window = text[start : start + MAX_BOX_CHARS]
    stripped = window.lstrip()
    for opener in ("$$", "\\["):
        if stripped.startswith(opener):
            close = stripped.find(_CLOSER[opener], len(opener))
            if close > 0:
                return stripped[: close + len(opener)]
    line_end = stripped.find("\n")
    return stripped if line_end < 0 else stripped[:line_end]


def _clean_answer_text(raw: str, path: str, plain_factorial: bool = True) -> Extraction:
    """Turn the text after an answer marker into the answer: boxes, phrases, math delimiters, markdown, periods.

    ``plain_factorial``: whether a ``!`` after a digit outside math is a factorial (an ``Answer:`` line) or ends a
    sentence (an answer phrase in prose, "The answer is 7!").
    """
    text = _strip_markdown(CONTROL_RE.sub(" ", raw))
    if not text:
        return NO_ANSWER
    if _PLAIN_NUMBER_RE.fullmatch(text):
        return _single(text, path)  # the common case: "Answer: 42"
    if not text.isascii() and "\\boxed" not in text:
        stated = foreign_value(text)  # "Ответ: 15 яблок", "答案：一共 300 分钟"
        if stated is not None:
            return _single(_final_strip(_strip_wrappers(stated)), path)
    boxes = find_boxes(text)
    if boxes:
        found = _from_boxes(text, boxes)
        if found.answer is not None:
            return Extraction(found.answer, path, found.candidates)
    phrase = _PHRASE_RE.search(text)
    if phrase is not None:
        after = _after_phrase(text, phrase.end())
        if after is not None:
            text = after
    cut = _SENTENCE_CUT_RE.search(text)
    if cut is not None and cut.start() > 0:
        text = text[: cut.start()]
    text = _strip_quotes(text)
    if phrase is None:
        stated = _stated_value(text)
        if stated is not None:
            text = stated
    if not plain_factorial:
        text = _final_strip(text, factorial=False)  # punctuation outside math: "is 7!" ends a sentence
    text = _unwrap_math(_strip_markdown(text))
    text = _leading_expression(_strip_trailing_remark(text))
    if _PLAIN_WORD_RE.search(text) and any(ch.isdigit() for ch in text):
        text = _trailing_expression(text) or text  # "It is 34" -> "34"
    text = _final_strip(text)
    return _single(text, path)


def _strip_quotes(text: str) -> str:
    """Remove quotes (plain, escaped or typographic) around the whole answer: ``\\"$12$ and $13$\\"``."""
    text = text.strip()
    for _ in range(3):
        before = text
        if text.startswith('\\"') and text.endswith('\\"') and len(text) > 4:
            text = text[2:-2].strip()
        elif len(text) > 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
            text = text[1:-1].strip()
        if text == before:
            break
    return text


def _stated_value(sentence: str, verb_only: bool = False) -> str | None:
    """The value an answer sentence states, or None when the text is not such a sentence.

    A sentence starts with a word or says "is"/"are"/"equals"/"=" outside math: the value is what follows the last
    such verb ("The largest $n$ is 34", "The volume of $ABCDEFGH$ is 120"); without a verb, the one number or math
    span it holds that is not a detail ("Jane started growing Sphere 3 hours ago").
    """
    spans = _math_spans(sentence)
    masked = _mask_spans(sentence, spans)
    starts_with_word = _PLAIN_WORD_RE.match(masked.lstrip(_MARKDOWN_EDGE)) is not None
    verb = None
    for verb in _COPULA_RE.finditer(masked):  # noqa: B007 - the last one is wanted
        pass
    if verb is not None and verb_only and not verb.group().isalpha():
        verb = None  # free prose: "x = 4, -8" keeps its variable (the comparison reads it)
    if verb is not None and starts_with_word:
        after = sentence[verb.end() :].strip()
        conclusion = None
        for conclusion in _CONCLUSION_RE.finditer(_mask_spans(after, _math_spans(after))):  # noqa: B007
            pass
        if conclusion is not None and _has_value(after[conclusion.end() :]):
            after = after[conclusion.end() :].strip()  # "is 5 times 24, so 120"
        if _has_value(after):
            return after
    if not starts_with_word or verb_only:
        return None
    return _main_value(sentence, spans, masked)


def _last_digit(text: str) -> int:
    """Where the last ASCII digit of ``text`` is; -1 when it has none."""
    return max(map(text.rfind, "0123456789"))


def _verb_before(piece: str, value_at: int) -> bool:
    """``_may_state`` on an ASCII sentence, given ``piece``: the sentence from its start to 8 characters past its
    last value character, which ``value_at`` places (counted from the same start): a verb ``_stated_value`` reads
    that starts at or before it. (A verb cut at the piece's end starts after it, so it never counts.)"""
    verb = _COPULA_WORD_RE.search(piece)
    return verb is not None and verb.start() <= value_at


def _may_state(sentence: str) -> bool:
    """False when ``_stated_value(sentence, verb_only=True)`` is surely None: no verb it reads (masking math never
    makes a word), or, in ASCII text, no digit, backslash or dollar from the first verb on (what follows a verb
    then holds no value)."""
    verb = _COPULA_WORD_RE.search(sentence)
    if verb is None:
        return False
    return not sentence.isascii() or _VALUE_CHAR_RE.search(sentence, verb.start()) is not None


def _has_value(text: str) -> bool:
    if text.isascii():
        return _DIGIT_RE.search(text) is not None or "\\" in text or _math_spans(text) != []
    return any(ch.isdigit() for ch in text) or "\\" in text or _math_spans(text) != []


def _main_value(sentence: str, spans: list[tuple[int, int, str]], masked: str) -> str | None:
    """The one value of a prose sentence: its numbers and math spans that do not follow a detail word
    ("with 2 lollipops", "after 3 days"); None unless exactly one (or all the same) remains."""
    values: list[tuple[int, str]] = [(start, content) for start, _end, content in spans if _has_value(content)]
    values += [(m.start(), m.group()) for m in _NUMBER_RE.finditer(masked)]
    main = [text for start, text in values if _DETAIL_WORD_RE.search(masked[max(0, start - 40) : start]) is None]
    if len(set(main)) == 1:
        return main[0]
    return None


def _strip_trailing_remark(text: str) -> str:
    """Drop a closing remark in parentheses ("34 (in centimeters)"); keep tuples and intervals ("(1, 2)")."""
    body = text.rstrip()
    if not body.endswith(")"):
        return text
    open_pos = body.rfind("(")
    inner = body[open_pos + 1 : -1]
    if open_pos <= 0 or len(inner) > 80 or "\\" in inner or not LONG_WORD_RE.search(inner):
        return text
    kept = body[:open_pos].rstrip()
    return kept if kept else text


def _after_phrase(text: str, pos: int) -> str | None:
    """Text after "answer" when it is followed by "is"/"="/":" (markdown allowed), else None."""
    rest = text[pos : pos + MAX_ANSWER_CHARS + 64].lstrip("*_ \t")
    low = rest[:3].lower()
    if low.startswith("is") and (len(rest) == 2 or not rest[2].isalpha()):
        rest = rest[2:]
    elif rest[:1] in ("=", ":", "："):
        rest = rest[1:]
    else:
        return None
    return rest.lstrip("*_ \t:")


def _unwrap_math(text: str) -> str:
    """Remove math delimiters: a single span gives its content; spans joined by glue keep the glue ("3, 4")."""
    text = _strip_wrappers(text)
    spans = _math_spans(text)
    if not spans:
        return text
    outside_text = "".join(_outside(text, spans))
    if len(spans) == 1 and _WORD_RE.search(COMMAND_RE.sub("", outside_text)):
        return spans[0][2].strip()  # "$34$ dollars", "is $5$ apples": the span is the answer
    if _WORD_RE.search(COMMAND_RE.sub("", _GLUE_RE.sub(" ", outside_text))):
        return ", ".join(content.strip() for _s, _e, content in spans)
    pieces = []
    previous = 0
    for start, end, content in spans:
        pieces.append(text[previous:start])
        pieces.append(content)
        previous = end
    pieces.append(text[previous:])
    return "".join(pieces).strip()


def _strip_wrappers(text: str) -> str:
    """Remove wrappers that enclose the whole text: markdown, $$..$$, $..$, \\(..\\), \\[..\\], repeatedly."""
    for _ in range(4):
        before = text
        text = _strip_markdown(text)
        for opener, closer in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
            if len(text) >= len(opener) + len(closer) and text.startswith(opener) and text.endswith(closer):
                inner = text[len(opener) : -len(closer)]
                if opener not in inner.replace("\\$", "") or opener in ("\\(", "\\["):
                    text = inner.strip()
                    break
        if text == before:
            break
    return text


def _strip_markdown(text: str) -> str:
    """Remove bold/italic/code/heading marks around the text; underscores only in pairs (``__34__``)."""
    text = text.strip(_MARKDOWN_MARKS)
    if text[:1] == "_" and text[-1:] == "_":
        for pair in ("__", "_"):
            if len(text) > 2 * len(pair) and text.startswith(pair) and text.endswith(pair):
                text = text[len(pair) : -len(pair)].strip(_MARKDOWN_MARKS)
    return text


def _final_strip(text: str, factorial: bool = True) -> str:
    """Drop markdown, currency dollars, a leading ``=`` and trailing punctuation; with ``factorial`` a ``!`` (or
    ``!!``, a double factorial) right after a digit, ``)`` or ``}`` is kept; three or more are emphasis."""
    text = _strip_markdown(text)
    text = text.replace("\\$", "")  # an escaped dollar is a currency sign
    if text.count("$") == 1:
        text = text.replace("$", "").strip()  # a stray delimiter ("Answer: $12") or a price sign
    end = len(text)
    while end and text[end - 1] in ".,;:!":
        if end >= 2 and text[end - 2] == "\\":
            end = _rstrip_end(text, end - 2)  # a trailing spacing command ("0.25\\,") is not punctuation
            continue
        if factorial and text[end - 1] == "!":
            base_end = end - 1
            while base_end and text[base_end - 1] == "!":
                base_end -= 1
            if end - base_end <= 2 and base_end and text[base_end - 1] in _FACTORIAL_BASE:
                break  # "5!", "5!!"; a longer run ("5!!!") is emphasis
            end = _rstrip_end(text, base_end)
            continue
        end = _rstrip_end(text, end - 1)
    text = text[:end]
    text = text.strip()
    if text.startswith("=") and len(text) > 1:
        text = text[1:].strip()
    return text[:MAX_ANSWER_CHARS]


def _rstrip_end(text: str, end: int) -> int:
    """The end of ``text[:end].rstrip()`` without copying (trailing punctuation is stripped one index at a time)."""
    while end and text[end - 1].isspace():
        end -= 1
    return end


def _single(text: str, path: str) -> Extraction:
    text = CONTROL_RE.sub(" ", text).strip()[:MAX_ANSWER_CHARS]
    if not text:
        return NO_ANSWER
    return Extraction(text, path, (text,))


# ----------------------------------------------------------------------------------------------- boxes


def _from_boxes(text: str, boxes: list[Box]) -> Extraction:
    """The last box, together with the boxes that sit right before it (joined only by commas, "and", "or", $)."""
    if not boxes:
        return NO_ANSWER
    group = [boxes[-1]]
    for box in reversed(boxes[:-1]):
        glue = text[box[1] : group[-1][0]]
        if len(group) >= MAX_CANDIDATES or len(glue) > MAX_GLUE_CHARS or _GLUE_RE.sub("", glue):
            break
        group.append(box)
    candidates: list[str] = []
    for _start, _end, content in reversed(group):
        cleaned = _final_strip(_strip_wrappers(CONTROL_RE.sub(" ", content)))
        if cleaned and cleaned not in candidates:
            candidates.append(cleaned)
    if not candidates:
        return NO_ANSWER
    return Extraction(", ".join(candidates), PATH_BOXED, tuple(candidates))


# ----------------------------------------------------------------------------------------------- free-form fallback


def _is_currency(text: str, end: int) -> bool:
    """Whether the ``$`` just before ``end`` is a price sign, not a math opener: an amount follows ("costs $5",
    "$1,000", "$5.50 each", "$5. Then") and the text does not go on to close it as math ("$5$", "$5 + 3 = 8$",
    "$10 cm$" stay math)."""
    amount = _AMOUNT_RE.match(text, end)
    if amount is None:
        return False
    after = amount.end()
    if after >= len(text) or text[after] == "\n":
        return True
    char = text[after]
    if char in ".,;:!?":
        following = text[after + 1 : after + 3].lstrip(" \t")
        return after + 1 >= len(text) or (text[after + 1].isspace() and not following[:1].isdigit())
    if _AMOUNT_WORD_RE.match(text, after) is None:
        return False
    closer = text.find("$", after)
    if closer < 0:
        return True
    between = text[after:closer]
    if text[closer - 1].isspace() or "\n" in between or ". " in between:
        return True
    return len(_PROSE_WORD_RE.findall(between, 0, 400)) > MAX_MATH_WORDS


def _math_spans(text: str) -> list[tuple[int, int, str]]:
    """Math spans ($$..$$, $..$, \\(..\\), \\[..\\]) as (start, end, content); one linear pass.

    A single ``$`` opens only before a non-space and closes only after a non-space when no digit follows, so
    prices ("costs $5 and $6") are not read as math.
    """
    if "$" not in text and "\\(" not in text and "\\[" not in text:
        return []  # no opener: no span (a quick look, in C)
    spans = []
    open_token = None
    open_start = 0
    spaced = False
    for match in _DELIM_RE.finditer(text):
        token = match.group()
        if token in ("\\\\", "\\$"):
            continue
        start, end = match.span()
        if open_token is None:
            if token not in _CLOSER:
                continue
            spaced = token == "$" and end < len(text) and text[end].isspace()
            if token == "$" and (end >= len(text) or (text[end].isspace() and not _SPACED_OPEN_RE.match(text, end))):
                continue
            if token == "$" and _is_currency(text, end):
                continue
            open_token, open_start = token, start
            continue
        if token != _CLOSER[open_token]:
            continue
        if token == "$" and ((text[start - 1].isspace() and not spaced) or (end < len(text) and text[end].isdigit())):
            continue
        content = text[open_start + len(open_token) : start]
        if content.strip() and len(content) <= MAX_SPAN_CHARS:
            spans.append((open_start, end, content.strip()))
        open_token = None
    return spans


def _fallback_start(text: str, answer_free: bool = False, brackets_only: bool = False) -> int:
    """Where the fallback starts reading ``text``: at the start of a paragraph (else of a line, else of a sentence)
    about ``FALLBACK_CHARS`` before the end; ``PHRASE_CHARS`` before it when an "answer" phrase may lie there (not
    when the caller knows the text holds no "answer": ``answer_free``); four times further back, again and again,
    while what it would read holds no digit. ``brackets_only``: the caller knows the text holds no ``$$``, ``\\(``
    or ``\\)`` (then only a ``\\[`` can be open)."""
    n = len(text)
    size = FALLBACK_CHARS
    if n <= size:
        return 0
    if not answer_free and "answer" in text[-PHRASE_CHARS:].lower():
        size = PHRASE_CHARS
    while True:
        start = _outside_display(text, _boundary_before(text, n - size), brackets_only)
        if start == 0 or _DIGIT_RE.search(text, start) is not None:
            return start
        size *= 4


def _outside_display(text: str, start: int, brackets_only: bool = False) -> int:
    """``start``, moved back before any display or parenthesised math (``$$..$$``, ``\\[..\\]``, ``\\(..\\)``) still
    open there (its opener's paragraph start), so the span scanner reads the tail as it reads the whole text. The
    delimiters before ``start`` are counted with string methods, never walked. ``brackets_only``: the text holds no
    ``$$``, ``\\(`` or ``\\)`` (their looks would find nothing)."""
    pairs = _BRACKET_PAIR if brackets_only else _OPEN_PAIRS
    for _ in range(8):
        back = start
        if not brackets_only and text.count("$$", 0, back) % 2:
            back = text.rfind("$$", 0, back)
        for opener, closer in pairs:
            opened = text.rfind(opener, 0, back)
            if opened > text.rfind(closer, 0, back):
                back = opened
        if back == start:
            return start
        start = _boundary_before(text, back)
    return 0


def _boundary_before(text: str, pos: int) -> int:
    """The start of the paragraph, else the line, else the sentence that holds ``pos`` (looking back at most
    ``MAX_BOUNDARY_CHARS``); 0 when there is none (or ``pos`` <= 0). A math span never crosses a blank line, and
    the fallback's sentences never cross a line or a sentence end, so reading from there reads what a reading from
    the start would."""
    if pos <= 0:
        return 0
    low = max(0, pos - MAX_BOUNDARY_CHARS)
    for separator in ("\n\n", "\n", ". "):
        found = text.rfind(separator, low, pos)
        if found >= 0:
            return found + len(separator)
    return 0


def _fallback(text: str) -> Extraction:
    """No `Answer:` line and no box: an answer phrase, else the last math span, else the last number or expression.

    Only the last sentence that holds math (a span or a number) is looked at, so a number earlier in the reasoning
    never stands in for the final answer; and only the end of the text is read (``_fallback_start``), so a long
    response without an answer costs about what one with an answer costs.
    """
    start = _fallback_start(text)
    return _fallback_on(text[start:] if start else text, text)


def plain_fallback(response: str) -> Extraction | None:
    """``plain_fallback_in_python(response)``, its commonest readings made by the compiled reader when the package
    has it (``COMPILED_READER``): the last math span of the last sentence that holds math, or that sentence's
    trailing expression when it holds no span, read in C step for step as below (``_plain_reader.c``;
    ``hatch_build.py`` compiles it at install when a C compiler is there). Every other reading, and every text the
    compiled reader does not follow, is made in Python."""
    found = plain_reading(response)
    if found is not None:
        answer = response[found[0] : found[1]]
        return Extraction(answer, PATH_LAST_NUMBER if found[2] else PATH_MATH_SPAN, (answer,))
    return plain_fallback_in_python(response)


def plain_reading(response: str) -> tuple[int, int, int, int, int, int, int, int, int] | None:
    """The compiled reader's reading of a plain response cut without an answer (None without the compiled reader):
    ``(start, end, last_number, place, last_digit, closers_end, aside, clause, clause_end)`` when ``plain_fallback``
    reads ``response[start:end]`` as the answer, on path ``last_number`` when that is 1 (the final sentence's
    trailing expression) else ``math_span`` (its last math span), and the text holds nothing
    ``commitment.visible_text`` would hide.
    ``place`` is -1 when ``commitment.plain_review``'s first steps already say the answer stands (the response ends
    on it, or it is not written whole), else the end of its last whole place; the rest is what the review looks at
    after it (``commitment.answer_stands_read``). None for any other text or reading: the Python code reads those."""
    return _compiled_read(response) if type(response) is str else None


def plain_reading_steps() -> int:
    """The characters the compiled reader's last ``plain_reading`` looked at (0 without the compiled reader): the
    tests' scanner pump counts them to pin that its work grows like the text."""
    return _compiled_steps()


def plain_fallback_in_python(response: str) -> Extraction | None:
    """``extract(response, "auto")`` for a plain response that holds no answer: ASCII, no chat token or tag (no
    ``<``), no doubled backslash, no control character, no answer label and no box, so that extraction goes straight
    to the fallback; and a fallback tail whose only math delimiters are ``$``, ``\\[`` and ``\\]`` (its spans are
    then found by string searches, ``_quick_spans``, instead of the scanner, and the commonest reading of them is made
    by ``_plain_on``). None for any other response: ``extract`` decides it. The fast lane answers rows cut without an
    answer with it."""
    if not response or len(response) > TAIL_CHARS or not response.isascii() or "<" in response:
        return None
    blocker = _PLAIN_BLOCKER_RE.search(response)  # one pass for the backslash pairs below
    if blocker is not None and (
        "\\boxed" in response or "\\fbox" in response or halve_backslashes(response) is not response
    ):
        return None
    brackets_only = blocker is None and "$$" not in response  # no "$$", "\\(", "\\)", "\\$" or "\\\\" anywhere
    if response.encode("ascii").translate(None, _PRINTED_ASCII):  # a control character (read as a space)
        return None
    low = response.lower()
    if "answer" in low or (":" in response and any(word in low for word in _ASCII_MARKER_WORDS)):
        return None  # an answer phrase, or a label (a label needs its colon)
    start = _fallback_start(response, answer_free=True, brackets_only=brackets_only)
    tail = response[start:] if start else response
    if not brackets_only and any(map(tail.__contains__, _QUICK_BLOCKERS)):
        return None
    return _plain_on(tail, response, _quick_spans(tail))


def _plain_on(text: str, whole: str, spans: list[tuple[int, int, str]]) -> Extraction:
    """``_fallback_on(text, whole, spans, answer_free=True)`` for a plain ASCII tail (see ``plain_fallback``), its
    commonest reading done here: the last math span, when it lies in the last sentence that holds math and no verb
    of that sentence may state another value; every other reading by ``_fallback_on`` itself."""
    if not spans:
        return _fallback_on(text, whole, spans, answer_free=True)
    masked = _mask_spans(text, spans)
    last_digit = max(map(masked.rfind, _DIGIT_CHARS))
    start, end, content = spans[-1]
    sentence_start = _sentence_start(masked, start if end > last_digit else last_digit)
    if end <= last_digit and text.startswith(("$$", "\\["), start):
        sentence_start = max(sentence_start, end)  # display math ends a sentence
    value_end = max(last_digit, text.rfind("$"), text.rfind("\\"))
    if start < sentence_start or (
        value_end >= sentence_start and _verb_before(text[sentence_start : value_end + 8], value_end - sentence_start)
    ):
        return _fallback_on(text, whole, spans, answer_free=True)
    if (
        len(content) <= MAX_ANSWER_CHARS
        and content[0] not in _PLAIN_SPAN_EDGE
        and content[-1] not in _PLAIN_SPAN_END
        and "$" not in content
        and not content.startswith(("\\(", "\\["))
    ):
        return Extraction(content, PATH_MATH_SPAN, (content,))  # nothing for the clean-up below to take off
    return _single(_final_strip(_strip_wrappers(content)), PATH_MATH_SPAN)


def _quick_spans(text: str) -> list[tuple[int, int, str]]:
    """``_math_spans(text)`` for a text without ``_QUICK_BLOCKERS``, with string searches from delimiter to delimiter
    (the same rules: see ``_math_spans``)."""
    spans = []
    n = len(text)
    pos = 0
    dollar = text.find("$")
    display = text.find("\\[")
    while dollar >= 0 or display >= 0:
        if display >= 0 and (dollar < 0 or display < dollar):
            close = text.find("\\]", display + 2)
            if close < 0:
                break  # never closed: the rest is inside it
            content = text[display + 2 : close]
            pos = close + 2
            start = display
        else:
            after = dollar + 1
            if after >= n:
                break
            char = text[after]
            spaced = char.isspace()
            if spaced and not _SPACED_OPEN_RE.match(text, after):
                dollar = text.find("$", after)
                continue
            if char.isdigit() and _MATH_AMOUNT_RE.match(text, after) is None and _is_currency(text, after):
                dollar = text.find("$", after)  # (a price needs a digit after its sign)
                continue
            close = text.find("$", after)
            while close >= 0 and ((text[close - 1].isspace() and not spaced) or text[close + 1 : close + 2].isdigit()):
                close = text.find("$", close + 1)
            if close < 0:
                break
            content = text[after:close]
            pos = close + 1
            start = dollar
        if len(content) <= MAX_SPAN_CHARS:
            content = content.strip()
            if content:
                spans.append((start, pos, content))
        if 0 <= dollar < pos:  # (-1: none after an earlier look, so none after pos either)
            dollar = text.find("$", pos)
        if 0 <= display < pos:
            display = text.find("\\[", pos)
    return spans


def _fallback_on(
    text: str, whole: str, spans: list[tuple[int, int, str]] | None = None, answer_free: bool = False
) -> Extraction:
    """The fallback on ``text``, the end of the response ``whole`` (the same string when it is short); ``spans``:
    the math spans of ``text`` when they are known; ``answer_free``: the caller knows "answer" is not in it."""
    if spans is None:
        spans = _math_spans(text)
    phrase = None if answer_free else _last_phrase(text, spans)
    if phrase is not None:
        return phrase
    if not whole.isascii():
        stated = foreign_value(whole)  # "所以一共是 300 分钟", "Il y a 100 élèves donc 25 %"
        if stated is not None:
            path = PATH_MATH_SPAN if stated.startswith("$") else PATH_LAST_NUMBER
            return _single(_final_strip(_strip_wrappers(stated), factorial=False), path)
    bare = whole.strip() if not spans else ""
    if not spans and len(bare) <= MAX_BARE_CHARS and not any(ch.isspace() for ch in bare):
        whole = _final_strip(bare, factorial=False)
        if whole and any(ch.isdigit() for ch in whole):
            return _single(whole, PATH_LAST_NUMBER)  # a response that is one formula: "W(x)=1orW(x)=-1"
    masked = _mask_spans(text, spans)
    last_digit = _last_digit(masked)
    if not spans and last_digit < 0:
        return NO_ANSWER
    anchor_start = spans[-1][0] if spans and spans[-1][1] > last_digit else last_digit
    sentence_start = _sentence_start(masked, anchor_start)
    if spans and spans[-1][1] <= last_digit and text.startswith(("$$", "\\["), spans[-1][0]):
        sentence_start = max(sentence_start, spans[-1][1])  # display math ends a sentence
    sentence_text = text[sentence_start:].strip().rstrip(".")
    if text.isascii():  # the last value character: a digit outside math, or the "$" / "\\" of a span
        value_end = max(last_digit, text.rfind("$"), text.rfind("\\"))
        may_state = value_end >= sentence_start and _verb_before(
            text[sentence_start : value_end + 8], value_end - sentence_start
        )
    else:
        may_state = _may_state(sentence_text)
    stated = _stated_value(sentence_text, verb_only=True) if may_state else None
    if stated is not None:  # "The largest $n$ is 34."
        found = _clean_answer_text(stated, PATH_LAST_NUMBER, plain_factorial=False)
        if found.answer is not None:
            path = PATH_MATH_SPAN if _math_spans(stated) else PATH_LAST_NUMBER
            return Extraction(found.answer, path, found.candidates)
    if spans and spans[-1][0] >= sentence_start:
        return _single(_final_strip(_strip_wrappers(spans[-1][2])), PATH_MATH_SPAN)
    sentence = masked[sentence_start:]
    expression = _trailing_expression(sentence.strip(), factorial=False)
    if expression is not None:
        return _single(expression, PATH_LAST_NUMBER)
    numbers = list(_NUMBER_RE.finditer(sentence))
    if not numbers:
        return NO_ANSWER
    main = [m for m in numbers if _DETAIL_WORD_RE.search(sentence[max(0, m.start() - 40) : m.start()]) is None]
    number = (main or numbers)[-1]
    return _single(_final_strip(number.group().replace("−", "-"), factorial=False), PATH_LAST_NUMBER)


def _last_phrase(text: str, spans: list[tuple[int, int, str]]) -> Extraction | None:
    """The answer announced by the last "the answer is", "final answer =" or "**Final Answer**" phrase."""
    offset = max(0, len(text) - PHRASE_CHARS)
    low = text[offset:].lower()
    if len(low) != len(text) - offset:
        low = text[offset:].translate(_ASCII_LOWER)
    pos = len(low)
    for _ in range(8):
        start = low.rfind("answer", 0, pos)
        if start < 0:
            break
        pos = start
        end = start + len("answer")
        if (start > 0 and (low[start - 1].isalnum() or low[start - 1] == "_")) or (
            end < len(low) and (low[end].isalnum() or low[end] == "_")
        ):
            continue  # "answers", "reanswer"
        if any(s <= offset + start < e for s, e, _c in spans):
            continue  # "answer" inside a math span
        after = _phrase_answer(text, offset + start, offset + end)
        if after is None:
            continue
        found = _clean_answer_text(after, PATH_MATH_SPAN, plain_factorial=False)
        if found.answer is None:
            continue
        path = PATH_MATH_SPAN if _math_spans(after) or find_boxes(after) else PATH_LAST_NUMBER
        return Extraction(found.answer, path, found.candidates)
    return None


def _phrase_answer(text: str, start: int, end: int) -> str | None:
    """Text announced by the phrase at text[start:end] ("answer"), or None when it is not an announcement.

    Either "answer is / = / :" followed by the answer on the same line, or a heading line ("**Final Answer**",
    "### Final Answer") followed by the answer in the next block.
    """
    rest = text[end : end + MAX_SPAN_CHARS + 64]
    head = rest.lstrip("*_ \t#:")
    if head.startswith("\n") or not head.strip():
        line_start = text.rfind("\n", 0, start) + 1
        before = _strip_markdown(text[line_start:start]).lower().strip()
        if before not in ("", "final", "the final", "the", "my final", "my"):
            return None  # "to find the answer\nwe compute" is not a heading
        return _next_block(rest, len(rest) - len(head)) if head.strip() else None
    after = _after_phrase(text, end)
    if after is None:
        return None
    line_end = after.find("\n")
    return after if line_end < 0 else after[:line_end]


def _outside(text: str, spans: Sequence[tuple[int, int, str]]) -> list[str]:
    """The pieces of ``text`` before, between and after the (ordered) spans or boxes."""
    pieces = []
    previous = 0
    for start, end, _content in spans:
        pieces.append(text[previous:start])
        previous = end
    pieces.append(text[previous:])
    return pieces


def _mask_spans(text: str, spans: list[tuple[int, int, str]]) -> str:
    if not spans:
        return text
    pieces = []
    previous = 0
    for start, end, _content in spans:
        pieces.append(text[previous:start])
        pieces.append(" " * (end - start))
        previous = end
    pieces.append(text[previous:])
    return "".join(pieces)


def _sentence_start(masked: str, pos: int) -> int:
    """Start of the sentence holding ``pos`` (after the last newline or sentence-ending punctuation before it)."""
    low = max(0, pos - 1024)
    start = max(low, masked.rfind("\n", low, pos) + 1)  # (not found: -1 + 1 is at most low)
    found = masked.rfind(". ", low, pos)
    if found >= 0:
        start = max(start, found + 2)
    for separator, mark in _RARE_SENTENCE_ENDS:
        if mark in masked:  # (a one-character look first: most texts hold none of these)
            found = masked.rfind(separator, low, pos)
            if found >= 0:
                start = max(start, found + 2)
    return start


def _trailing_expression(sentence: str, factorial: bool = True) -> str | None:
    """The formula that ends the final sentence ("so x = 4, -8, -10", "it is 2\\sqrt{3}"), else None.

    ``factorial``: whether a final ``!`` after a digit is a factorial (see ``_final_strip``)."""
    last_word_end = 0
    for match in _PLAIN_WORD_RE.finditer(sentence):
        last_word_end = match.end()
    candidate = _PRICE_TAIL_RE.sub("", sentence[last_word_end:].lstrip(" :'"))
    candidate = _final_strip(candidate, factorial=factorial)
    if not candidate or len(candidate) > 60 or not any(ch.isdigit() for ch in candidate):
        return None
    if candidate.count("{") != candidate.count("}") or candidate.count("(") < candidate.count(")"):
        return None
    return candidate.replace("−", "-")


def _leading_expression(text: str) -> str:
    """Cut words that follow a leading formula ("5 apples" -> "5", "\\frac{1}{2} dollars" -> "\\frac{1}{2}").

    A word written against the formula is part of it ("6ab", "2xy", "5cm" stay whole)."""
    braces = parens = 0  # the balance of the text before the word looked at, counted once (one linear pass)
    digit = False
    counted = 0
    for match in _PLAIN_WORD_RE.finditer(text):
        start = match.start()
        if start > 0 and (text[start - 1].isdigit() or text[start - 1] == "}"):
            continue
        piece = text[counted:start]
        counted = start
        braces += piece.count("{") - piece.count("}")
        parens += piece.count("(") - piece.count(")")
        digit = digit or any(ch.isdigit() for ch in piece)
        if braces or parens:
            continue
        if digit:
            return text[:start].strip()
        return text
    return text
