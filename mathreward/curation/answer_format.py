"""What a problem asks about its answer's form, and how a rewritten problem is made to say one thing.

- :func:`rounding_request`: the problem asks for a rounded, approximate or estimated value ("to the nearest tenth",
  "rounded to", "two decimal places", "significant figures", "approximately", "estimate"). Such a problem has no
  exact value to rewrite: curation keeps it only when its answer is already an integer, else rejects it.
- :func:`upstream_rewrite_start`: where a dataset's own integer rewrite sentence starts (DAPO-Math-17k's "The answer
  is in the form ..."): the problem before it is held to the same two rules.
- :func:`restate_format`: when an integer rewrite replaces the answer's form, every format instruction of the
  problem goes: an instruction sentence ("Express your answer as a common fraction.") is dropped, a format phrase
  inside a question ("What is $b+c$ (as a decimal)?", "... in simplest radical form?") is cut out, and a conversion
  ("Write $\\frac{3}{20}$ as a decimal.") is restated to point at the new form ("... in the form given below.").

Instructions about units, bases and percent stay: the rewritten answer is still counted in them. Every pattern is a
bounded alternation of literal words (no nested repetition), so the scan is linear in the problem's length.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# -- rounding -----------------------------------------------------------------------------------------------------

_ROUNDED = re.compile(
    r"\bto\s+the\s+nearest\b|\bnearest\s+(?:whole|integer|tenth|hundredth|thousandth|ten-thousandth|cent|dollar|"
    r"percent|degree|minute|second|hour|unit|inch|foot|meter|centimeter)s?\b|\brounded\b|"
    r"\bround(?:ing)?\s+(?:off\s+)?(?:(?:your|the|this|that|each)\s+(?:final\s+)?(?:answer|result|value|number)s?\s+|"
    r"it\s+)?(?:off\s+)?(?:to|up|down)\b|\bdecimal\s+places?\b|\bsignificant\s+(?:figures|digits)\b|"
    r"\bcorrect\s+to\s+(?:one|two|three|four|\d)\b",
    re.IGNORECASE,
)
_APPROXIMATE = re.compile(
    r"\b(?:approximat(?:e|ed|ely|ion|ions|ing)|estimat(?:e|ed|es|ion|ing)|roughly)\b", re.IGNORECASE
)


def rounding_request(problem: str) -> str | None:
    """``"rounded"`` when the problem asks for a rounded value, ``"approximate"`` when it speaks of an approximate
    or estimated value (asked for, or given as data the answer then rests on), else None."""
    if _ROUNDED.search(problem):
        return "rounded"
    if _APPROXIMATE.search(problem):
        return "approximate"
    return None


# -- sentences ----------------------------------------------------------------------------------------------------

_INSTRUCTION_START = re.compile(
    r"(?<=[$)\]};])\s+(?=(?:Please\s+)?(?:Express|Give|Write|Enter|Leave|Present|Put|State|Provide|Answer|Simplify)\b)",
    re.IGNORECASE,
)


def sentences(text: str) -> Iterator[str]:
    """The text cut after ``.``, ``?`` or ``!`` followed by a space or the end (outside ``$...$``, ``\\(...\\)`` and
    ``\\[...\\]``), and before an instruction verb written right after a math span or bracket; the pieces joined
    give the text back."""
    start = 0
    math = ""
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n:
            pair = text[i : i + 2]
            if not math and pair in ("\\(", "\\["):
                math = "\\)" if pair == "\\(" else "\\]"
            elif math == pair:
                math = ""
            i += 2
            continue
        if char == "$":
            if not math:
                math = "$$" if text.startswith("$$", i) else "$"
                i += len(math)
            elif text.startswith(math, i):
                i += len(math)
                math = ""
            else:
                i += 1  # a lone "$" inside another kind of span
            continue
        if not math and char in ".?!" and (i + 1 == n or text[i + 1].isspace() or text[i + 1] == ")"):
            end = i + 1
            if end < n and text[end] == ")":
                end += 1
            yield from _split_instructions(text[start:end])
            start = end
        i += 1
    if start < n:
        yield from _split_instructions(text[start:])


def _split_instructions(piece: str) -> Iterator[str]:
    last = 0
    for match in _INSTRUCTION_START.finditer(piece):
        yield piece[last : match.start()]
        last = match.start()
    yield piece[last:]


# -- format instructions ------------------------------------------------------------------------------------------

_ADJECTIVES = r"(?:(?:common|simplified|reduced|proper|improper|single|simple|terminating|repeating|exact)\s+)*"
_FORMAT_PHRASE = re.compile(
    r"\b(?:as|in|into|to|be)\s+(?:an?\s+)?"
    + _ADJECTIVES
    + r"(?:fraction|decimal)(?:al)?(?:\s+(?:form|number))?(?!\s+of\b)"
    r"(?:\s+in\s+(?:simplest|lowest|reduced)\s+(?:form|terms))?"
    r"|\bin\s+(?:the\s+)?(?:simplest|simplified|simple|lowest|reduced)\s+(?:(?:radical|fractional|fraction|decimal)\s+)?"
    r"(?:form|terms)\b"
    r"|\b(?:as|to|into)\s+an?\s+mixed\s+(?:number|numeral|fraction)\b"
    r"|\bin\s+terms\s+of\s+(?:\$\s*\\pi\s*\$|\\\(\s*\\pi\s*\\\)|\\pi\b|π|pi\b)"
    r"|\bin\s+(?:decimal|fraction(?:al)?|radical)\s+form\b"
    r"|\ban?\s+(?:(?:common|simplified|reduced|proper|improper)\s+)+fraction\b(?!\s+of\b)",
    re.IGNORECASE,
)
_ANSWER_INSTRUCTION = re.compile(  # a sentence whose object is the answer itself
    r"^\W*(?:Please\s+)?(?:(?:Express|Give|Write|Enter|Leave|Present|Put|State|Provide|Simplify|Report)\s+"
    r"(?:(?:your|the)\s+(?:final\s+)?(?:answer|result)s?|it|them)\b|Answer\s+(?:as|in)\b|Your\s+(?:final\s+)?answer\b)",
    re.IGNORECASE,
)
_CONVERSION = re.compile(r"^\W*(?:Please\s+)?(?:Write|Express|Convert|Rewrite|Change|Put|Simplify)\b", re.IGNORECASE)
_IN_THE_FORM = re.compile(r"\bin\s+the\s+form\b", re.IGNORECASE)
_KEEP = re.compile(r"\bpercent|\\%", re.IGNORECASE)  # the rewritten number is still a percent
_WHAT_FRACTION = re.compile(
    r"\b(what|which)\s+(?:(?:simplified|reduced|common)\s+)+fraction\b(?!\s+of\b)", re.IGNORECASE
)
_AROUND_PHRASE = r"(?:,\s*)?(?:\b(?:expressed|written|given|simplified|reduced)\s+)?"
_CLAUSE_CUT = re.compile(  # an instruction clause joined to the question: ", and express your answer as ..."
    r"(?<!\s)\s*(?:,\s*and\s+|and\s+)?(?:express|give|write|leave|present)\s+(?:your|the)\s+(?:final\s+)?"
    r"(?:answer|result)\s+(?:" + _FORMAT_PHRASE.pattern + r")",
    re.IGNORECASE,
)
_CUT = re.compile(  # the phrase, with its parentheses or commas, and "expressed" before it when there
    r"(?<!\s)\s*\(\s*" + _AROUND_PHRASE + r"(?:" + _FORMAT_PHRASE.pattern + r")\s*\)"
    r"|(?<!\s)\s*,\s*" + _AROUND_PHRASE + r"(?:" + _FORMAT_PHRASE.pattern + r")\s*,(?=\s)"
    r"|(?<!\s)\s*" + _AROUND_PHRASE + r"(?:" + _FORMAT_PHRASE.pattern + r")",
    re.IGNORECASE,
)
_LEADING = re.compile(r"^(\s*)(?:" + _FORMAT_PHRASE.pattern + r")\s*,\s*([a-z])", re.IGNORECASE)
_CONDITION = re.compile(r"\b(?:terminating|repeating)\b", re.IGNORECASE)  # "k is a terminating decimal": a property
NEW_FORM = "in the form given below"


_UPSTREAM_REWRITE = re.compile(
    r"\b(?:the|your)\s+(?:original\s+)?answer\s+(?:is|should\s+be|will\s+be|can\s+be\s+written)\s+(?:in|of)\s+"
    r"the\s+form(?:at)?\b",
    re.IGNORECASE,
)


def upstream_rewrite_start(problem: str) -> int | None:
    """Where a rewrite sentence written by the dataset itself starts (DAPO's "The answer is in the form ...,
    please give k + m"), or None: the text before it is the problem, whose own format instructions that rewrite
    already replaced."""
    match = _UPSTREAM_REWRITE.search(problem)
    return match.start() if match else None


def format_phrases(text: str) -> list[str]:
    """The answer-format phrases (``as a common fraction``, ``in simplest radical form``, ...) in a text; a
    property (``as a terminating decimal``) is not one."""
    return [match.group(0) for match in _FORMAT_PHRASE.finditer(text) if not _CONDITION.search(match.group(0))]


def restate_format(problem: str) -> tuple[str, list[str]]:
    """The problem with its answer-format instructions removed or restated for a rewritten answer; returns the new
    text and what was removed or restated (one entry per sentence changed)."""
    out: list[str] = []
    changes: list[str] = []
    for sentence in sentences(problem):
        new = _restate_sentence(sentence)
        if new != sentence:
            changes.append(sentence.strip())
            if not new.strip() and out and out[-1].rstrip().endswith(";"):
                out[-1] = (
                    out[-1].rstrip()[:-1] + "."
                )  # "Find the sum; give your answer as a fraction." -> "Find the sum."
        out.append(new)
    text = "".join(out)
    text = re.sub(r"[ \t]{2,}", " ", text)
    return re.sub(r"\s+\n|\n\s+(?=\S)", "\n", text).strip(), changes


def _restate_sentence(sentence: str) -> str:
    sentence = _WHAT_FRACTION.sub(lambda m: m.group(1) + " number", sentence)  # "equal to what common fraction?"
    has_phrase = _FORMAT_PHRASE.search(sentence) is not None
    stated_form = _IN_THE_FORM.search(sentence) is not None
    if not (has_phrase or stated_form) or _KEEP.search(sentence):
        return sentence
    body = sentence.strip()
    if _ANSWER_INSTRUCTION.match(body):
        return _keep_space(sentence, "")  # "Express your answer as a common fraction." / "(... as a fraction.)"
    if not has_phrase:
        return sentence  # "in the form ..." inside the problem's own statement
    clause_cut = _CLAUSE_CUT.sub("", sentence)  # "Find $x$, and express your answer as a fraction."
    if clause_cut != sentence:
        return clause_cut
    if _CONVERSION.match(body):
        return _FORMAT_PHRASE.sub(lambda m: _new_form(m.group(0)), sentence)  # "Write $x$ as a decimal."
    leading = _LEADING.match(sentence)  # "As an improper fraction, for how long ...?" -> "For how long ...?"
    if leading:
        return leading.group(1) + leading.group(2).upper() + sentence[leading.end() :]
    return _CUT.sub(_cut, sentence)  # "What is $b+c$ (as a decimal)?" -> "What is $b+c$?"


def _cut(match: re.Match[str]) -> str:
    return match.group(0) if _CONDITION.search(match.group(0)) else ""


def _new_form(phrase: str) -> str:
    return "into the form given below" if phrase.lower().startswith(("to", "into")) else NEW_FORM


def _keep_space(sentence: str, replacement: str) -> str:
    """Replace a sentence but keep the whitespace that separated it from the one before."""
    lead = sentence[: len(sentence) - len(sentence.lstrip())]
    return lead + replacement if replacement else (" " if lead else "")
