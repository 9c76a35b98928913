"""`mathreward score` stopped mid-run by SIGTERM, SIGKILL or SIGINT (parquet, jsonl, --output-parts; 1 and 2 workers).

Each run is held mid-scoring by ``fault_rewards.GatedReward`` (its last row waits for a release file) and signalled
once the state is on disk (the held marker, a part written). Then: no process of the run is alive 5 s later, an
existing output is byte-identical, the next run leaves no temporary file and writes what a clean run writes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fault_rewards import HOLD
from faults import assert_all_gone, check_exit, descendants, run, signal_run, start, temporary_files, wait_for

pytestmark = pytest.mark.timeout(300)

JSONL_ROWS = 4600  # ~9 MiB: two 4 MiB byte slices, so two workers each get one
PARQUET_GROUPS, GROUP_ROWS = 4, 500
PREVIOUS = b"an earlier run's output, which a stopped run must leave as it is\n"

# name -> (input file, output name, workers, extra flags)
CONFIGS = {
    "parquet-1": ("in.parquet", "out.parquet", 1, []),
    "parquet-2": ("in.parquet", "out.parquet", 2, []),
    "jsonl-1": ("in.jsonl", "out.jsonl", 1, []),
    "jsonl-2": ("in.jsonl", "out.jsonl", 2, []),
    "parts-2": ("in.parquet", "out_parts", 2, ["--output-parts"]),
}
CASES = [
    ("TERM", "parquet-1"),
    ("TERM", "parquet-2"),
    ("TERM", "jsonl-1"),
    ("TERM", "jsonl-2"),
    ("TERM", "parts-2"),
    ("KILL", "parquet-2"),
    ("KILL", "jsonl-1"),
    ("KILL", "jsonl-2"),
    ("KILL", "parts-2"),
    ("INT", "parquet-2"),
    ("INT", "jsonl-1"),
    ("INT", "parts-2"),
]


def _row(index: int, last: bool) -> dict:
    response = f"{'We work it out step by step. ' * 64}\n\nAnswer: {index % 7}"
    return {
        "id": index,
        "response": (HOLD + " " if last else "") + response,
        "reward_model": {"ground_truth": str(index % 5), "style": "rule"},
        "data_source": "math_dapo",
    }


def _write_inputs(folder: Path) -> None:
    with open(folder / "in.jsonl", "w", encoding="utf-8") as handle:
        for index in range(JSONL_ROWS):
            handle.write(json.dumps(_row(index, index == JSONL_ROWS - 1)) + "\n")
    rows = [_row(index, index == PARQUET_GROUPS * GROUP_ROWS - 1) for index in range(PARQUET_GROUPS * GROUP_ROWS)]
    pq.write_table(pa.Table.from_pylist(rows), folder / "in.parquet", row_group_size=GROUP_ROWS)


def _args(config: str, gate: Path) -> list[str]:
    source, output, workers, extra = CONFIGS[config]
    return [
        "score",
        source,
        "-o",
        output,
        "--workers",
        str(workers),
        "--reward",
        "fault_rewards:GatedReward",
        "--reward-option",
        f"gate={gate}",
        "--no-progress",
        *extra,
    ]


def _content(path: Path) -> list:
    """What an output holds: its rows (a file, or a folder of parquet parts in order)."""
    if path.is_dir():
        return [row for part in sorted(path.glob("part-*")) for row in pq.read_table(part).to_pylist()]
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pylist()
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fault_inputs")
    _write_inputs(folder)
    return folder


@pytest.fixture(scope="module")
def clean_outputs(inputs: Path, tmp_path_factory) -> dict[str, list]:
    """What an undisturbed run of each configuration writes (computed on first use)."""
    cache: dict[str, list] = {}

    def clean(config: str) -> list:
        if config not in cache:
            folder = tmp_path_factory.mktemp(f"clean_{config}")
            for name in ("in.jsonl", "in.parquet"):
                (folder / name).symlink_to(inputs / name)
            gate = folder / "gate"
            gate.mkdir()
            (gate / "release").touch()
            done = run(_args(config, gate), folder)
            assert done.returncode == 0, done.stderr
            cache[config] = _content(folder / CONFIGS[config][1])
            assert len(cache[config]) == (JSONL_ROWS if "jsonl" in config else PARQUET_GROUPS * GROUP_ROWS)
        return cache[config]

    return clean  # type: ignore[return-value]


def _parts_on_disk(folder: Path, output: str) -> bool:
    """Whether the run has put some of its work on disk: a part or result file, or the output's temporary file."""
    return any(
        (path.is_file() and path.stat().st_size > 0)
        for path in folder.glob(f"{output}.*-*")
        for path in ([path] if path.is_file() else path.iterdir())
    )


@pytest.mark.parametrize(("signal_name", "config"), CASES, ids=[f"{s}-{c}" for s, c in CASES])
def test_score_stopped_mid_run_leaves_nothing_and_reruns_clean(
    signal_name: str, config: str, inputs: Path, clean_outputs, tmp_path: Path
) -> None:
    for name in ("in.jsonl", "in.parquet"):
        (tmp_path / name).symlink_to(inputs / name)
    output = tmp_path / CONFIGS[config][1]
    existing = not output.name.endswith("_parts")  # --output-parts writes a new folder: none may exist before
    if existing:
        output.write_bytes(PREVIOUS)
    gate = tmp_path / "gate"
    gate.mkdir()
    proc = start(_args(config, gate), tmp_path)
    wait_for(lambda: any(gate.glob("held-*")), "the run to reach its held row", proc)
    wait_for(lambda: _parts_on_disk(tmp_path, output.name), "a part on disk", proc)
    if CONFIGS[config][2] > 1:
        wait_for(lambda: len(descendants(proc)) >= 3, "two workers", proc)
    processes, err = signal_run(proc, signal_name)
    check_exit(proc, signal_name, err)
    assert_all_gone(processes)
    if existing:
        assert output.read_bytes() == PREVIOUS
    else:
        assert not output.exists()
    if signal_name != "KILL":  # a run that could tidy up did
        assert temporary_files(tmp_path) == []
    (gate / "release").touch()
    done = run(_args(config, gate), tmp_path)
    assert done.returncode == 0, done.stderr
    assert temporary_files(tmp_path) == []
    assert _content(output) == clean_outputs(config)
