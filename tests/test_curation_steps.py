"""Per-step unit tests: loading, gold answers, normalisation, dedup, decontamination, writer, report."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mathreward.curation.decontam import Decontaminate
from mathreward.curation.dedup import Dedup
from mathreward.curation.loading import CurationError, load_records
from mathreward.curation.pipeline import Context, run_steps
from mathreward.curation.problem_text import (
    language_of,
    normalise_problem,
    problem_id,
    strip_choice_options,
)
from mathreward.curation.report import build_report, summary_lines, write_report
from mathreward.curation.steps import Classify, GoldAnswer, IntegerTransform, Normalise
from mathreward.curation.writer import DAPO_TEMPLATE, render_prompt, write_parquet


def _write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_load_every_format_and_nested_fields(tmp_path):
    rows = [{"question": "What is 1+1?", "final_answer": ["2"]}, {"question": "What is 2+2?", "final_answer": ["4"]}]
    jsonl = _write_jsonl(tmp_path / "a.jsonl", rows)
    (tmp_path / "b.json").write_text(json.dumps({"data": rows}))
    (tmp_path / "c.csv").write_text("problem,answer\nWhat is 3+3?,6\n")
    nested = [
        {"prompt": [{"role": "user", "content": "What is 5+5?"}], "reward_model": {"ground_truth": {"target": "10"}}}
    ]
    pq.write_table(pa.Table.from_pylist(nested), tmp_path / "d.parquet")
    import datasets

    datasets.Dataset.from_list([{"problem": "What is 7+7?", "answer": "14"}]).save_to_disk(str(tmp_path / "e_ds"))
    records = load_records(
        [
            str(jsonl),
            str(tmp_path / "b.json"),
            str(tmp_path / "c.csv"),
            str(tmp_path / "d.parquet"),
            str(tmp_path / "e_ds"),
        ]
    )
    assert [(r["problem_raw"], r["answer_raw"]) for r in records] == [
        ("What is 1+1?", "2"),
        ("What is 2+2?", "4"),
        ("What is 1+1?", "2"),
        ("What is 2+2?", "4"),
        ("What is 3+3?", "6"),
        ("What is 5+5?", "10"),
        ("What is 7+7?", "14"),
    ]
    assert [r["idx"] for r in records] == list(range(7))
    explicit = load_records([str(tmp_path / "d.parquet")], answer_field="reward_model.ground_truth.target")
    assert explicit[0]["answer_raw"] == "10"


def test_load_errors_name_file_row_and_field(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"problem": "ok", "answer": "1"}\n{not json\n')
    with pytest.raises(CurationError, match=r"bad.jsonl: row 2: invalid JSON"):
        load_records([str(bad)])
    missing = _write_jsonl(tmp_path / "m.jsonl", [{"problem": "x", "answer": "1"}, {"text": "y"}])
    assert [r["problem_raw"] for r in load_records([str(missing)])] == ["x", ""]  # row 2 is rejected, not fatal
    nowhere = _write_jsonl(tmp_path / "n.jsonl", [{"text": "x"}, {"text": "y"}])
    with pytest.raises(CurationError, match=r"n.jsonl: row 1: field 'problem/question' missing or empty in every row"):
        load_records([str(nowhere)])
    with pytest.raises(CurationError, match=r"row 1: field 'solution_text' missing"):
        load_records([str(missing)], solution_field="solution_text")
    with pytest.raises(CurationError, match="file not found"):
        load_records([str(tmp_path / "nope.jsonl")])


def test_gold_answer_from_field_else_last_box():
    step = GoldAnswer()
    assert step.process_row({"answer_raw": " 12 ", "solution": "\\boxed{3}"})["answer"] == "12"
    row = step.process_row({"answer_raw": None, "solution": "First \\boxed{1}, finally \\boxed{\\frac{1}{\\sqrt{2}}}."})
    assert row["answer"] == "\\frac{1}{\\sqrt{2}}" and row["gold_from"] == "solution_boxed"
    assert step.process_row({"answer_raw": "", "solution": "no box"})["reject"] == "no_gold_answer"
    two = step.process_row({"answer_raw": None, "solution": "The points are $\\boxed{(-2,18)}$ and $\\boxed{(8,38)}$."})
    assert two["answer"] == "(-2,18), (8,38)"  # both boxes of the final line, so it is rejected as several answers
    two["problem"] = "Find the intersection points."
    assert (
        IntegerTransform().process_row(Classify(use_verifiers=False).process_row(two))["reject"] == "multi_answer:tuple"
    )
    assert step.process_row({"answer_raw": None, "answer_multi": True})["reject"] == "multiple_answers"


def test_normalise_strips_wrappers_and_tags_language():
    raw = "Find  $x$.\r\n\n\n\nIt is   real. Let's think step by step and output the final answer within \\boxed{}."
    assert normalise_problem(raw) == "Find $x$.\n\nIt is real."
    dapo = render_prompt("What is $1+1$?")
    assert normalise_problem(dapo) == "What is $1+1$?"
    assert normalise_problem("Cafe\u0301 problem") == "Caf\u00e9 problem"
    assert language_of("求 $x$ 的值，使得方程成立。") == "zh" and language_of("Find $x$.") == "en"
    assert strip_choice_options("Which? $\\textbf{(A)}\\ 1 \\qquad\\textbf{(B)}\\ 2 \\qquad\\textbf{(C)}\\ 3$") == (
        "Which?",
        True,
    )
    assert strip_choice_options("Points (A) and (B) lie on a line.") == ("Points (A) and (B) lie on a line.", False)
    row = Normalise(languages=("en",)).process_row({"problem_raw": "求 $x$ 的值，使得方程成立。"})
    assert row["reject"] == "language:zh"


def test_classify_flags_proofs_and_parts():
    step = Classify(use_verifiers=False)
    assert step.process_row({"answer": "", "problem": "Prove that 2 is prime."})["flags"] == ["proof"]
    assert step.process_row({"answer": "3", "problem": "Show that $x=3$; find $x$."})["flags"] == []
    assert step.process_row({"answer": "3", "problem": "(a) Find x. (b) Find y."})["flags"] == ["multi_part"]
    conditions = "Find the number of triples $(A, B, C)$ such that: (a) $|A| = 4$. (b) $|B| = 2$. (c) $C = A$."
    assert step.process_row({"answer": "3", "problem": conditions})["flags"] == []
    rec = IntegerTransform().process_row({"answer": "3", "problem": "p", "kind": "integer", "flags": ["multi_part"]})
    assert rec["reject"] == "multi_part"


def _records(problems_answers):
    return [
        {"idx": i, "key": " ".join(p.split()), "gt": a, "original_problem": p, "answer": a}
        for i, (p, a) in enumerate(problems_answers)
    ]


def test_dedup_exact_conflicts_and_near():
    long = (
        "A bag holds five red marbles and three blue marbles. Two marbles are drawn from the bag one after the other, "
        "without replacement and uniformly at random, and their colours are written down in the order drawn."
    )
    records = _records(
        [
            ("What is 2+2?", "4"),
            ("What is  2+2?", "4"),  # exact duplicate after whitespace normalisation
            ("Largest power of 2 dividing 3^15+3^11+3^6+1?", "6"),
            ("Largest power of 2 dividing 3^15+3^11+3^6+1?", "64"),  # conflict: both dropped
            (long + " How many ways are there in total?", "28"),
            (long + " How many ways are there in total ?", "28"),  # near duplicate, same answer: dropped
            (long.replace("five", "six") + " How many ways are there in total?", "36"),  # variant: kept
        ]
    )
    context = Context(progress=False)
    result = run_steps(records, [Dedup()], context)
    assert [r["idx"] for r in result.kept] == [0, 4, 6]
    reasons = {r["idx"]: r["reject"] for r in result.rejected}
    assert reasons == {
        1: "exact_duplicate",
        2: "conflicting_duplicate",
        3: "conflicting_duplicate",
        5: "near_duplicate",
    }
    note = result.stats[0].extra
    assert note["exact_unique"] == 5 and note["conflict_groups"] == 1 and note["near_variants_kept"] == 1
    assert note["conflicts"][0]["answers"] == ["6", "64"]


def test_decontaminate_reports_per_benchmark(tmp_path):
    aime = _write_jsonl(
        tmp_path / "aime.jsonl",
        [
            {
                "problem": "Find the number of ordered pairs of positive integers $(a,b)$ such that $a+b=1000$ and neither "
                "$a$ nor $b$ has a zero digit.",
                "answer": "738",
            },
        ],
    )
    amc = _write_jsonl(tmp_path / "amc.jsonl", [{"question": "What is 3 + 4?", "answer": 7}])
    records = _records(
        [
            (
                "Find the number of ordered pairs of positive integers $(a, b)$ such that $a + b = 1000$ and neither $a$ "
                "nor $b$ has a zero digit.",
                "738",
            ),
            ("What is 3 + 4?", "7"),
            ("What is 3 + 5?", "8"),
        ]
    )
    result = run_steps(records, [Decontaminate([str(aime), str(amc)])], Context(progress=False))
    assert [r["idx"] for r in result.kept] == [2]
    assert result.stats[0].extra["benchmarks"] == {
        "aime": {"eval_problems": 1, "hits": 1},
        "amc": {"eval_problems": 1, "hits": 1},
    }


def test_writer_schema_template_and_atomicity(tmp_path):
    records = [
        {
            "idx": 3,
            "problem": "What is $1+1$?",
            "gt": "2",
            "original_problem": "What is $1+1$?",
            "answer": "2",
            "transform": "keep",
            "source": "toy",
        }
    ]
    out = tmp_path / "o.parquet"
    write_parquet(records, out)
    table = pq.read_table(out)
    assert table.column_names == ["data_source", "prompt", "ability", "reward_model", "extra_info"]
    row = table.to_pylist()[0]
    assert row["prompt"] == [{"content": DAPO_TEMPLATE.format(problem="What is $1+1$?"), "role": "user"}]
    assert row["prompt"][0]["content"] == (
        "Solve the following math problem step by step. The last line of your response should be of the form "
        "Answer: $Answer (without quotes) where $Answer is the answer to the problem.\n\nWhat is $1+1$?\n\n"
        'Remember to put your answer on its own line after "Answer:".'
    )
    assert row["data_source"] == "math_dapo" and row["ability"] == "MATH"
    assert row["reward_model"] == {"ground_truth": "2", "style": "rule"}
    assert row["extra_info"] == {
        "index": 3,
        "original_problem": "What is $1+1$?",
        "original_answer": "2",
        "transform": "keep",
        "source": "toy",
        "problem_id": problem_id("What is $1+1$?"),  # the id `curate --pass-rates` matches scored samples by
        "pass_rate": None,
    }
    assert row["extra_info"]["problem_id"] == problem_id(row["prompt"][0]["content"])
    assert [p.name for p in tmp_path.iterdir()] == ["o.parquet"]
    write_parquet(records, tmp_path / "b.parquet", template="boxed")
    boxed = pq.read_table(tmp_path / "b.parquet").to_pylist()[0]["prompt"][0]["content"]
    assert boxed.endswith("output the final answer within \\boxed{}.")


def test_report_counts_and_plot(tmp_path):
    records = load_records(
        [
            str(
                _write_jsonl(
                    tmp_path / "r.jsonl",
                    [
                        {"problem": "Compute a half.", "answer": "\\frac{1}{2}"},
                        {"problem": "Name a day.", "answer": "\\text{Monday}"},
                        {"problem": "What is 6 times 7?", "answer": "42"},
                    ],
                )
            )
        ]
    )
    steps = [GoldAnswer(), Normalise(), Classify(use_verifiers=False), IntegerTransform(), Dedup()]
    result = run_steps(records, steps, Context(progress=False))
    report = build_report(result, ["r.jsonl"], "out.parquet", 1.0)
    assert report["rows_in"] == 3 and report["rows_out"] == 2
    assert report["reject_reasons"] == {"free_text": 1}
    assert report["answer_kinds"] == {"fraction": 1, "text": 1, "integer": 1}
    assert report["coverage"]["transformed"] == 1 and report["coverage"]["non_integer_answers"] == 2
    files = write_report(report, result, tmp_path / "rep")
    assert [f.name for f in files] == ["report.json", "rejected.jsonl", "curation_report.png"]
    assert files[2].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(files[1].read_text())["reason"] == "free_text"
    assert any("coverage: 1/2" in line for line in summary_lines(report))


def test_console_lists_every_reject_reason_or_counts_the_rest():
    rejects = {f"reason_{i:02d}": 20 - i for i in range(14)}
    report = {
        "rows_in": 200,
        "rows_out": 10,
        "steps": {"transform": {"in": 200, "out": 10, "rejects": rejects}},
        "answer_kinds": {"integer": 10},
        "transforms_written": {},
        "coverage": {"share": None},
    }
    (line,) = [line for line in summary_lines(report) if line.startswith("  transform ")]
    shown = [f"reason_{i:02d} {20 - i}" for i in range(12)]
    assert line.endswith(", ".join(shown) + ", +2 more (15 rows; see report.json)")
    report["steps"]["transform"]["rejects"] = {"free_text": 3, "equation": 1}
    (line,) = [line for line in summary_lines(report) if line.startswith("  transform ")]
    assert line.endswith("free_text 3, equation 1")
