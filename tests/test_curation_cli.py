"""`mathreward curate` end to end: round trip through `datasets` and the verifiers, determinism, bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mathreward import cli

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "mathreward" / "data" / "raw_sample.jsonl"
SAMPLE_EVAL = REPO / "mathreward" / "data" / "raw_sample_eval.jsonl"


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("curate")
    out = out_dir / "curated.parquet"
    code = cli.main(
        [
            "curate",
            str(SAMPLE),
            "-o",
            str(out),
            "--decontaminate",
            str(SAMPLE_EVAL),
            "--placeholder",
            "-1",
            "--report",
            str(out_dir / "report"),
            "--quiet",
        ]
    )
    assert code == 0
    return out_dir, out


def test_round_trip_through_datasets_and_verifiers(sample_run):
    import datasets

    from mathreward.verifiers import verify

    out_dir, out = sample_run
    loaded = datasets.load_dataset("parquet", data_files=str(out), split="train")
    assert len(loaded) == 35
    assert loaded.column_names == ["data_source", "prompt", "ability", "reward_model", "extra_info"]
    for row in loaded:
        gt = row["reward_model"]["ground_truth"]
        assert re.fullmatch(r"-?\d+", gt) and -(2**63) <= int(gt) < 2**63
        assert verify(f"Answer: {gt}", gt).correct
        assert row["prompt"][0]["content"].endswith('Remember to put your answer on its own line after "Answer:".')
    report = json.loads((out_dir / "report" / "report.json").read_text())
    assert report["rows_in"] == 54 and report["rows_out"] == 35
    assert report["coverage"]["numeric_transformed"] == report["coverage"]["numeric_non_integer"] == 20
    assert report["decontamination"] == {"raw_sample_eval": {"eval_problems": 2, "hits": 1}}
    assert report["dedup"]["conflict_groups"] == 1 and report["dedup"]["near_duplicates_dropped"] == 1
    for reason in (
        "free_text",
        "multi_answer:tuple",
        "multi_part",
        "beyond_int64",
        "placeholder_answer",
        "no_rule:expression",
        "unparseable",
        "exact_duplicate",
        "conflicting_duplicate",
    ):
        assert reason in report["reject_reasons"]
    rejected = [json.loads(line) for line in (out_dir / "report" / "rejected.jsonl").read_text().splitlines()]
    assert len(rejected) == 54 - 35  # every input row is either written or reported


def _synthetic(path: Path, n: int = 600) -> Path:
    forms = ["{a}", "\\frac{{{a}}}{{{b}}}", "{a}\\sqrt{{{b}}}", "\\frac{{{a}\\pi}}{{{b}}}", "({a},{b})", "{a}.{b}5"]
    with path.open("w") as handle:
        for i in range(n):
            a, b = i % 97 + 1, i % 13 + 2
            answer = forms[i % len(forms)].format(a=a, b=b)
            handle.write(
                json.dumps({"problem": f"Problem {i}: evaluate quantity number {i * 7919 % 1009}.", "answer": answer})
                + "\n"
            )
    return path


def test_deterministic_bytes_across_runs_and_processes(tmp_path):
    source = _synthetic(tmp_path / "syn.jsonl")
    outputs = []
    for name, procs in (("a", "1"), ("b", "1"), ("c", "2")):
        out = tmp_path / f"{name}.parquet"
        args = ["curate", str(source), "-o", str(out), "--num-proc", procs, "--quiet", "--template", "boxed"]
        assert cli.main([*args, "--report", str(tmp_path / f"rep-{name}")]) == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]

    def counts(name):
        steps = json.loads((tmp_path / name / "report.json").read_text())["steps"]
        return {step: (v["in"], v["out"], v["rejects"]) for step, v in steps.items()}

    assert counts("rep-a") == counts("rep-c")  # fused worker passes count exactly like the step-by-step run
    import pyarrow.parquet as pq

    rows = pq.read_table(tmp_path / "a.parquet").to_pylist()
    assert len(rows) == 497  # 100 tuple answers and 3 bare-pi answers (a = b) are rejected
    assert rows[0]["prompt"][0]["content"].endswith("within \\boxed{}.") and rows[0]["data_source"] == "lighteval/MATH"


def test_bad_input_one_line_error_and_no_output(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"answer": "2"}\n{"answer": "3"}\n')  # no row has a problem: the field is wrong
    out = tmp_path / "out.parquet"
    proc = subprocess.run(
        [sys.executable, "-m", "mathreward.cli", "curate", str(bad), "-o", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines == [f"mathreward curate: error: {bad}: row 1: field 'problem/question' missing or empty in every row"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl"]


def test_missing_explicit_field_and_output_folder(tmp_path, capsys):
    assert cli.main(["curate", str(SAMPLE), "-o", str(tmp_path / "o.parquet"), "--answer-field", "gold"]) == 2
    assert "raw_sample.jsonl: row 1: field 'gold' missing" in capsys.readouterr().err
    assert cli.main(["curate", str(SAMPLE), "-o", str(tmp_path / "no" / "o.parquet")]) == 2
    assert "output folder does not exist" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
