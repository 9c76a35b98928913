"""`curate --pass-rates`: problems matched to scored samples by a stable id, kept by pass rate, reported per bucket.

The filter is checked on rows with known pass rates; the documented recipe (docs/guides/pass-rates.md) runs end to
end as real subprocesses with the demo's tiny policy.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from cli_run import REPO_ROOT, mathreward

from mathreward.curation.curate import curate
from mathreward.curation.pass_rates import BUCKETS, bucket_of, parse_range, read_pass_rates
from mathreward.curation.problem_text import problem_id
from mathreward.curation.writer import render_prompt
from mathreward.tables import TableError

PROBLEMS = [  # (problem, answer, solved samples of 4)
    ("What is $2+3$?", "5", 4),  # always solved
    ("What is $7 \\cdot 8$?", "56", 3),
    ("What is $10-4$?", "6", 2),
    ("What is $9 \\cdot 9$?", "81", 1),
    ("What is $123 \\cdot 45$?", "5535", 0),  # never solved
    ("What is half of $7$?", "\\frac{7}{2}", 2),  # rewritten: matched by the problem as rewritten
    ("What is $6+6$?", "12", None),  # not in the scored file
]


def write_inputs(folder: Path) -> Path:
    raw = folder / "raw.jsonl"
    raw.write_text("".join(json.dumps({"problem": p, "answer": a}) + "\n" for p, a, _ in PROBLEMS), encoding="utf-8")
    return raw


def scored_rows(curated: Path, with_ids: bool) -> list[dict]:
    """Four scored samples per curated problem, solved as PROBLEMS says: with curate's id, or (a trainer's dump)
    only the prompt as the policy saw it and a reward."""
    rows = []
    solved_of = {problem_id(p): s for p, _, s in PROBLEMS}
    for row in pq.read_table(curated).to_pylist():
        original = row["extra_info"]["original_problem"]
        solved = solved_of[problem_id(original)]
        if solved is None:
            continue
        for sample in range(4):
            hit = sample < solved
            if with_ids:
                rows.append({"problem_id": row["extra_info"]["problem_id"], "response": "x", "correct": hit})
            else:
                rows.append({"prompt": row["prompt"], "score": 1.0 if hit else -1.0})
    return rows


@pytest.mark.parametrize("with_ids", [True, False])
def test_pass_rate_filter_on_known_rates(tmp_path: Path, with_ids: bool) -> None:
    raw = write_inputs(tmp_path)
    curated = tmp_path / "curated.parquet"
    curate([str(raw)], curated, progress=False)
    rows = pq.read_table(curated).to_pylist()
    assert len(rows) == len(PROBLEMS) and all(len(r["extra_info"]["problem_id"]) == 16 for r in rows)
    assert all(r["extra_info"]["pass_rate"] is None for r in rows)
    scored = tmp_path / "scored.jsonl"
    scored.write_text("".join(json.dumps(r) + "\n" for r in scored_rows(curated, with_ids)), encoding="utf-8")
    field = "correct" if with_ids else "score"
    report, result = curate(
        [str(raw)], tmp_path / "kept.parquet", progress=False, pass_rates=str(scored), correct_field=field,
        report_dir=tmp_path / "report",
    )  # fmt: skip
    kept = {
        r["extra_info"]["original_problem"]: r["extra_info"]["pass_rate"]
        for r in pq.read_table(tmp_path / "kept.parquet").to_pylist()
    }
    assert kept == {PROBLEMS[1][0]: 0.75, PROBLEMS[2][0]: 0.5, PROBLEMS[3][0]: 0.25, PROBLEMS[5][0]: 0.5}
    reasons = {r["original_problem"]: r["reject"] for r in result.rejected}
    assert reasons == {PROBLEMS[0][0]: "always_solved", PROBLEMS[4][0]: "never_solved", PROBLEMS[6][0]: "no_pass_rate"}
    rates = report["pass_rates"]
    assert (rates["matched"], rates["unmatched"], rates["keep_range"]) == (6, 1, [0.0, 1.0])
    assert {b: c for b, c in rates["buckets"].items() if c["kept"] or c["dropped"]} == {
        "0": {"kept": 0, "dropped": 1},
        "(0.2,0.4]": {"kept": 1, "dropped": 0},
        "(0.4,0.6]": {"kept": 2, "dropped": 0},
        "(0.6,0.8]": {"kept": 1, "dropped": 0},
        "1": {"kept": 0, "dropped": 1},
    }
    assert (tmp_path / "report" / "pass_rates.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # a narrower range drops the nearly-always and nearly-never solved too
    _, narrow = curate(
        [str(raw)], None, progress=False, pass_rates=str(scored), correct_field=field, keep_pass_rate=(0.25, 0.75)
    )
    assert sorted(r["original_problem"] for r in narrow.kept) == sorted([PROBLEMS[2][0], PROBLEMS[5][0]])
    assert {r["reject"] for r in narrow.rejected} >= {"pass_rate_below", "pass_rate_above"}


def test_problem_id_is_the_same_for_every_rendering() -> None:
    problem = "Let $x$ be real.  Find  $x^2$."
    ids = {problem_id(problem), problem_id(render_prompt(problem, "dapo")), problem_id(render_prompt(problem, "boxed"))}
    assert len(ids) == 1 and re.fullmatch(r"[0-9a-f]{16}", ids.pop())
    assert problem_id("Find $x$.") != problem_id("Find $y$.")


def test_buckets_and_ranges() -> None:
    assert [bucket_of(r) for r in (0, 0.125, 0.2, 0.25, 0.5, 0.6, 0.8, 0.875, 1)] == [
        "0", "(0,0.2]", "(0,0.2]", "(0.2,0.4]", "(0.4,0.6]", "(0.4,0.6]", "(0.6,0.8]", "(0.8,1)", "1",
    ]  # fmt: skip
    assert set(BUCKETS) == {bucket_of(k / 8) for k in range(9)} | {"(0.8,1)"}
    assert parse_range("0:1") == (0.0, 1.0) and parse_range("0.1:0.9") == (0.1, 0.9)
    for bad in ("0.9:0.1", "1", "a:b", "-0.1:0.5", "0:1.5"):
        with pytest.raises(ValueError, match="--keep-pass-rate"):
            parse_range(bad)


def test_bad_scored_files_name_the_row(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"problem_id": "a", "correct": true}\n{"problem_id": "b", "correct": "yes"}\n', encoding="utf-8")
    with pytest.raises(TableError, match=r"row 2.*correct"):
        read_pass_rates(bad)
    bad.write_text('{"response": "5", "correct": true}\n', encoding="utf-8")
    with pytest.raises(TableError, match=r"row 1"):
        read_pass_rates(bad)
    raw = write_inputs(tmp_path)
    done = mathreward(
        "curate", str(raw), "-o", str(tmp_path / "o.parquet"), "--pass-rates", str(tmp_path / "nope.jsonl")
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "nope.jsonl" in done.stderr
    done = mathreward(
        "curate", str(raw), "-o", str(tmp_path / "o.parquet"), "--pass-rates", str(bad), "--keep-pass-rate", "1:0"
    )
    assert done.returncode == 2 and "--keep-pass-rate" in done.stderr
    assert not (tmp_path / "o.parquet").exists()


def recipe_lines() -> list[str]:
    """The commands of the recipe block of docs/guides/pass-rates.md."""
    page = (REPO_ROOT / "docs" / "guides" / "pass-rates.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"^```text\n(.*?)^```", page, re.S | re.M)
    return [line for line in block.splitlines() if line.strip()]


@pytest.mark.slow
def test_documented_recipe_runs_end_to_end(tmp_path: Path) -> None:
    """curate -> rl sample (tiny policy) -> score -> curate --pass-rates, the lines of the guide as written, in a
    workspace that looks like the clone's root."""
    (tmp_path / "mathreward").symlink_to(REPO_ROOT / "mathreward")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    last = None
    for line in recipe_lines():
        assert line.startswith("mathreward ")
        command = [sys.executable, "-m", "mathreward", *line.split()[1:]]
        last = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
        assert last.returncode == 0, f"{line}\n{last.stderr[-2000:]}"
    assert last is not None
    # every curated problem was sampled and matched by the id that curate wrote and rl sample carried
    curated = pq.read_table(tmp_path / "curated.parquet").to_pylist()
    rollouts = pq.read_table(tmp_path / "rollouts.parquet").to_pylist()
    assert len(rollouts) == 8 * len(curated)
    assert {r["problem_id"] for r in rollouts} == {r["extra_info"]["problem_id"] for r in curated}
    solved: dict[str, list[bool]] = defaultdict(list)
    for row in pq.read_table(tmp_path / "scored.parquet").to_pylist():
        solved[row["problem_id"]].append(row["correct"])
    rates = {pid: sum(hits) / len(hits) for pid, hits in solved.items()}
    kept = pq.read_table(tmp_path / "kept.parquet").to_pylist()
    assert {r["extra_info"]["problem_id"] for r in kept} == {pid for pid, rate in rates.items() if 0 < rate < 1}
    assert all(r["extra_info"]["pass_rate"] == rates[r["extra_info"]["problem_id"]] for r in kept)
    report = json.loads((tmp_path / "report" / "report.json").read_text())["pass_rates"]
    assert report["matched"] == len(curated) and report["unmatched"] == 0
    assert sum(b["kept"] for b in report["buckets"].values()) == len(kept)
    assert "pass rates (" in last.stdout and (tmp_path / "report" / "pass_rates.png").exists()
    print(json.dumps(report["buckets"]))
