"""Training prompts read through the table reader: prompts, golds and pairwise anchors, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mathreward.rl.data import anchor_solutions, load_prompt_parquet
from mathreward.tables import TableError

ROWS = [
    {"prompt": [{"role": "user", "content": "1+1?"}], "reward_model": {"ground_truth": "2"}, "sol": "It is 2."},
    {"prompt": [{"role": "user", "content": "2+2?"}], "reward_model": {"ground_truth": "4"}, "sol": None},
]


def _parquet(path: Path, rows: list[dict]) -> Path:
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def test_prompts_golds_and_anchors(tmp_path: Path) -> None:
    path = _parquet(tmp_path / "train.parquet", ROWS)
    data = load_prompt_parquet(path)
    assert data.prompts == [[{"role": "user", "content": "1+1?"}], [{"role": "user", "content": "2+2?"}]]
    assert data.golds == ["2", "4"]
    plain = load_prompt_parquet(
        _parquet(tmp_path / "plain.parquet", [{"q": "3+3?", "answer": 6}]), prompt_field="q", gold_field="answer"
    )
    assert (plain.prompts, plain.golds) == (["3+3?"], ["6"])
    assert anchor_solutions(path, None, data.golds) == ["Answer: 2", "Answer: 4"]
    assert anchor_solutions(_parquet(tmp_path / "one.parquet", ROWS[:1]), "sol", ["2"]) == ["It is 2."]


@pytest.mark.parametrize(
    ("rows", "field", "message"),
    [
        (
            [ROWS[0], {**ROWS[1], "reward_model": {"ground_truth": None}}],
            None,
            "row 2: field 'reward_model.ground_truth' is missing",
        ),
        ([{"prompt": "  ", "reward_model": {"ground_truth": "1"}}], None, "row 1: field 'prompt' is empty"),
        (ROWS, "sol", "row 2: field 'sol' is missing or not a string"),
    ],
)
def test_bad_rows_are_one_line_naming_row_and_field(tmp_path: Path, rows, field, message) -> None:
    path = _parquet(tmp_path / "bad.parquet", rows)
    with pytest.raises(TableError) as caught:
        anchor_solutions(path, field, ["2", "4"]) if field else load_prompt_parquet(path)
    assert str(caught.value) == f"{path}: {message}"


def test_only_parquet_is_read(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text('{"prompt": "q", "reward_model": {"ground_truth": "1"}}\n', encoding="utf-8")
    with pytest.raises(TableError, match=r"train\.jsonl: unsupported file type '\.jsonl'; use one of \.parquet, \.pq"):
        load_prompt_parquet(path)
