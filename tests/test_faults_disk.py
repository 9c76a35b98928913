"""A write that fails for lack of space (here a file-size limit, RLIMIT_FSIZE, set on the command's process and so
on its workers) gives one line and leaves the old output as it was, with no temporary file behind."""

from __future__ import annotations

import hashlib
import json
import resource
import subprocess
from pathlib import Path

import pytest
from faults import run, temporary_files

pytestmark = pytest.mark.timeout(300)

LIMIT_BYTES = 64 * 1024  # far below what the outputs need
PREVIOUS = b"an earlier run's output\n"


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT_BYTES, LIMIT_BYTES))


def _run_limited(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return run(args, cwd, timeout=240, preexec_fn=_limited)


@pytest.fixture(scope="module")
def rollouts(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("disk") / "in.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for i in range(3000):
            row = {"response": f"{'Some working. ' * 20}Answer: {i}", "gold": str(i % 7), "data_source": "math_dapo"}
            handle.write(json.dumps(row) + "\n")
    return path


@pytest.mark.parametrize("output", ["out.parquet", "out.jsonl"])
@pytest.mark.parametrize("workers", ["1", "2"])
def test_score_out_of_space_is_one_line_and_keeps_the_old_output(
    rollouts: Path, tmp_path: Path, output: str, workers: str
) -> None:
    (tmp_path / output).write_bytes(PREVIOUS)
    args = ["score", str(rollouts), "-o", output, "--workers", workers, "--no-progress"]
    done = _run_limited(args, tmp_path)
    assert done.returncode == 1, done.stderr[-3000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mathreward score: error: no space"), done.stderr[-3000:]
    assert "no output was replaced" in lines[0]
    assert (tmp_path / output).read_bytes() == PREVIOUS
    assert temporary_files(tmp_path) == []


def test_curate_out_of_space_is_one_line_and_keeps_the_old_output(tmp_path: Path) -> None:
    raw = tmp_path / "raw.jsonl"
    with raw.open("w", encoding="utf-8") as handle:
        for i in range(3000):
            noise = hashlib.sha256(str(i).encode()).hexdigest()  # text that does not compress away
            handle.write(json.dumps({"problem": f"Problem {i}: find {noise}.", "answer": str(i)}))
            handle.write("\n")
    (tmp_path / "out.parquet").write_bytes(PREVIOUS)
    done = _run_limited(["curate", "raw.jsonl", "-o", "out.parquet", "--quiet", "--no-near-dup"], tmp_path)
    assert done.returncode == 1, done.stderr[-3000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mathreward curate: error: no space"), done.stderr[-3000:]
    assert (tmp_path / "out.parquet").read_bytes() == PREVIOUS
    assert temporary_files(tmp_path) == []
