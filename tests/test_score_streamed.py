"""The output of a parquet run is written while the workers score: each row group's own pages are copied (ahead of
its results), then its results once its slice and every one before it have ended. The file keeps the input's row
groups and columns, holds the rows the path that writes every column writes, and a failure part way leaves nothing
behind."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mathreward.parquet_parts import ColumnAppender, PartsDiffer
from mathreward.rewards.base import RESULT_FIELDS
from mathreward.scoring import score_files
from mathreward.scoring.score_files import score_file
from mathreward.tables import TableError

ENDINGS = ["Answer: {g}", "Answer: {w}", "So $\\boxed{{{g}}}$.", "no answer here"]


def _rows(n: int) -> list[dict]:
    rows = []
    for i in range(n):
        g = i % 89
        ending = ENDINGS[i % len(ENDINGS)].format(g=g, w=g + 3)
        rows.append({"id": i, "response": f"Step {i}.\n\n{ending}", "gold": str(g), "note": {"k": i % 5}})
    return rows


def _grouped(path: Path, sizes: list[int], rows: list[dict] | None = None) -> Path:
    """A parquet file with one row group of each size in ``sizes`` (0: an empty row group)."""
    table = pa.Table.from_pylist(rows or _rows(sum(sizes)))
    with pq.ParquetWriter(path, table.schema) as writer:
        start = 0
        for size in sizes:
            writer.write_table(table.slice(start, size), row_group_size=max(1, size))
            start += size
    assert pq.ParquetFile(path).metadata.num_row_groups == len(sizes)
    return path


@pytest.mark.parametrize(
    ("sizes", "workers"),
    [
        ([37, 37, 37, 37, 37, 12], 2),  # several groups: slices end out of order, appended in order
        ([37, 37, 37, 37, 37, 12], 1),
        ([150], 2),  # one row group: cut into row ranges, its pages copied while they are scored
        ([40], 1),
        ([25, 0, 30, 0, 20], 2),  # empty row groups: the parent cuts the results
    ],
)
def test_streamed_output_keeps_the_input_row_groups_and_rows(tmp_path: Path, sizes: list[int], workers: int) -> None:
    source = _grouped(tmp_path / "in.parquet", sizes)
    out = tmp_path / "out.parquet"
    summary = score_file(source, out, workers=workers, progress=False)
    written = pq.ParquetFile(out).metadata
    assert [written.row_group(g).num_rows for g in range(written.num_row_groups)] == sizes
    assert pq.read_table(out, columns=pq.read_schema(source).names).equals(pq.read_table(source))
    rewritten = tmp_path / "rewritten.jsonl"  # the same rows through the path that writes every column
    score_file(source, rewritten, workers=workers, progress=False)
    expected = [json.loads(line) for line in rewritten.read_text().splitlines()]
    assert pq.read_table(out).to_pylist() == expected
    assert summary["rows"] == sum(sizes)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["in.parquet", "out.parquet", "rewritten.jsonl"])


def test_two_workers_stream_what_one_writes_with_many_groups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(score_files, "BATCH_ROWS", 16)  # batches that cross row-group boundaries
    source = _grouped(tmp_path / "in.parquet", [23] * 30)  # 30 groups, more than slices: several groups a slice
    score_file(source, tmp_path / "one.parquet", workers=1, progress=False)
    score_file(source, tmp_path / "two.parquet", workers=2, progress=False)
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "two.parquet").read_bytes()
    assert pq.read_table(tmp_path / "two.parquet").column("id").to_pylist() == list(range(690))


def test_jsonl_input_keeps_the_path_that_writes_every_column(tmp_path: Path) -> None:
    rows = _rows(120)
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    score_file(source, tmp_path / "one.parquet", workers=1, progress=False)
    score_file(source, tmp_path / "two.parquet", workers=2, progress=False)
    table = pq.read_table(tmp_path / "two.parquet")
    assert table.equals(pq.read_table(tmp_path / "one.parquet"))
    assert table.column("id").to_pylist() == list(range(120))
    assert table.column_names == ["id", "response", "gold", "note", *RESULT_FIELDS]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failure_after_groups_were_appended_leaves_no_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    rows = [{**row, "reward_model": {"ground_truth": row.pop("gold")}} for row in _rows(300)]
    rows[287]["reward_model"] = None  # a row without gold in the last row group
    source = _grouped(tmp_path / "in.parquet", [30] * 10, rows)
    added: list[int] = []
    real_add = ColumnAppender.add

    def recording(self: ColumnAppender, extra: object) -> None:
        added.append(self.done)
        real_add(self, extra)  # type: ignore[arg-type]

    monkeypatch.setattr(ColumnAppender, "add", recording)
    monkeypatch.setattr(score_files, "SLICES_PER_WORKER", 10 // workers)  # one group a slice
    with pytest.raises(TableError) as caught:
        score_file(source, tmp_path / "out.parquet", workers=workers, progress=False)
    assert "row 288: field 'reward_model.ground_truth'" in str(caught.value) and "\n" not in str(caught.value)
    assert added and added == list(range(len(added))) and len(added) < 10  # groups went in, in order, then it failed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet"]  # no output, no temp file, no parts


def test_column_appender_pages_ahead_give_the_same_bytes(tmp_path: Path) -> None:
    source = _grouped(tmp_path / "in.parquet", [10, 20, 5])
    extras = []
    for index, size in enumerate([10, 20, 5]):
        extra = tmp_path / f"x{index}.parquet"
        pq.write_table(
            pa.table({"score": [float(i) for i in range(size)], "tag": [f"t{i}" for i in range(size)]}), extra
        )
        extras.append(extra)
    with ColumnAppender(source, tmp_path / "whole.parquet") as appender:
        for extra in extras:
            appender.add(extra)
        appender.finish()
    with ColumnAppender(source, tmp_path / "ahead.parquet") as appender:
        appender.pages()
        appender.pages()  # a second call copies nothing more
        for extra in extras:
            appender.add(extra)
            appender.pages()
        assert appender.done == 3
        appender.finish()
    assert (tmp_path / "ahead.parquet").read_bytes() == (tmp_path / "whole.parquet").read_bytes()
    table = pq.read_table(tmp_path / "ahead.parquet")
    assert table.column("score").to_pylist() == [float(i) for size in (10, 20, 5) for i in range(size)]
    assert table.column("id").to_pylist() == list(range(35))


def test_column_appender_refuses_extras_that_do_not_fit(tmp_path: Path) -> None:
    source = _grouped(tmp_path / "in.parquet", [4, 3])
    four = tmp_path / "four.parquet"
    pq.write_table(pa.table({"score": [1.0] * 4}), four)
    other = tmp_path / "other.parquet"
    pq.write_table(pa.table({"pred": ["a"] * 3}), other)
    with ColumnAppender(source, tmp_path / "a.parquet") as appender:
        with pytest.raises(PartsDiffer, match="one row group of 4 rows"):
            appender.add(other)  # 3 rows for a group of 4
        appender.add(four)
        with pytest.raises(PartsDiffer, match="schemas differ"):
            appender.add(other)
        with pytest.raises(PartsDiffer, match="1 extra parts for 2 row groups"):
            appender.finish()


def test_a_scoring_process_allocates_with_malloc_and_converts_without_pandas() -> None:
    import subprocess
    import sys

    code = (
        "import sys, importlib.util\n"
        "from mathreward.scoring.score_files import setup_scoring_process\n"
        "setup_scoring_process()\n"
        "import pyarrow as pa\n"
        "assert pa.default_memory_pool().backend_name == 'system', pa.default_memory_pool().backend_name\n"
        "assert pa.array(['7', None, '3/4']).to_pylist() == ['7', None, '3/4']\n"
        "assert pa.array([1.5, None]).type == pa.float64()\n"
        "assert 'pandas' not in sys.modules\n"
        "if importlib.util.find_spec('pandas') is not None:\n"
        "    import pandas\n"  # still importable, and Arrow still converts its frames
        "    assert pa.Table.from_pandas(pandas.DataFrame({'a': [1, 2]})).column('a').to_pylist() == [1, 2]\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ok\n"


def test_row_ranges_of_one_row_group_are_longer_first(tmp_path: Path) -> None:
    """Each reader of a one-group file decodes every row up to the end of its range: the earlier ranges are longer
    so that all end together (the share of decoding in a row's time: ``tables.DECODE_SHARE``)."""
    from mathreward import tables

    source = _grouped(tmp_path / "one.parquet", [1000])
    assert tables.DECODE_SHARE == 0.17
    assert [piece.rows for piece in tables.plan_slices(source, 32, 2)] == [546, 454]  # 1000 / (2 - 0.17)
    four = tables.plan_slices(source, 64, 4)
    assert [piece.rows for piece in four] == [324, 268, 223, 185]
    ends = [piece.begin + piece.rows for piece in four]
    keep = 1 - tables.DECODE_SHARE
    assert ends == [round(1000 * (1 - keep**i) / (1 - keep**4)) for i in range(1, 5)]
    assert [piece.first_row for piece in four] == [0, *ends[:-1]]
    work = [end * tables.DECODE_SHARE + piece.rows * keep for end, piece in zip(ends, four, strict=True)]
    assert max(work) - min(work) < 1.0  # decoding up to its end plus scoring its own rows: the same for each
    assert [piece.rows for piece in tables.plan_slices(source, 16, 1)] == [1000]
