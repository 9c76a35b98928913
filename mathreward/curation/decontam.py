"""Decontamination: drop training problems that share a word n-gram with an evaluation set, reported per benchmark."""

from __future__ import annotations

import re
from pathlib import Path

from mathreward.curation.loading import load_records
from mathreward.curation.problem_text import normalise_problem
from mathreward.curation.steps import Step, StepContext

_TOKEN = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")


def tokens(text: str) -> list[str]:
    """Lower-cased alphanumeric words and single symbols (LaTeX spacing differences do not matter)."""
    return _TOKEN.findall(text.lower().replace("\\left", "").replace("\\right", "").replace("\\dfrac", "\\frac"))


def ngrams(items: list[str], n: int) -> set[tuple[str, ...]]:
    """All contiguous n-grams (the whole sequence when it is shorter than n)."""
    if len(items) <= n:
        return {tuple(items)} if items else set()
    return {tuple(items[i : i + n]) for i in range(len(items) - n + 1)}


MIN_SHARED = 5


class EvalIndex:
    """Inverted n-gram index of one benchmark's problems.

    A training problem is contaminated by an eval problem when it contains at least ``containment`` of that eval
    problem's n-grams (so shared boilerplate such as "where m and n are relatively prime positive integers. Find
    m+n." is not enough, but a copied statement with changed spacing or punctuation is caught)."""

    def __init__(self, name: str, problems: list[str], n: int, containment: float):
        self.name = name
        self.n = n
        self.containment = containment
        self.postings: dict[tuple[str, ...], list[int]] = {}
        self.sizes: list[int] = []
        for number, problem in enumerate(problems):
            grams = ngrams(tokens(normalise_problem(problem)), n)
            self.sizes.append(len(grams))
            for gram in grams:
                self.postings.setdefault(gram, []).append(number)
        self.size = len(problems)

    def best_match(self, grams: set[tuple[str, ...]]) -> tuple[int, float]:
        """(eval problem number, share of its n-grams found in ``grams``) for the closest eval problem."""
        counts: dict[int, int] = {}
        for gram in grams:
            for number in self.postings.get(gram, ()):
                counts[number] = counts.get(number, 0) + 1
        if not counts:
            return -1, 0.0
        number, shared = max(counts.items(), key=lambda item: (item[1] / self.sizes[item[0]], -item[0]))
        share = shared / self.sizes[number]
        if shared < MIN_SHARED and share < 1.0:
            return number, 0.0  # a few shared n-grams of a short statement are not evidence of a copy
        return number, share


class Decontaminate(Step):
    """Drop rows that contain most of an eval problem's word n-grams; counts hits per benchmark."""

    name = "decontaminate"
    row_local = False

    def __init__(self, eval_files: list[str], n: int = 8, containment: float = 0.5):
        self.n = n
        self.containment = containment
        self.indexes = []
        for path in eval_files:
            problems = [r["problem_raw"] for r in load_records([path])]
            self.indexes.append(EvalIndex(Path(path).stem, problems, n, containment))

    def run(self, records: list[dict], context: StepContext) -> list[dict]:
        hits = {index.name: 0 for index in self.indexes}
        examples = []
        for record in context.progress(records, "decontaminate"):
            grams = ngrams(tokens(record["original_problem"]), self.n)
            for index in self.indexes:
                number, share = index.best_match(grams)
                if share < self.containment:
                    continue
                hits[index.name] += 1
                if "reject" not in record:
                    record["reject"] = f"contaminated:{index.name}"
                    if len(examples) < 20:
                        examples.append(
                            {
                                "row": record["idx"],
                                "benchmark": index.name,
                                "eval_row": number,
                                "share": round(share, 3),
                            }
                        )
        context.note(
            self.name,
            ngram=self.n,
            containment=self.containment,
            benchmarks={index.name: {"eval_problems": index.size, "hits": hits[index.name]} for index in self.indexes},
            examples=examples,
        )
        return records
