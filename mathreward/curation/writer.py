"""Write curated rows as parquet in the DAPO/verl schema, deterministically and atomically (temp file + rename)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from mathreward.curation.problem_text import problem_id

if TYPE_CHECKING:
    import pyarrow as pa

DAPO_TEMPLATE = (
    "Solve the following math problem step by step. The last line of your response should be of the form "
    "Answer: $Answer (without quotes) where $Answer is the answer to the problem.\n\n{problem}\n\n"
    'Remember to put your answer on its own line after "Answer:".'
)
BOXED_TEMPLATE = "{problem} Let's think step by step and output the final answer within \\boxed{{}}."
TEMPLATES = {"dapo": DAPO_TEMPLATE, "boxed": BOXED_TEMPLATE}
DATA_SOURCES = {"dapo": "math_dapo", "boxed": "lighteval/MATH"}


def render_prompt(problem: str, template: str = "dapo") -> str:
    """The user message for a problem under the named template."""
    return TEMPLATES[template].format(problem=problem)


def schema() -> pa.Schema:
    """Arrow schema of the written file (field order as in DAPO's released parquet)."""
    import pyarrow as pa

    return pa.schema(
        [
            ("data_source", pa.string()),
            ("prompt", pa.list_(pa.struct([("content", pa.string()), ("role", pa.string())]))),
            ("ability", pa.string()),
            ("reward_model", pa.struct([("ground_truth", pa.string()), ("style", pa.string())])),
            (
                "extra_info",
                pa.struct(
                    [
                        ("index", pa.int64()),
                        ("original_problem", pa.string()),
                        ("original_answer", pa.string()),
                        ("transform", pa.string()),
                        ("source", pa.string()),
                        ("problem_id", pa.string()),
                        ("pass_rate", pa.float64()),
                    ]
                ),
            ),
        ]
    )


def to_rows(records: list[dict], template: str = "dapo", data_source: str | None = None) -> list[dict]:
    """Records -> rows of the output schema."""
    source = data_source or DATA_SOURCES[template]
    return [
        {
            "data_source": source,
            "prompt": [{"content": render_prompt(r["problem"], template), "role": "user"}],
            "ability": "MATH",
            "reward_model": {"ground_truth": r["gt"], "style": "rule"},
            "extra_info": {
                "index": r["idx"],
                "original_problem": r["original_problem"],
                "original_answer": r["answer"],
                "transform": r["transform"],
                "source": r["source"],
                "problem_id": r.get("problem_id") or problem_id(r["problem"]),
                "pass_rate": r.get("pass_rate"),
            },
        }
        for r in records
    ]


def write_parquet(
    records: list[dict], path: str | Path, template: str = "dapo", data_source: str | None = None
) -> None:
    """Write the rows to ``path`` via ``<path>.tmp-<pid>`` and an atomic rename; the same input gives the same bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from mathreward.tables import temp_path

    path = Path(path)
    table = pa.Table.from_pylist(to_rows(records, template, data_source), schema=schema())
    tmp = temp_path(path)
    try:
        pq.write_table(table, tmp, compression="zstd", row_group_size=8192)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
