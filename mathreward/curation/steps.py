"""Pipeline steps: each takes a list of records and returns the records it keeps, noting why it dropped the rest.

A record is a plain dict (picklable, cheap to send to worker processes). Row-local steps implement ``process_row``
and may run in parallel; a step rejects a row by setting ``record["reject"] = "reason"``. Global steps (dedup,
decontamination, LLM rewrite) override ``run``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from mathreward.curation.answer_format import format_phrases, restate_format, rounding_request, upstream_rewrite_start
from mathreward.curation.answers import INT64_MAX, INT64_MIN, classify
from mathreward.curation.problem_text import (
    dedup_key,
    language_of,
    normalise_problem,
    strip_choice_options,
)
from mathreward.curation.rewrite_rules import build_rewrite, problem_variables, verify_rewrite
from mathreward.verifiers import extract, parse_answer


@dataclass
class StepStats:
    """Counts for one step: rows in, rows out, rejection reasons, and free-form extras for the report."""

    name: str
    n_in: int = 0
    n_out: int = 0
    rejects: Counter = field(default_factory=Counter)
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"in": self.n_in, "out": self.n_out, "rejects": dict(self.rejects.most_common()), **self.extra}


class StepContext(Protocol):
    """What a step's ``run`` gets from the pipeline (``pipeline.Context``): a mapper over rows, progress bars and
    notes for the report."""

    def map(self, step: Step, records: list[dict]) -> list[dict]: ...

    def progress(self, iterable: Iterable[Any], desc: str, total: int | None = None) -> Iterable[Any]: ...

    def note(self, step_name: str, **extra: Any) -> None: ...


class Step:
    """Base step: row-local by default; subclasses set ``name`` and implement ``process_row`` or ``run``."""

    name = "step"
    row_local = True

    def process_row(self, record: dict) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    def run(self, records: list[dict], context: StepContext) -> list[dict]:
        """Apply the step to every record (in worker processes when the context has a pool)."""
        return context.map(self, records)


class GoldAnswer(Step):
    """The gold answer: the answer field, else the last ``\\boxed{}`` of the solution (balanced braces)."""

    name = "gold"

    def process_row(self, record: dict) -> dict:
        solution = record.pop("solution", None)  # only needed here; later steps (and worker trips) travel light
        if record.get("answer_multi"):
            record["reject"] = "multiple_answers"
            return record
        answer = record.get("answer_raw")
        if answer is not None and str(answer).strip():
            record["answer"], record["gold_from"] = str(answer).strip(), "answer"
            return record
        boxed = boxed_answer(solution or "")
        if boxed:
            record["answer"], record["gold_from"] = boxed, "solution_boxed"
            return record
        record["reject"] = "no_gold_answer"
        return record


def boxed_answer(solution: str) -> str | None:
    """The solution's final boxed answer, as ``verifiers.extract(..., style="boxed")`` reads it (several boxes in
    the final line come back joined with ", ", so they are later rejected as multiple answers)."""
    if not solution:
        return None
    return extract(solution, style="boxed").answer


class Normalise(Step):
    """NFC + whitespace, strip instruction wrappers, tag the language, compute the exact-dedup key."""

    name = "normalise"

    def __init__(self, languages: tuple[str, ...] = ()):
        self.languages = languages

    def process_row(self, record: dict) -> dict:
        if record.pop("problem_multi", False):
            record["reject"] = "multiple_problems"  # the problem field holds a list of several texts
            return record
        problem, options_removed = strip_choice_options(normalise_problem(record["problem_raw"]))
        if options_removed:
            record["options_removed"] = True
        if not problem:
            record["reject"] = "empty_problem"
            return record
        record["problem"] = record["original_problem"] = problem
        record["key"] = dedup_key(problem)
        record["language"] = language_of(problem)
        if self.languages and record["language"] not in self.languages:
            record["reject"] = f"language:{record['language']}"
        return record


_PROOF = re.compile(r"\b(?:prove|proof|show that|demonstrate that|justify)\b|证明", re.IGNORECASE)
_PART_MARK = re.compile(r"(?:^|\s)\(([a-e])\)")
_ASKS = re.compile(r"\b(?:find|determine|show|prove|compute|calculate|evaluate|what|how many|which)\b|\?", re.I)


def _is_multi_part(problem: str) -> bool:
    """True when the problem has parts (a), (b), ... that each ask something (not a list of conditions)."""
    marks = list(_PART_MARK.finditer(problem))
    letters = [m.group(1) for m in marks]
    if "a" not in letters or "b" not in letters:
        return False
    start_a = marks[letters.index("a")].end()
    start_b = marks[letters.index("b")]
    following = [m.start() for m in marks if m.start() > start_b.end() and m.group(1) > "b"]
    part_a = problem[start_a : start_b.start()]
    part_b = problem[start_b.end() : following[0] if following else len(problem)]
    return bool(_ASKS.search(part_a)) and bool(_ASKS.search(part_b))


_OPTIONS = re.compile(r"\(A\)[\s\S]*\(B\)[\s\S]*\(C\)|\\textbf\{\s*\(A\)")
NUMERIC_KINDS = {"integer", "fraction", "decimal", "radical", "pi_multiple", "base_numeral"}


class Classify(Step):
    """Label the answer (integer, fraction, radical, ..., text, unparseable) and the problem (proof, parts).

    The verifiers' exact reader decides (``verifiers.exact_value``; it also yields the value the rules decompose).
    With ``use_verifiers=True`` answers it gives up on also get ``verifiers.parse_answer``'s symbolic label as a
    second opinion (``verifier_kind``); that is off by default because it costs a worker process for expressions.
    """

    name = "classify"

    def __init__(self, use_verifiers: bool = False):
        self.use_verifiers = use_verifiers

    def process_row(self, record: dict) -> dict:
        classified = classify(record["answer"], problem_variables(record["problem"]))
        record["kind"] = classified.kind
        if self.use_verifiers and classified.kind == "unparseable":
            # second opinion from the verifiers' parser (about 3 ms a call, so only where ours gave up)
            record["verifier_kind"] = _verifier_kind(record["answer"])
        problem = record["problem"]
        flags = []
        if _PROOF.search(problem) and classified.kind not in NUMERIC_KINDS:
            flags.append("proof")
        if "(a)" in problem and _is_multi_part(problem):
            flags.append("multi_part")
        if ("(A)" in problem and _OPTIONS.search(problem)) or (
            record.get("options_removed") and classified.kind == "choice"
        ):
            flags.append("choice_options")
        record["flags"] = flags
        return record


def _verifier_kind(answer: str) -> str:
    """The verifiers' kind for an answer with the symbolic reader allowed (a guarded worker process)."""
    return parse_answer(answer).kind


