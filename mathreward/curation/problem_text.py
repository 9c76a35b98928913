"""Problem-text normalisation: Unicode NFC, whitespace, known instruction wrappers, choice blocks, language."""

from __future__ import annotations

import hashlib
import re
import unicodedata

DAPO_PREFIX = (
    "Solve the following math problem step by step. The last line of your response should be of the form "
    "Answer: $Answer (without quotes) where $Answer is the answer to the problem."
)

# Instructions that trainers' prompt templates add; removed wherever they end the problem.
# (?<!\s): a match starts where its spaces start, so a run of spaces is scanned once (linear ``sub``).
_INSTRUCTION_SUFFIXES = [
    re.compile(p, re.IGNORECASE | re.DOTALL)
    for p in (
        r"(?<!\s)\s*Let'?s think step by step and output the final answer within \\boxed\{\}\.?\s*$",
        r"(?<!\s)\s*Let'?s think step by step\.?\s*$",
        r"(?<!\s)\s*Please reason step by step,? and put your final answer within \\boxed\{\}\.?\s*$",
        r"(?<!\s)\s*(?:Please )?(?:put|output|write|present) (?:your|the) final answer (?:with)?in(?:side)? \\boxed\{\}\.?\s*$",
        r"(?<!\s)\s*Return your final response as ['\"]?Final Answer: \\boxed\{<answer>\}['\"]?.*$",
        r"(?<!\s)\s*Remember to put your answer on its own line after \"Answer:\"\.?\s*$",
        r"(?<!\s)\s*The last line of your response should be of the form Answer: \$Answer.*?problem\.\s*$",
    )
]

_TAIL = 800
_SUFFIX_MARKERS = ("step by step", "final answer", "final response", "answer:")

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def strip_template(text: str) -> str:
    """Remove DAPO's prompt template (prefix and suffix) and trainers' instruction suffixes."""
    text = text.strip()
    if text.startswith(DAPO_PREFIX):
        text = text[len(DAPO_PREFIX) :].strip()
    # suffix patterns only ever match the end, so scan just the tail (a long problem costs the same as a short one)
    head, tail = text[:-_TAIL], text[-_TAIL:]
    lowered = tail.lower()
    if not any(marker in lowered for marker in _SUFFIX_MARKERS):
        return text.strip()
    for _ in range(3):
        before = tail
        for pattern in _INSTRUCTION_SUFFIXES:
            tail = pattern.sub("", tail)
        if tail == before:
            break
    return (head + tail).strip()


def normalise_whitespace(text: str) -> str:
    """NFC, unify line endings, trim trailing spaces, collapse runs of spaces and of blank lines."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def normalise_problem(text: str) -> str:
    """The cleaned problem statement (what the template wraps)."""
    return strip_template(normalise_whitespace(text))


def dedup_key(text: str) -> str:
    """Exact-duplicate key: the problem with all whitespace runs collapsed to one space."""
    return " ".join(text.split())


def problem_id(problem: str) -> str:
    """Stable id of a problem: the first 16 hex digits of the SHA-256 of its text with prompt templates removed and
    whitespace collapsed (the bare problem and any rendering of it under a known template give the same id)."""
    return hashlib.sha256(dedup_key(normalise_problem(problem)).encode("utf-8")).hexdigest()[:16]


_OPTION_START = re.compile(r"(?:\$\s*)?(?:\\mathrm\s*\{\s*)?(?:\\text(?:bf|rm)?\s*\{\s*)?\(A\)")


def strip_choice_options(text: str) -> tuple[str, bool]:
    """Remove a trailing multiple-choice block ("(A) 226 (B) 243 ...") left in a problem whose answer is a value.

    Returns (text, removed). Only a block that starts with (A), contains (B) and runs to the end is removed."""
    if "(A)" not in text:
        return text, False
    matches = list(_OPTION_START.finditer(text))
    if not matches:
        return text, False
    start = matches[-1].start() if len(matches) == 1 else matches[0].start()
    block = text[start:]
    if "(B)" not in block or "(C)" not in block or "(A)" in text[:start]:
        return text, False
    head = text[:start].rstrip()
    if head.count("$") % 2 == 1 and head.endswith("$"):
        head = head[:-1].rstrip()
    head = re.sub(r"(\\qquad|\\quad|\\\\|\$\$)\s*$", "", head).rstrip()
    if not head or "(B)" in head:
        return text, False
    return head, True


LANGUAGES = ("en", "zh")  # the tags ``language_of`` gives


def language_of(text: str, threshold: float = 0.1) -> str:
    """ "zh" when CJK characters are at least `threshold` of the letters, else "en"."""
    cjk = len(_CJK.findall(text))
    if cjk == 0:
        return "en"
    letters = sum(1 for ch in text if ch.isalpha())
    return "zh" if cjk / letters >= threshold else "en"
