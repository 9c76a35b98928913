"""The one table reader/writer (``mathreward.tables``): dotted fields, chat fields, every format, streaming batches,
atomic writes and one-line errors naming file, row and field."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mathreward.tables import (
    MISSING,
    Batch,
    TableError,
    TableWriter,
    chat_text,
    get_field,
    read_batches,
    read_rows,
    read_table,
    write_rows,
)

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
    assert chat_text("abc", role="assistant") == "abc"
    assert chat_text({"role": "assistant", "content": "x"}, role="assistant") == "x"
    # a message without a role counts as one of the asked role; with none of the role, the last message
    untagged = [{"role": "user", "content": "q"}, {"content": "a"}]
    assert chat_text(untagged, role="assistant") == "a"
    assert chat_text(untagged, role="user") == "a"
    assert chat_text([{"role": "system", "content": "s"}, {"role": "user", "content": "u"}], role="assistant") == "u"
    assert chat_text(42) == "42"
    assert chat_text(["a", "b"]) == "b"
    with pytest.raises(ValueError, match="neither chat messages nor strings"):
        chat_text([1, "a"])


def test_every_format_reads_the_same_fields(tmp_path: Path) -> None:
    jsonl = read_table(_write_jsonl(tmp_path / "r.jsonl", ROWS))
    pq.write_table(pa.Table.from_pylist(ROWS), tmp_path / "r.parquet")
    parquet = read_table(tmp_path / "r.parquet")
    (tmp_path / "r.json").write_text(json.dumps(ROWS), encoding="utf-8")
    as_json = read_table(tmp_path / "r.json")
    for table in (jsonl, parquet, as_json):
        assert len(table) == 2
        assert table.column("reward_model.ground_truth") == ["42", "4"]
        assert table.text_column("prompt", role="user") == ["What is 6*7?", "What is 2+2?"]
        assert table.values("reward_model.nope") == [MISSING, MISSING]
        assert table.values("prompt.0.role") == ["system", "user"]  # list items by index, through Python
    assert parquet.arrow is not None and jsonl.arrow is None
    (tmp_path / "r.csv").write_text("problem,answer\nWhat is 1+1?,2\n", encoding="utf-8")
    assert read_rows(tmp_path / "r.csv") == [{"problem": "What is 1+1?", "answer": "2"}]


def test_null_struct_reads_as_missing_field(tmp_path: Path) -> None:
    rows = [{"reward_model": {"ground_truth": "1"}}, {"reward_model": None}]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "n.parquet")
    table = read_table(tmp_path / "n.parquet")
    assert table.values("reward_model.ground_truth") == ["1", MISSING]
    with pytest.raises(TableError) as info:
        table.column("reward_model.ground_truth")
    assert str(info.value) == f"{tmp_path / 'n.parquet'}: row 2: field 'reward_model.ground_truth' is missing"


def test_parquet_is_read_in_batches_with_row_numbers(tmp_path: Path) -> None:
    rows = [{"i": i, "response": f"Answer: {i}"} for i in range(10)]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "b.parquet", row_group_size=4)
    batches = list(read_batches(tmp_path / "b.parquet", batch_size=3))
    assert [batch.start for batch in batches] == [0, 3, 6, 9]
    assert sum((batch.column("i") for batch in batches), []) == list(range(10))
    copy = pickle.loads(pickle.dumps(batches[1].select(["response"])))  # what a worker receives
    assert copy.start == 3 and copy.arrow.schema.names == ["response"] and copy.column("response")[0] == "Answer: 3"
    rows[7] = {"i": 7}
    _write_jsonl(tmp_path / "b.jsonl", rows)
    with pytest.raises(TableError, match="row 8: field 'response' is missing"):
        for batch in read_batches(tmp_path / "b.jsonl", batch_size=3):
            batch.column("response")


def test_missing_field_names_file_row_and_field(tmp_path: Path) -> None:
    rows = [ROWS[0], {"response": "Answer: 1"}]
    table = read_table(_write_jsonl(tmp_path / "r.jsonl", rows))
    with pytest.raises(TableError) as info:
        table.column("reward_model.ground_truth")
    message = str(info.value)
    assert message == f"{tmp_path / 'r.jsonl'}: row 2: field 'reward_model.ground_truth' is missing"
    assert (info.value.row, info.value.field) == (2, "reward_model.ground_truth")
    assert str(pickle.loads(pickle.dumps(info.value))) == message  # crosses process boundaries intact


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("bad.jsonl", '{"response": "ok"}\n{not json}\n', "row 2: invalid JSON"),
        ("list.jsonl", "[1, 2]\n", "row 1: expected a JSON object"),
        ("bad.parquet", "this is not parquet", "cannot be read as parquet"),
        ("r.txt", "a,b\n", "unsupported file type '.txt'"),
        ("bad.json", "[1, 2]", "row 1: expected a JSON object, got int"),
    ],
)
def test_unreadable_files_raise_one_line(tmp_path: Path, name: str, content: str, fragment: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TableError, match=fragment) as info:
        read_rows(path)
    assert "\n" not in str(info.value)


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(TableError, match="no such file"):
        read_rows(tmp_path / "absent.jsonl")


def test_parquet_writer_keeps_the_input_schema_and_appends_columns(tmp_path: Path) -> None:
    pq.write_table(pa.Table.from_pylist(ROWS), tmp_path / "in.parquet")
    (batch,) = read_batches(tmp_path / "in.parquet")
    with TableWriter(tmp_path / "out.parquet", {"score": pa.float64()}) as writer:
        writer.write(batch, {"score": [1.0, -1.0], "pred": ["42", None]})
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.schema.field("reward_model").type == batch.arrow.schema.field("reward_model").type
    assert table.column("score").to_pylist() == [1.0, -1.0]
    assert table.column("pred").to_pylist() == ["42", None]
    assert table.column("prompt").to_pylist() == [row["prompt"] for row in ROWS]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet", "out.parquet"]


def test_jsonl_and_json_round_trip_with_new_columns(tmp_path: Path) -> None:
    for name in ("out.jsonl", "out.json"):
        with TableWriter(tmp_path / name) as writer:
            writer.write(Batch("x", 0, records=ROWS[:1]), {"status": ["correct"]})
            writer.write(Batch("x", 1, records=ROWS[1:]), {"status": ["wrong"]})
        assert read_rows(tmp_path / name) == [{**ROWS[0], "status": "correct"}, {**ROWS[1], "status": "wrong"}]


def test_mixed_types_fall_back_to_json_text_in_parquet(tmp_path: Path) -> None:
    rows = [{"meta": 1, "response": "a"}, {"meta": "two", "response": "b"}]
    write_rows(tmp_path / "out.parquet", rows)
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.column("meta").to_pylist() == ["1", '"two"']
    assert table.column("response").to_pylist() == ["a", "b"]


def test_failed_write_leaves_no_file(tmp_path: Path) -> None:
    class Unserialisable:
        def __str__(self) -> str:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        write_rows(tmp_path / "out.jsonl", [{"x": "fine"}, {"x": Unserialisable()}])
    assert list(tmp_path.iterdir()) == []


def test_bad_output_suffix_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(TableError, match="unsupported output type"):
        write_rows(tmp_path / "out.csv", ROWS)
