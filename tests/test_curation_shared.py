"""Optional checks on the real public datasets in ``$MATHREWARD_DATA`` (skipped without it)."""

from __future__ import annotations

import json
import re

from mathreward.curation.curate import curate
from mathreward.curation.dedup import Dedup
from mathreward.curation.loading import load_records
from mathreward.curation.pipeline import Context, run_steps
from mathreward.curation.problem_text import dedup_key
from mathreward.curation.steps import GoldAnswer, Normalise


def test_math_train_pool_coverage(shared_data, tmp_path):
    """Every third MATH train problem (2,500 rows, to stay within the test budget; bench/curate_bench.py and the
    demo run all 7,500): about a third have non-integer answers, and the rules transform about 64% of those."""
    import pyarrow.parquet as pq

    table = pq.read_table(shared_data / "math_train_7500_with_solutions.parquet")
    pq.write_table(table.take(list(range(0, 7500, 3))), tmp_path / "subset.parquet")
    report, result = curate([str(tmp_path / "subset.parquet")], tmp_path / "math.parquet", progress=False)
    coverage = report["coverage"]
    print("MATH train subset coverage:", json.dumps(coverage), "rows out:", report["rows_out"])
    assert report["rows_in"] == 2500
    assert 780 < coverage["non_integer_answers"] < 900
    assert coverage["share"] > 0.6  # tuples, intervals, matrices, expressions and text stay rejected
    assert coverage["numeric_share"] > 0.99  # fractions, decimals, radicals, pi forms, base numerals
    assert report["rows_out"] > 2150
    assert all(re.fullmatch(r"-?\d+", r["gt"]) for r in result.kept)
    assert report["transforms_written"]["fraction"] > 280


def test_dapo_block_duplicates_and_conflicts(shared_data):
    records = load_records([str(shared_data / "dapo_math_17k_first_block.parquet")])
    assert len(records) == 17917
    result = run_steps(records, [GoldAnswer(), Normalise(), Dedup(near=False)], Context(progress=False))
    note = result.stats[-1].extra
    print("DAPO block dedup:", {k: v for k, v in note.items() if k not in ("conflicts", "near_examples")})
    # 17,188 problems are unique after whitespace normalisation alone; removing one leftover multiple-choice block
    # ("(A) ... (E)") makes one more pair identical, hence 17,187 exact-unique keys here.
    assert len({dedup_key(r["problem_raw"]) for r in records}) == 17188
    assert note["exact_unique"] == 17187
    assert note["conflict_groups"] == 12
    known = [
        json.loads(line) for line in (shared_data / "dapo_math_17k_answer_conflicts.jsonl").read_text().splitlines()
    ]
    assert {dedup_key(c["problem"])[:200] for c in known} == {
        c["problem"] for c in note["conflicts"]
    }  # report keeps 200 chars
    assert {tuple(sorted(c["answers"])) for c in known} == {tuple(c["answers"]) for c in note["conflicts"]}
    assert len(result.kept) == 17187 - 12
