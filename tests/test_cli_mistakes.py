"""Every user mistake is one line, before the work: a real `mathreward` subprocess per mistake exits 2 with exactly one
stderr line naming the problem, no traceback, and nothing written (the folder's files are byte-identical after).

"Before the work" is shown by what the command never reaches: ``--model nowhere`` would fail to load, so an error
about the reward, the device, the run folder or a setting proves the check came first; and no output appears.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """``mathreward ARGS`` in ``cwd`` (this repository's package), output captured as text."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.run(
        [sys.executable, "-m", "mathreward", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120
    )


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its bytes (None for folders)."""
    return {str(p.relative_to(folder)): None if p.is_dir() else p.read_bytes() for p in sorted(folder.rglob("*"))}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """Small inputs of every kind, an existing folder and an existing, non-empty run folder."""
    rows = [{"response": "Answer: 2", "gold": "2"}, {"response": "Answer: 3", "gold": "2"}]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    (tmp_path / "link.jsonl").symlink_to(tmp_path / "in.jsonl")
    scored = [{**row, "score": 1.0, "correct": True, "pred": "2", "status": "correct"} for row in rows]
    (tmp_path / "scored.jsonl").write_text("".join(json.dumps(row) + "\n" for row in scored), encoding="utf-8")
    raw = [{"problem": "What is 1+1?", "answer": "2"}]
    (tmp_path / "raw.jsonl").write_text("".join(json.dumps(row) + "\n" for row in raw), encoding="utf-8")
    pairs = [{"prompt": "1+1?", "chosen": "Answer: 2", "rejected": "Answer: 3"}]
    (tmp_path / "pairs.jsonl").write_text("".join(json.dumps(row) + "\n" for row in pairs), encoding="utf-8")
    problems = [{"prompt": [{"role": "user", "content": "1+1?"}], "reward_model": {"ground_truth": "2"}}]
    pq.write_table(pa.Table.from_pylist(problems), tmp_path / "data.parquet")
    verl = {"response": "Answer: 5", "reward_model": {"ground_truth": {"question": "q", "solution": "s"}}}
    (tmp_path / "verl.jsonl").write_text(json.dumps(verl) + "\n", encoding="utf-8")
    (tmp_path / "adir").mkdir()
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "metrics.jsonl").write_text('{"step": 1}\n', encoding="utf-8")
    return tmp_path


TRAIN = ("rl", "train", "data.parquet", "--model", "nowhere")
RM_TRAIN = ("rm", "train", "pairs.jsonl", "--model", "nowhere")
MISTAKES = {
    # outputs: an existing folder, an unwritable folder, a missing folder, a wrong type, one of the inputs
    "score -o an existing folder": (("score", "in.jsonl", "-o", "adir"), "adir: is an existing folder"),
    "score -o an unwritable path": (("score", "in.jsonl", "-o", "/proc/self/out.jsonl"), "cannot write into folder"),
    "score -o into /proc (permission bits allow it)": (
        ("score", "in.jsonl", "-o", "/proc/out.jsonl"),
        "/proc/out.jsonl: cannot write into folder '/proc'",
    ),
    "demo -o an unwritable folder": (("demo", "-o", "/proc/demo"), "/proc/demo: cannot write into folder '/proc'"),
    "demo -o an existing file": (("demo", "-o", "in.jsonl"), "in.jsonl: is an existing file; give a folder path"),
    "score -o a missing folder": (("score", "in.jsonl", "-o", "no/out.jsonl"), "output folder does not exist"),
    "score -o out.txt": (("score", "in.jsonl", "-o", "out.txt"), "unsupported output type '.txt'"),
    "score -o its input": (("score", "in.jsonl", "-o", "in.jsonl"), "in.jsonl: is also an input"),
    "score -o a link to its input": (("score", "in.jsonl", "-o", "link.jsonl"), "link.jsonl: is also an input"),
    "curate -o its input": (("curate", "raw.jsonl", "-o", "raw.jsonl"), "raw.jsonl: is also an input"),
    "curate -o an existing folder": (("curate", "raw.jsonl", "-o", "adir"), "adir: is an existing folder"),
    "verify-report -o a missing folder": (
        ("verify-report", "scored.jsonl", "-o", "missing/r.json"),
        "output folder does not exist",
    ),
    "verify-report --plot r.txt": (("verify-report", "scored.jsonl", "--plot", "r.txt"), "unsupported output type"),
    "rl sample -o its input": (
        ("rl", "sample", "data.parquet", "--model", "nowhere", "-o", "data.parquet"),
        "is also an input",
    ),
    "rm pairs -o its input": (("rm", "pairs", "scored.jsonl", "-o", "scored.jsonl"), "is also an input"),
    "rl train -o an existing run": ((*TRAIN, "-o", "run"), "run: run folder exists and is not empty; pass --overwrite"),
    "rm train -o an existing run": ((*RM_TRAIN, "-o", "run"), "run folder exists and is not empty; pass --overwrite"),
    # rewards and their options
    "score --reward nope": (("score", "in.jsonl", "-o", "o.jsonl", "--reward", "nope"), "unknown reward 'nope'"),
    "score --reward-option foo=1": (
        ("score", "in.jsonl", "-o", "o.jsonl", "--reward-option", "foo=1"),
        "does not take these options",
    ),
    "rl train --reward nope": ((*TRAIN, "--reward", "nope"), "--reward nope: unknown reward 'nope'"),
    # settings: finite, positive, in range
    "score --timeout nan": (("score", "in.jsonl", "-o", "o.jsonl", "--timeout", "nan"), "--timeout: must be a finite"),
    "score --timeout inf": (("score", "in.jsonl", "-o", "o.jsonl", "--timeout", "inf"), "--timeout: must be a finite"),
    "score --timeout 0": (("score", "in.jsonl", "-o", "o.jsonl", "--timeout", "0"), "--timeout: must be a finite"),
    "score --timeout -1": (("score", "in.jsonl", "-o", "o.jsonl", "--timeout", "-1"), "--timeout: must be a finite"),
    "score --workers 0": (("score", "in.jsonl", "-o", "o.jsonl", "--workers", "0"), "--workers: must be a whole"),
    "verify --timeout inf": (("verify", "--gold", "1", "--response", "1", "--timeout", "inf"), "--timeout: must be"),
    "serve --port 70000": (("serve", "--port", "70000"), "--port: must be a port from 1 to 65535"),
    "serve --timeout nan": (("serve", "--timeout", "nan"), "--timeout: must be a finite"),
    "rl train --lr nan": ((*TRAIN, "--lr", "nan"), "--lr: must be a finite number"),
    "rl train --lr -1": ((*TRAIN, "--lr", "-1"), "--lr: must be a finite number above 0"),
    "rl train --steps 0": ((*TRAIN, "--steps", "0"), "--steps: must be a whole number above 0"),
    "rl train --group-size 1": ((*TRAIN, "--group-size", "1"), "dynamic sampling needs --group-size >= 2"),
    "rm train --epochs -1": ((*RM_TRAIN, "-o", "rm", "--epochs", "-1"), "--epochs: must be a finite number above 0"),
    "rm train --lr inf": ((*RM_TRAIN, "-o", "rm", "--lr", "inf"), "--lr: must be a finite number"),
    "rl sample --top-p 2": (("rl", "sample", "data.parquet", "--model", "m", "-o", "r.jsonl", "--top-p", "2"), "top-p"),
    # devices and missing inputs
    "rl train --device cuda:99": ((*TRAIN, "--device", "cuda:99"), "--device cuda:99: "),
    "rm score --device cuda:99": (
        ("rm", "score", "in.jsonl", "--model", "nowhere", "-o", "s.jsonl", "--device", "cuda:99"),
        "--device cuda:99: ",
    ),
    "rl train on a missing file": (("rl", "train", "absent.parquet", "--model", "m"), "absent.parquet: no such file"),
    "rm eval without a model": (("rm", "eval", "pairs.jsonl", "--model", "nowhere", "-o", "r.json"), "no such model"),
    "rm train without pairs": (("rm", "train", "--model", "m", "-o", "rm"), "required: PAIRS"),
    "score a gold object without an answer key": (
        ("score", "verl.jsonl", "-o", "o.jsonl", "--workers", "1"),
        "verl.jsonl: row 1: field 'reward_model.ground_truth' is an object with keys 'question', 'solution' (no answer "
        "key; read: ground_truth, answer, target); name its answer with --gold-field reward_model.ground_truth.KEY",
    ),
    "demo --stages nope": (("demo", "--stages", "nope", "-o", "d"), "unknown stage(s) ['nope']"),
}


@pytest.mark.parametrize("name", list(MISTAKES))
def test_a_mistake_is_one_line_before_any_work(workspace: Path, name: str) -> None:
    args, fragment = MISTAKES[name]
    before = snapshot(workspace)
    done = run(workspace, *args)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    assert len(lines) == 1, lines
    command = " ".join(word for word in args[:2] if not word.endswith((".jsonl", ".parquet")) and word[0] != "-")
    assert lines[0].startswith(f"mathreward {command}: error: "), lines[0]
    assert fragment in lines[0], lines[0]
    assert snapshot(workspace) == before  # nothing written, nothing changed


def test_overwrite_lets_a_run_folder_be_replaced(workspace: Path) -> None:
    """With --overwrite the run-folder check passes and the next check speaks (the device, checked after it)."""
    refused = run(workspace, *TRAIN, "-o", "run", "--device", "cuda:99")
    assert "pass --overwrite" in refused.stderr
    done = run(workspace, *TRAIN, "-o", "run", "--overwrite", "--device", "cuda:99")
    assert done.returncode == 2 and "--device cuda:99: " in done.stderr and "overwrite" not in done.stderr
    assert (workspace / "run" / "metrics.jsonl").read_text() == '{"step": 1}\n'


def test_a_bug_keeps_its_traceback(workspace: Path) -> None:
    """Only user errors become one line: an unexpected exception in a command still shows where it came from."""
    code = (
        "import sys; from mathreward import cli; from mathreward.scoring import commands\n"
        "def broken(args): raise RuntimeError('a bug')\n"
        "commands.run_verify = broken\n"
        "sys.exit(cli.main(['verify', '--gold', '1', '--response', '1']))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run([sys.executable, "-c", code], cwd=workspace, capture_output=True, text=True, env=env)
    assert done.returncode == 1 and "Traceback" in done.stderr and "RuntimeError: a bug" in done.stderr


def test_a_gold_object_with_one_answer_key_is_read(tmp_path: Path) -> None:
    """verl rows whose ground_truth is {question, solution, target}: the target is the gold answer."""
    gold = {"question": "2+3?", "solution": "2+3 = 5", "target": "5"}
    rows = [{"response": f"Answer: {n}", "reward_model": {"ground_truth": gold}} for n in (5, 6)]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "verl.parquet")
    done = run(tmp_path, "score", "verl.parquet", "-o", "out.jsonl", "--workers", "1", "--no-progress")
    assert done.returncode == 0, done.stderr
    scored = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [(row["correct"], row["pred"]) for row in scored] == [(True, "5"), (False, "6")]
    assert done.stderr.strip().splitlines()[-1] == (
        "output: out.jsonl; next: mathreward verify-report out.jsonl, or mathreward rm pairs out.jsonl -o pairs.jsonl"
    )


def test_serve_on_a_port_in_use_is_one_line_before_the_server_starts(workspace: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run(workspace, "serve", "--port", str(port))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"mathreward serve: error: --host 127.0.0.1 --port {port}: cannot listen there (Address already in use)"
    ]
