"""Decontamination: drop training problems that share a word n-gram with an evaluation set, reported per benchmark."""

from __future__ import annotations

import re
from pathlib import Path

from curation.loading import load_records
from curation.normalise import normalise_problem
from curation.steps import Step

_TOKEN = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")


def tokens(text: str) -> list[str]:
    """Lower-cased alphanumeric words and single symbols (LaTeX spacing differences do not matter)."""
    return _TOKEN.findall(text.lower().replace("\\left", "").replace("\\right", "").replace("\\dfrac", "\\frac"))


def ngrams(items: list[str], n: int) -> set[tuple[str, ...]]:
    """All contiguous n-grams (the whole sequence when it is shorter than n)."""
    if len(items) <= n:
        return {tuple(items)} if items else set()
    return {tuple(items[i : i + n]) for i in range(len(items) - n + 1)}


class EvalIndex:
    """N-gram index of one benchmark's problems."""

    def __init__(self, name: str, problems: list[str], n: int):
        self.name = name
        self.n = n
        self.long: set[tuple[str, ...]] = set()
        self.short: set[tuple[str, ...]] = set()
        for problem in problems:
            items = tokens(normalise_problem(problem))
            (self.long if len(items) >= n else self.short).update(ngrams(items, n))
        self.size = len(problems)

    def hit(self, items: list[str], grams: set[tuple[str, ...]]) -> bool:
        return bool(grams & self.long) or (bool(self.short) and tuple(items) in self.short)


class Decontaminate(Step):
    """Drop rows sharing any word n-gram (default 12) with an evaluation file; counts hits per benchmark."""

    name = "decontaminate"
    row_local = False

    def __init__(self, eval_files: list[str], n: int = 12):
        self.n = n
        self.indexes = []
        for path in eval_files:
            problems = [r["problem_raw"] for r in load_records([path])]
            self.indexes.append(EvalIndex(Path(path).stem, problems, n))

    def run(self, records: list[dict], context) -> list[dict]:
        hits = {index.name: 0 for index in self.indexes}
        examples = []
        for record in context.progress(records, "decontaminate"):
            items = tokens(record["original_problem"])
            grams = ngrams(items, self.n)
            for index in self.indexes:
                if index.hit(items, grams):
                    hits[index.name] += 1
                    if "reject" not in record:
                        record["reject"] = f"contaminated:{index.name}"
                        if len(examples) < 20:
                            examples.append({"row": record["idx"], "benchmark": index.name})
        context.note(
            self.name,
            ngram=self.n,
            benchmarks={index.name: {"eval_problems": index.size, "hits": hits[index.name]} for index in self.indexes},
            examples=examples,
        )
        return records
