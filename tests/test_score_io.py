"""Rollout files: dotted nested fields, chat prompts, formats, atomic writes and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from mathreward.rewards.rollout_io import MISSING, RolloutError, chat_text, get_field, read_rollouts, write_rollouts

ROWS = [
    {
        "prompt": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "What is 6*7?"}],
        "response": "6*7 = 42\n\nAnswer: 42",
        "reward_model": {"ground_truth": "42", "style": "rule"},
        "data_source": "toy",
    },
    {
        "prompt": [{"role": "user", "content": "What is 2+2?"}],
        "response": "Answer: 5",
        "reward_model": {"ground_truth": "4", "style": "rule"},
        "data_source": "toy",
    },
]


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_get_field_follows_dotted_paths() -> None:
    record = {"a": {"b": {"c": 1}}, "x.y": 2, "items": [{"v": 3}, {"v": 4}]}
    assert get_field(record, "a.b.c") == 1
    assert get_field(record, "x.y") == 2
    assert get_field(record, "items.1.v") == 4
    assert get_field(record, "a.z") is MISSING
    assert get_field(record, "items.5.v") is MISSING
    assert get_field(record, "a.b.c.d") is MISSING


def test_chat_text_takes_the_last_message_of_the_role() -> None:
    chat = [
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "reply"},
        {"role": "user", "content": "second"},
    ]
    assert chat_text(chat, role="user") == "second"
    assert chat_text(chat, role="assistant") == "reply"
    assert chat_text([{"role": "assistant", "content": [{"type": "text", "text": "Answer: 1"}]}], role="assistant") == (
        "Answer: 1"
    )
    assert chat_text(None) == ""
    assert chat_text(42) == "42"
    assert chat_text(["a", "b"]) == "b"


def test_jsonl_and_parquet_read_the_same_records(tmp_path: Path) -> None:
    jsonl = read_rollouts(_write_jsonl(tmp_path / "r.jsonl", ROWS))
    pq.write_table(pa.Table.from_pylist(ROWS), tmp_path / "r.parquet")
    parquet = read_rollouts(tmp_path / "r.parquet")
    for rollouts in (jsonl, parquet):
        assert len(rollouts) == 2
        assert rollouts.column("reward_model.ground_truth") == ["42", "4"]
        assert rollouts.text_column("prompt", role="user") == ["What is 6*7?", "What is 2+2?"]
    assert parquet.table is not None


def test_json_list_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(ROWS), encoding="utf-8")
    assert read_rollouts(path).column("response") == [ROWS[0]["response"], ROWS[1]["response"]]


def test_missing_field_names_file_row_and_field(tmp_path: Path) -> None:
    rows = [ROWS[0], {"response": "Answer: 1"}]
    rollouts = read_rollouts(_write_jsonl(tmp_path / "r.jsonl", rows))
    with pytest.raises(RolloutError) as info:
        rollouts.column("reward_model.ground_truth")
    message = str(info.value)
    assert message == f"{tmp_path / 'r.jsonl'}: row 2: field 'reward_model.ground_truth' is missing"
    assert "\n" not in message


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("bad.jsonl", '{"response": "ok"}\n{not json}\n', "line 2: invalid JSON"),
        ("list.jsonl", "[1, 2]\n", "line 1: expected a JSON object"),
        ("bad.parquet", "this is not parquet", "cannot be read as parquet"),
        ("r.csv", "a,b\n", "unsupported file type '.csv'"),
    ],
)
def test_unreadable_files_raise_one_line(tmp_path: Path, name: str, content: str, fragment: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RolloutError, match=fragment) as info:
        read_rollouts(path)
    assert "\n" not in str(info.value)


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(RolloutError, match="no such file"):
        read_rollouts(tmp_path / "absent.jsonl")


def test_parquet_write_keeps_the_input_schema_and_appends_columns(tmp_path: Path) -> None:
    pq.write_table(pa.Table.from_pylist(ROWS), tmp_path / "in.parquet")
    rollouts = read_rollouts(tmp_path / "in.parquet")
    out = write_rollouts(
        tmp_path / "out.parquet",
        rollouts.records,
        source_table=rollouts.table,
        new_columns={"score": [1.0, -1.0], "pred": ["42", None]},
    )
    table = pq.read_table(out)
    assert table.schema.field("reward_model").type == rollouts.table.schema.field("reward_model").type
    assert table.column("score").to_pylist() == [1.0, -1.0]
    assert table.column("pred").to_pylist() == ["42", None]
    assert table.column("prompt").to_pylist() == [row["prompt"] for row in ROWS]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet", "out.parquet"]


def test_jsonl_round_trip_with_new_columns(tmp_path: Path) -> None:
    out = write_rollouts(tmp_path / "out.jsonl", ROWS, new_columns={"status": ["correct", "wrong"]})
    back = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert back == [{**ROWS[0], "status": "correct"}, {**ROWS[1], "status": "wrong"}]


def test_mixed_types_fall_back_to_json_text_in_parquet(tmp_path: Path) -> None:
    rows = [{"meta": 1, "response": "a"}, {"meta": "two", "response": "b"}]
    out = write_rollouts(tmp_path / "out.parquet", rows, new_columns={"score": [0.0, 1.0]})
    table = pq.read_table(out)
    assert table.column("meta").to_pylist() == ["1", '"two"']
    assert table.column("score").to_pylist() == [0.0, 1.0]


def test_failed_write_leaves_no_file(tmp_path: Path) -> None:
    class Unserialisable:
        def __str__(self) -> str:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        write_rollouts(tmp_path / "out.jsonl", [{"x": Unserialisable()}])
    assert list(tmp_path.iterdir()) == []


def test_bad_output_suffix_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(RolloutError, match="unsupported output type"):
        write_rollouts(tmp_path / "out.csv", ROWS)
