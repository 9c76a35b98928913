"""Deduplication: exact (whitespace-normalised text) and near-duplicate (MinHash LSH, datasketch).

Exact groups whose members have different final answers are *conflicts* (gold-label noise): every member is
dropped and the group is reported. Near-duplicates of an earlier kept problem with the same answer are dropped;
near-duplicates with a different answer are usually deliberate variants (another number in the statement), so they
are kept and counted.
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict

from mathreward.curation.steps import Step, StepContext

_WORD = re.compile(r"\w+|[^\w\s]")


def shingles(text: str, n: int = 3) -> set[bytes]:
    """Lower-cased word/punctuation n-grams of a text, as bytes (MinHash input)."""
    tokens = _WORD.findall(text.lower())
    if len(tokens) < n:
        return {" ".join(tokens).encode()}
    return {" ".join(tokens[i : i + n]).encode() for i in range(len(tokens) - n + 1)}


def _crc32(data: bytes) -> int:
    return zlib.crc32(data)


def minhashes(texts: list[str], num_perm: int = 64, n: int = 3) -> list:
    """MinHash signatures (datasketch) of the texts' shingles; deterministic (fixed seed, crc32 hashing)."""
    from datasketch import MinHash

    return MinHash.bulk([shingles(text, n) for text in texts], num_perm=num_perm, seed=1, hashfunc=_crc32)


def _answer(record: dict) -> str:
    gt = record.get("gt")
    return str(gt) if gt is not None else str(record.get("answer"))


class Dedup(Step):
    """Drop exact duplicates (keep the first), drop conflicting groups, drop same-answer near-duplicates."""

    name = "dedup"
    row_local = False

    def __init__(self, near: bool = True, threshold: float = 0.8, num_perm: int = 64):
        self.near = near
        self.threshold = threshold
        self.num_perm = num_perm

    def run(self, records: list[dict], context: StepContext) -> list[dict]:
        groups: dict[str, list[dict]] = defaultdict(list)
        for record in records:
            groups[record["key"]].append(record)
        conflicts = []
        exact_dropped = 0
        for key, members in groups.items():
            answers = sorted({_answer(m) for m in members})
            if len(answers) > 1:
                for member in members:
                    member["reject"] = "conflicting_duplicate"
                conflicts.append({"problem": key[:200], "answers": answers, "rows": [m["idx"] for m in members]})
                continue
            for member in members[1:]:
                member["reject"] = "exact_duplicate"
                exact_dropped += 1
        survivors = [r for r in records if "reject" not in r]
        near_dropped, variants = 0, 0
        examples = []
        if self.near and survivors:
            from datasketch import MinHashLSH

            signatures = minhashes([r["key"] for r in context.progress(survivors, "dedup: minhash")], self.num_perm)
            lsh = MinHashLSH(threshold=self.threshold, num_perm=self.num_perm)
            kept: dict[int, dict] = {}
            for position, (record, signature) in enumerate(zip(survivors, signatures, strict=True)):
                matches = sorted(key for key in lsh.query(signature) if isinstance(key, int))  # keys: positions
                same = [m for m in matches if _answer(kept[m]) == _answer(record)]
                if same:
                    record["reject"] = "near_duplicate"
                    near_dropped += 1
                    if len(examples) < 20:
                        examples.append({"kept": kept[same[0]]["idx"], "dropped": record["idx"]})
                    continue
                if matches:
                    variants += 1
                lsh.insert(position, signature)
                kept[position] = record
        context.note(
            self.name,
            exact_unique=len(groups),
            exact_duplicates_dropped=exact_dropped,
            conflict_groups=len(conflicts),
            conflict_rows_dropped=sum(len(c["rows"]) for c in conflicts),
            conflicts=conflicts,
            near_duplicates_dropped=near_dropped,
            near_variants_kept=variants,
            near_examples=examples,
        )
        return records
