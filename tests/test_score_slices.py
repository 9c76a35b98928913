"""Workers own their I/O: slices of every input kind cover each row once and in order, parts join into the file one
process writes, row numbers in errors stay those of the whole file, and ``--output-parts`` gives one dataset."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from mathreward import tables
from mathreward.parquet_parts import PartsDiffer, concat_parquet
from mathreward.scoring.score_files import score_file
from mathreward.tables import TableError, plan_slices, read_slice

ENDINGS = [
    "Answer: {g}",
    "Answer: {w}",
    "So $\\boxed{{{g}}}$.",
    "<think>a < b</think>\nAnswer: {g}/4",
    "<think>unfinished",
]


def _rows(n: int) -> list[dict]:
    rows = []
    for i in range(n):
        g = i % 97
        ending = ENDINGS[i % len(ENDINGS)].format(g=g, w=g + 1)
        gold = f"\\frac{{{g}}}{{4}}" if "/4" in ending else str(g)
        rows.append({"id": i, "response": f"Reasoning {i}.\n\n{ending}", "gold": gold})
    return rows


def _jsonl(path: Path, rows: list[dict], blank_every: int = 0) -> Path:
    lines = []
    for index, row in enumerate(rows):
        lines.append(json.dumps(row) + "\n")
        if blank_every and index % blank_every == 0:
            lines.append("\n")
    path.write_text("\ufeff" + "".join(lines), encoding="utf-8")
    return path


def _ids(piece_batches) -> list[int]:
    return [row["id"] for batch in piece_batches for row in batch.to_records()]


@pytest.mark.parametrize("parts", [1, 2, 3, 7, 50])
def test_slices_cover_every_row_once_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parts: int) -> None:
    monkeypatch.setattr(tables.slices, "JSONL_MIN_SLICE_BYTES", 1)
    rows = _rows(203)
    groups = tmp_path / "groups.parquet"
    pq.write_table(pa.Table.from_pylist(rows), groups, row_group_size=17)
    one = tmp_path / "one.parquet"
    pq.write_table(pa.Table.from_pylist(rows), one)
    lines = _jsonl(tmp_path / "rows.jsonl", rows, blank_every=5)
    for path, kind in ((groups, "groups"), (one, "rows" if parts > 1 else "groups"), (lines, "bytes")):
        pieces = plan_slices(path, parts)
        assert {piece.kind for piece in pieces} == {kind}
        assert len(pieces) <= max(parts, 1)
        ids = []
        for piece in pieces:
            batches = list(read_slice(piece, batch_size=10))
            ids += _ids(batches)
            if piece.first_row >= 0 and batches:
                assert batches[0].start == piece.first_row  # row numbers count from the start of the file
        assert ids == list(range(203)), (path.name, parts)


def test_parquet_parts_join_byte_for_byte(tmp_path: Path) -> None:
    table = pa.Table.from_pylist(_rows(100))
    parts = []
    for index, start in enumerate(range(0, 100, 30)):
        part = tmp_path / f"p{index}.parquet"
        pq.write_table(table.slice(start, 30), part, row_group_size=7, write_page_index=index == 1)
        parts.append(part)
    concat_parquet(parts, tmp_path / "joined.parquet")
    joined = pq.ParquetFile(tmp_path / "joined.parquet")
    assert joined.metadata.num_rows == 100 and joined.metadata.num_row_groups == 5 + 5 + 5 + 2
    assert joined.read().equals(table)
    assert pq.read_table(tmp_path / "joined.parquet", filters=[("id", ">=", 95)]).column("id").to_pylist() == [
        95,
        96,
        97,
        98,
        99,
    ]
    pq.write_table(table.drop_columns(["gold"]), tmp_path / "other.parquet")
    with pytest.raises(PartsDiffer):
        concat_parquet([parts[0], tmp_path / "other.parquet"], tmp_path / "bad.parquet")


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl", ".json"])
@pytest.mark.parametrize("source_kind", ["groups", "one_group", "jsonl"])
def test_two_workers_write_what_one_process_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, source_kind: str
) -> None:
    monkeypatch.setattr(tables.slices, "JSONL_MIN_SLICE_BYTES", 1)
    rows = _rows(600)
    if source_kind == "jsonl":
        source = _jsonl(tmp_path / "in.jsonl", rows, blank_every=7)
    else:
        source = tmp_path / "in.parquet"
        pq.write_table(pa.Table.from_pylist(rows), source, row_group_size=50 if source_kind == "groups" else None)
    one = score_file(source, tmp_path / f"one{suffix}", workers=1, progress=False)
    two = score_file(source, tmp_path / f"two{suffix}", workers=2, progress=False)
    assert (tmp_path / f"one{suffix}").read_bytes() == (tmp_path / f"two{suffix}").read_bytes() or (
        suffix == ".parquet" and pq.read_table(tmp_path / "one.parquet").equals(pq.read_table(tmp_path / "two.parquet"))
    )
    out = tables.read_rows(tmp_path / f"two{suffix}")
    assert [row["id"] for row in out] == list(range(600))
    assert {row["status"] for row in out} == {"correct", "wrong", "no_answer"}
    assert one["status_counts"] == two["status_counts"] and two["rows"] == 600
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([source.name, f"one{suffix}", f"two{suffix}"])


@pytest.mark.parametrize("source_kind", ["groups", "one_group", "jsonl", "jsonl_syntax"])
def test_a_bad_row_in_a_later_slice_names_its_row_in_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source_kind: str
) -> None:
    monkeypatch.setattr(tables.slices, "JSONL_MIN_SLICE_BYTES", 1)
    rows = [
        {"id": row["id"], "response": row["response"], "reward_model": {"ground_truth": row["gold"]}}
        for row in _rows(400)
    ]
    rows[345]["reward_model"] = None  # row 346 has no gold
    if source_kind.startswith("jsonl"):
        source = tmp_path / "in.jsonl"
        lines = [json.dumps(row) + "\n" for row in rows]
        if source_kind == "jsonl_syntax":
            lines[345] = "{not json\n"
        source.write_text("".join(lines), encoding="utf-8")
    else:
        source = tmp_path / "in.parquet"
        pq.write_table(pa.Table.from_pylist(rows), source, row_group_size=50 if source_kind == "groups" else None)
    errors = []
    for workers in (1, 2):
        with pytest.raises(TableError) as info:
            score_file(source, tmp_path / f"out{workers}.parquet", workers=workers, progress=False)
        errors.append(str(info.value))
    assert errors[0] == errors[1]
    expected = (
        "row 346: invalid JSON" if source_kind == "jsonl_syntax" else "row 346: field 'reward_model.ground_truth'"
    )
    assert expected in errors[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == [source.name]  # no output, no parts


def test_output_parts_is_one_dataset_in_input_order(tmp_path: Path) -> None:
    rows = _rows(500)
    source = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(rows), source, row_group_size=40)
    score_file(source, tmp_path / "single.parquet", workers=1, progress=False)
    summary = score_file(source, tmp_path / "parts", workers=2, progress=False, output_parts=True)
    names = sorted(p.name for p in (tmp_path / "parts").iterdir())
    assert len(names) > 2 and all(name.startswith("part-") and name.endswith(".parquet") for name in names)
    dataset = ds.dataset(tmp_path / "parts", format="parquet").to_table()
    assert dataset.equals(pq.read_table(tmp_path / "single.parquet"))
    assert summary["rows"] == 500


def test_jsonl_slices_without_rows_still_join(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables.slices, "JSONL_MIN_SLICE_BYTES", 1)
    rows = _rows(6)
    rows[2]["response"] += " padding" * 2000  # one long line: several byte slices start and end inside it
    source = _jsonl(tmp_path / "in.jsonl", rows)
    assert len(plan_slices(source, 8)) == 8
    score_file(source, tmp_path / "one.parquet", workers=1, progress=False)
    score_file(source, tmp_path / "two.parquet", workers=2, progress=False)
    assert pq.read_table(tmp_path / "two.parquet").equals(pq.read_table(tmp_path / "one.parquet"))
    assert pq.read_table(tmp_path / "two.parquet").column("id").to_pylist() == list(range(6))


@pytest.mark.parametrize("row_group_size", [None, 90])
def test_copied_input_pages_give_the_table_a_rewrite_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, row_group_size: int | None
) -> None:
    from mathreward.scoring import score_files

    rows = [{**row, "prompt": [{"role": "user", "content": f"Q{row['id']}"}]} for row in _rows(500)]
    source = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(rows), source, row_group_size=row_group_size)
    score_file(source, tmp_path / "copied.parquet", workers=2, progress=False)
    monkeypatch.setattr(score_files, "_copies_input_pages", lambda inputs, output: False)
    score_file(source, tmp_path / "rewritten.parquet", workers=2, progress=False)
    copied = pq.ParquetFile(tmp_path / "copied.parquet")
    assert copied.metadata.num_row_groups == pq.ParquetFile(source).metadata.num_row_groups
    assert copied.read().equals(pq.read_table(tmp_path / "rewritten.parquet"))
    assert copied.schema_arrow == pq.read_schema(tmp_path / "rewritten.parquet")
    assert copied.read().column("prompt").to_pylist() == [row["prompt"] for row in rows]


def _grouped(path: Path, sizes: list[int]) -> Path:
    """A parquet file with one row group of each size in ``sizes`` (0: an empty row group)."""
    rows = _rows(sum(sizes))
    table = pa.Table.from_pylist(rows)
    with pq.ParquetWriter(path, table.schema) as writer:
        start = 0
        for size in sizes:
            writer.write_table(table.slice(start, size), row_group_size=max(1, size))
            start += size
    assert pq.ParquetFile(path).metadata.num_row_groups == len(sizes)
    return path


@pytest.mark.parametrize(
    ("sizes", "parts", "expected"),
    [
        ([50] * 20, 2, [500, 500]),  # equal groups: equal halves (a greedy cut gave 3 + 3 + ... + 2 groups)
        ([50] * 20, 8, [150, 100] * 4),  # each cut at the boundary nearest its mark (a tie: the later one)
        ([50] * 20, 64, [50] * 20),  # more parts than groups: one group each
        ([10, 10, 10, 100, 10], 3, [30, 100, 10]),
        ([0, 40, 0, 0, 40, 0], 2, [40, 40]),  # empty groups add no empty slice
        ([0, 0], 3, [0]),  # a file of empty groups: one slice of no row
    ],
)
def test_group_slices_cut_near_even_shares(tmp_path: Path, sizes: list[int], parts: int, expected: list[int]) -> None:
    path = _grouped(tmp_path / "g.parquet", sizes)
    pieces = plan_slices(path, parts)
    assert [piece.rows for piece in pieces] == expected
    assert [piece.kind for piece in pieces] == ["groups"] * len(pieces)
    ids = [row for piece in pieces for row in _ids(list(read_slice(piece, batch_size=7)))]
    assert ids == list(range(sum(sizes)))
    firsts = [piece.first_row for piece in pieces]
    assert firsts == [sum(expected[:index]) for index in range(len(expected))]


@pytest.mark.parametrize(
    ("sizes", "per_group"),
    [([17, 17, 5, 30], True), ([40], True), ([17, 0, 20], False)],  # an empty group: the parent cuts the results
)
def test_workers_write_one_result_file_per_row_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sizes: list[int], per_group: bool
) -> None:
    from mathreward.scoring import score_files

    source = _grouped(tmp_path / "in.parquet", sizes)
    seen: list[tuple[int, ...]] = []
    monkeypatch.setattr(score_files, "BATCH_ROWS", 7)  # batches that cross row-group boundaries
    monkeypatch.setattr(score_files, "SLICES_PER_WORKER", 1)  # one slice of every group (in this process)
    real = score_files.score_slice

    def recording(task: score_files.Task, progress: object = None) -> object:
        seen.append(task.group_rows)
        return real(task, progress)

    monkeypatch.setattr(score_files, "score_slice", recording)
    score_file(source, tmp_path / "groups.parquet", workers=1, progress=False)
    assert seen == [tuple(sizes) if per_group else ()]
    monkeypatch.setattr(score_files, "_piece_groups", lambda piece, sizes: ())  # the parent cuts the results
    score_file(source, tmp_path / "cut.parquet", workers=1, progress=False)
    assert (tmp_path / "groups.parquet").read_bytes() == (tmp_path / "cut.parquet").read_bytes()
    out = pq.ParquetFile(tmp_path / "groups.parquet")
    assert [out.metadata.row_group(i).num_rows for i in range(out.metadata.num_row_groups)] == sizes
    table = out.read()
    assert table.column("id").to_pylist() == list(range(sum(sizes)))
    rewritten = tmp_path / "rewrite.jsonl"
    score_file(source, rewritten, workers=1, progress=False)
    expected = [json.loads(line) for line in rewritten.read_text().splitlines()]
    assert table.select(["id", "score", "correct", "pred", "status"]).to_pylist() == [
        {key: row[key] for key in ("id", "score", "correct", "pred", "status")} for row in expected
    ]


def test_group_results_refuse_a_short_slice(tmp_path: Path) -> None:
    import pyarrow as pa

    from mathreward.scoring.score_files import _GroupResults

    results = _GroupResults(tmp_path, 3, (4, 2))
    results.write(pa.record_batch([pa.array([1.0] * 5)], names=["score"]))
    assert pq.read_table(tmp_path / "results-00003.parquet").num_rows == 4
    with pytest.raises(RuntimeError, match="row group 4"):
        results.close()
