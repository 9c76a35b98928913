"""verl's ``math_dapo.compute_score`` reproduced number for number, quirks included (reward name ``dapo-verl``).

For users reproducing DAPO runs: the reward looks only at the last 300 characters of the response, takes the last
``Answer: ...`` match (case-insensitive), applies Minerva's ``normalize_final_answer`` to prediction and gold, and
compares the two strings exactly: +1.0 / -1.0. Written from verl's behaviour (volcengine/verl,
verl/utils/reward_score/math_dapo.py); ``tests/test_rewards_dapo_verl.py`` pins every quirk:

- false negatives: ``**Answer:** 34`` (pred ``**34``), ``34.0``, ``034``, ``\\(34\\)``, Unicode minus, a boxed answer
  without an ``Answer:`` line (pred ``[INVALID]``);
- false positive: ``Answer: 3, 4`` against 34 (spaces are deleted, then the commas of an all-digit string);
- an ``Answer:`` line further back than 300 characters is not seen.

Two versions: ``version="recipe"`` (default) is the function the DAPO recipe was run with, and the quirks above are
its; ``version="0.9"`` is verl 0.9.x (checked against verl 0.9.1), which falls back, when no ``Answer:`` line is found,
to the last ``\\boxed{}`` of the final 100 characters compared as a raw string (so ``\\boxed{34}`` alone scores +1).

Everything here is plain string work on at most 300 response characters, so it runs in-process with no pool.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from mathreward.rewards.base import Reward, RewardResult, check_batch
from mathreward.verifiers.turns import strip_end_of_turn

INVALID = "[INVALID]"
RESPONSE_TAIL_CHARS = 300
STRICT_BOX_TAIL_CHARS = 100
ANSWER_PATTERN = r"(?i)Answer\s*:\s*([^\n]+)"

# Minerva's normalisation tables (lm-evaluation-harness hendrycks_math), applied in this order by verl.
_REPLACEMENTS: tuple[tuple[str, str], ...] = (
    ("an ", ""),
    ("a ", ""),
    (".$", "$"),
    ("\\$", ""),
    ("\\ ", ""),
    (" ", ""),
    ("mbox", "text"),
    (",\\text{and}", ","),
    ("\\text{and}", ","),
    ("\\text{m}", "\\text{}"),
)
_DELETIONS: tuple[str, ...] = (
    "square", "ways", "integers", "dollars", "mph", "inches", "hours", "km", "units", "\\ldots", "sue", "points",
    "feet", "minutes", "digits", "cents", "degrees", "cm", "gm", "pounds", "meters", "meals", "edges", "students",
    "childrentickets", "multiples", "\\text{s}", "\\text{.}", "\\text{\ns}", "\\text{}^2", "\\text{}^3", "\\text{\n}",
    "\\text{}", "\\mathrm{th}", "^\\circ", "^{\\circ}", "\\;", ",\\!", "{,}", '"', "\\dots",
)  # fmt: skip
# (pattern, replacement) regex rewrites, in order: keep the first $...$ span, unwrap \text \textbf \overline \boxed,
# then expand the shorthand \fracab and \sqrta.
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    # verl's "(.*?)(\$)(.*?)(\$)(.*)" read line by line, written so that each line is scanned once
    (re.compile(r"^([^$\n]*)(\$)([^$\n]*)(\$)(.*)", re.MULTILINE), r"$\3$"),
    (re.compile(r"(\\text\{)(.*?)(\})"), r"\2"),
    (re.compile(r"(\\textbf\{)(.*?)(\})"), r"\2"),
    (re.compile(r"(\\overline\{)(.*?)(\})"), r"\2"),
    (re.compile(r"(\\boxed\{)(.*)(\})"), r"\2"),
    (re.compile(r"(frac)([^{])(.)"), r"frac{\2}{\3}"),
    (re.compile(r"(sqrt)([^{])"), r"sqrt{\2}"),
)
_ANSWER_RE = re.compile(ANSWER_PATTERN)


def normalize_final_answer(text: str) -> str:
    """Minerva's answer normalisation as verl applies it (keeps its quirks: ``034`` and ``34.0`` stay as they are)."""
    text = text.split("=")[-1]
    for old, new in _REPLACEMENTS:
        text = text.replace(old, new)
    for word in _DELETIONS:
        text = text.replace(word, "")
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    text = text.replace("$", "")
    without_commas = text.replace(",", "")
    if without_commas.isdigit():
        text = without_commas
    return text.strip()


def last_boxed(text: str) -> str | None:
    """The last ``\\boxed{...}`` of ``text`` including the wrapper (braces counted from there), or None."""
    start = text.rfind("\\boxed{")
    if start < 0:
        return None
    depth = 0
    for pos in range(start, len(text)):
        if text[pos] == "{":
            depth += 1
        elif text[pos] == "}":
            depth -= 1
            if depth == 0:
                return text[start : pos + 1]
    return None