_REJECT_BY_KIND = {
    "text": "free_text",
    "choice": "multiple_choice",
    "tuple": "multi_answer:tuple",
    "set": "multi_answer:set",
    "interval": "multi_answer:interval",
    "matrix": "multi_answer:matrix",
    "equation": "equation",
    "unparseable": "unparseable",
    "empty": "no_gold_answer",
}
LLM_ELIGIBLE = {"expression", "equation", "text", "unparseable"}


def _upstream_rewrite_says_one_thing(record: dict) -> bool:
    """A problem the dataset already rewrote (DAPO: "... The answer is in the form ..., give k + m") is held to our
    own rules: rejected when it asks for a rounded or approximate value (its integer then rests on a rounded
    value), and its leftover format instructions are removed or restated. False when the record is rejected."""
    start = upstream_rewrite_start(record["problem"])
    if start is None:
        return True
    body, tail = record["problem"][:start], record["problem"][start:]
    request = rounding_request(body)
    if request is not None:
        record["reject"] = f"{request}_value"
        return False
    new_body, restated = restate_format(body)
    if restated:
        record["format_restated"] = restated
        record["problem"] = f"{new_body} {tail}" if new_body else tail
    return True


class IntegerTransform(Step):
    """Keep integer answers, rewrite the common non-integer forms with verified rewrite rules, reject the rest.

    A problem that asks for a rounded or approximate value is kept only when its answer is an integer; a rewritten
    problem loses (or restates) its own format instructions (``answer_format``), so it asks for one thing."""

    name = "transform"

    def __init__(self, placeholders: tuple[int, ...] = (), llm_enabled: bool = False):
        self.placeholders = set(placeholders)
        self.llm_enabled = llm_enabled

    def process_row(self, record: dict) -> dict:
        kind = record["kind"]
        for flag in ("proof", "multi_part", "choice_options"):
            if flag in record.get("flags", ()):
                record["reject"] = flag
                return record
        classified = classify(record["answer"], problem_variables(record["problem"]))
        if kind == "integer":
            value = classified.integer
            if value is not None and INT64_MIN <= value <= INT64_MAX:
                if value in self.placeholders:
                    record["reject"] = "placeholder_answer"
                elif not _upstream_rewrite_says_one_thing(record):
                    return record
                else:
                    record["gt"] = str(value)
                    record["transform"] = "keep"
                return record
            if classified.power is None:  # too large for int64 and not a power the rules can rewrite
                record["reject"] = "beyond_int64" if value is not None else _REJECT_BY_KIND["unparseable"]
                return record
        if kind in _REJECT_BY_KIND and not (self.llm_enabled and kind in LLM_ELIGIBLE):
            record["reject"] = _REJECT_BY_KIND[kind]
            return record
        request = rounding_request(record["problem"])
        if request is not None:  # a rounded or approximate value has no exact form to rewrite
            record["reject"] = f"{request}_value"
            return record
        rewrite, why = build_rewrite(classified, record["problem"])
        if rewrite is None:
            if self.llm_enabled and (why.startswith("no_rule") or why == "letter_clash"):
                record["needs_llm"] = True
                return record
            record["reject"] = why
            return record
        ok, detail = verify_rewrite(rewrite, record["answer"], record["problem"])
        if not ok:
            record["reject"] = "verification_failed"
            record["reject_detail"] = detail
            return record
        body, restated = restate_format(record["problem"])
        if restated:
            record["format_restated"] = restated
        left = format_phrases(body)
        if left:  # an instruction the rules could not take out would contradict the new form
            record["reject"] = "format_instruction_kept"
            record["reject_detail"] = "; ".join(left)
            return record
        record["problem"] = f"{body} {rewrite.sentence()}" if body else rewrite.sentence()
        record["gt"] = str(rewrite.integer)
        record["transform"] = rewrite.rule
        record["form"] = rewrite.form
        return record