def _unbox(boxed: str) -> str:
    prefix = "\\boxed{"
    if not (boxed.startswith(prefix) and boxed.endswith("}")):
        raise ValueError(f"not a boxed expression: {boxed[:80]!r}")
    return boxed[len(prefix) : -1]


def minerva_match(solution: str, gold: str, gold_is_boxed: bool = False) -> tuple[bool, str]:
    """verl's ``is_correct_minerva``: last ``Answer:`` match, both sides normalised, exact string equality."""
    found = _ANSWER_RE.findall(solution)
    pred = normalize_final_answer(found[-1] if found else INVALID)
    if gold_is_boxed:
        boxed = last_boxed(gold)
        if boxed is None:
            raise ValueError(f"gold has no \\boxed{{}}: {gold[:80]!r}")
        gold = _unbox(boxed)
    return pred == normalize_final_answer(gold), pred


def strict_box_match(
    solution: str, gold: str, pause_tokens_index: Sequence[int] | None = None
) -> tuple[bool, str | None]:
    """verl's ``is_correct_strict_box``: the last box of the final 100 characters equals the raw gold string.

    The prediction is None when there is no complete box (verl 0.9 reports None; the recipe version ``[INVALID]``).
    """
    if pause_tokens_index is not None:
        if len(pause_tokens_index) != 4:
            raise ValueError("pause_tokens_index must have 4 entries")
        solution = solution[pause_tokens_index[-1] - STRICT_BOX_TAIL_CHARS :]
    else:
        solution = solution[-STRICT_BOX_TAIL_CHARS:]
    boxed = last_boxed(solution)
    pred = _unbox(boxed) if boxed is not None else None
    return pred == gold, pred


VERSIONS = ("recipe", "0.9")


def check_version(version: Any) -> str:
    """``version`` as one of :data:`VERSIONS`; a number such as ``0.9`` (what Hydra makes of ``version=0.9``) counts."""
    text = str(version)
    if text not in VERSIONS:
        raise ValueError(f"version must be one of {VERSIONS}, got {version!r}")
    return text


def compute_score(
    solution_str: str,
    ground_truth: str,
    strict_box_verify: bool = False,
    pause_tokens_index: Sequence[int] | None = None,
    version: str = "recipe",
) -> dict[str, Any]:
    """verl's ``math_dapo.compute_score``: ``{"score": 1.0 | -1.0, "acc": bool, "pred": str | None}``.

    ``version`` "recipe" (the DAPO recipe's function, Answer: line only) or "0.9" (verl 0.9.x: boxed fallback).
    """
    version = check_version(version)
    tail = solution_str[-RESPONSE_TAIL_CHARS:]
    if strict_box_verify:
        correct, pred = strict_box_match(tail, ground_truth, pause_tokens_index)
        if pred is None and version == "recipe":
            pred = INVALID
    else:
        correct, pred = minerva_match(tail, ground_truth)
        if pred == INVALID and version != "recipe":
            box_correct, box_pred = strict_box_match(tail, ground_truth, pause_tokens_index)
            if box_pred is not None:
                correct, pred = box_correct, box_pred
    return {"score": 1.0 if correct else -1.0, "acc": correct, "pred": pred}


class DapoVerlReward(Reward):
    """The ``dapo-verl`` reward: verl's ``math_dapo`` numbers on each row (status "correct", "wrong" or "no_answer")."""

    name = "dapo-verl"

    def __init__(self, strict_box_verify: bool = False, version: str = "recipe", no_gold_score: float = 0.0) -> None:
        self.strict_box_verify = strict_box_verify
        self.version = check_version(version)
        self.no_gold_score = float(no_gold_score)

    def score(
        self, prompts: Sequence[str] | None, responses: Sequence[str], golds: Sequence[str | None], **fields: Any
    ) -> list[RewardResult]:
        """Score every row in-process (string work on the last 300 characters only)."""
        check_batch(prompts, responses, golds, fields)
        results = []
        for response, gold in zip(responses, golds, strict=True):
            if gold is None:
                results.append(RewardResult(self.no_gold_score, None, None, "no_gold", {}))
                continue
            response_text = strip_end_of_turn("" if response is None else str(response))  # no-op without chat tokens
            out = compute_score(response_text, str(gold), self.strict_box_verify, version=self.version)
            status = "correct" if out["acc"] else ("no_answer" if out["pred"] in (INVALID, None) else "wrong")
            results.append(RewardResult(out["score"], bool(out["acc"]), out["pred"], status, {}))
        return results
