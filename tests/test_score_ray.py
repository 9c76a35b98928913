"""`mathreward score --ray` on a local 2-CPU Ray: the same rows and results as the single-machine command, bad rows
failing with the same one-line error, a dying worker retried without losing a row, and the install hint without Ray.

One Ray runtime is started for the module (a few seconds); every test runs its pipeline on it.
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

ray = pytest.importorskip("ray", reason="Ray is in the test extra: pip install -e '.[test]'")

from mathreward.scoring.ray_score import RAY_INSTALL_HINT, score_with_ray  # noqa: E402
from mathreward.scoring.score_files import score_file  # noqa: E402
from mathreward.tables import TableError  # noqa: E402

TESTS = Path(__file__).resolve().parent

RESPONSES = [
    ("Let me add.\n\nAnswer: 42", "42", "math_dapo"),
    ("So it is \\boxed{\\frac{1}{2}}.", "\\frac12", "lighteval/MATH"),
    ("Answer: 41", "42", "math_dapo"),
    ("The answer is $7$.", "7", "openai/gsm8k"),
    ("I give up.", "3", "math_dapo"),
    ("\\boxed{" * 3000 + "1", "1", "lighteval/MATH"),  # hostile: deep unbalanced braces
    ("Answer: 9^{9^{9^{9^{9}}}}", "1024", "math_dapo"),  # hostile: a power tower is refused
    ("x\x00y\n<think>\nAnswer: 5", "5", "math_dapo"),  # NUL byte, unclosed think
    ("Answer: 034", "34", "aime_2024"),
    ("$\\boxed{12}$", "12", "numina_olympiads"),
]


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    """One local Ray with 2 CPUs for the whole module; the tests folder is importable in its workers."""
    path = os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
        runtime_env={"env_vars": {"PYTHONPATH": path}},
    )
    yield
    ray.shutdown()


def _rows(n: int) -> list[dict]:
    rows = []
    for index in range(n):
        response, gold, source = RESPONSES[index % len(RESPONSES)]
        rows.append(
            {
                "id": index,
                "prompt": [{"role": "user", "content": f"Problem {index}"}],
                "response": response,
                "reward_model": {"ground_truth": gold, "style": "rule"},
                "data_source": source,
            }
        )
    return rows


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _read_folder(folder: Path) -> list[dict]:
    return pq.read_table(sorted(folder.glob("*.parquet"))).to_pylist()


RESULT = ("id", "data_source", "score", "correct", "pred", "status")


def _results(rows: list[dict]) -> list[tuple]:
    return sorted(tuple(row[key] for key in RESULT) for row in rows)


def test_ray_scores_files_and_folders_like_the_single_machine_command(tmp_path: Path) -> None:
    rows = _rows(60)
    folder = tmp_path / "in"
    folder.mkdir()
    pq.write_table(pa.Table.from_pylist(rows[:25]), folder / "a.parquet", row_group_size=10)
    _write_jsonl(folder / "b.jsonl", rows[25:45])
    single = _write_jsonl(tmp_path / "c.jsonl", rows[45:])
    summary = score_with_ray([folder, single], tmp_path / "out", workers=2, progress=False, **_settings())
    ray_rows = _read_folder(tmp_path / "out")
    assert sorted(row["id"] for row in ray_rows) == list(range(60))  # every row once
    local = []
    for path in (folder / "a.parquet", folder / "b.jsonl", single):
        out = tmp_path / f"local_{path.stem}.parquet"
        score_file(path, out, workers=1, progress=False, **_settings())
        local += pq.read_table(out).to_pylist()
    assert _results(ray_rows) == _results(local)
    assert {row["id"]: row["prompt"] for row in ray_rows} == {row["id"]: row["prompt"] for row in rows}
    statuses = {row["id"]: row["status"] for row in ray_rows}
    assert statuses[0] == "correct" and statuses[1] == "correct" and statuses[4] == "no_answer"
    assert statuses[5] in ("no_answer", "error") and statuses[6] in ("wrong", "error")
    assert summary["rows"] == 60 and summary["reward_per_source"]["lighteval/MATH"] == {"boxed": 12}
    assert not list(tmp_path.glob("out.tmp-*"))


def _settings(**overrides) -> dict:
    settings = dict(
        response_field="response",
        gold_field=None,
        prompt_field=None,
        data_source_field="data_source",
        extra_fields=None,
        reward="routed",
        style=None,
        max_len=None,
        buffer_len=None,
        overlong_factor=1.0,
        length_field=None,
        tokenizer=None,
        timeout=5.0,
        chunk_size=64,
        reward_options=None,
    )
    settings.update(overrides)
    return settings


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        ({"id": 7, "reward_model": {"ground_truth": "1"}}, "row 8: field 'response' is missing"),
        ({"id": 7, "response": {"text": "hi"}, "reward_model": {"ground_truth": "1"}}, "row 8: field 'response'"),
        ({"id": 7, "response": "Answer: 1", "reward_model": {"nope": 1}}, "row 8: field 'reward_model.ground_truth'"),
    ],
)
def test_bad_rows_fail_with_the_same_line_as_locally(tmp_path: Path, bad_row: dict, message: str) -> None:
    rows = _rows(12)
    rows[7] = bad_row
    source = _write_jsonl(tmp_path / "bad.jsonl", rows)
    with pytest.raises(TableError) as local:
        score_file(source, tmp_path / "local.parquet", workers=1, progress=False, **_settings())
    with pytest.raises(TableError) as remote:
        score_with_ray([source], tmp_path / "out", workers=2, progress=False, **_settings())
    assert str(remote.value) == str(local.value)
    assert message in str(remote.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl"]  # no output, no temp folder


def test_a_dying_worker_is_retried_and_loses_no_row(tmp_path: Path) -> None:
    rows = _rows(40)
    source = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(rows), source)
    marker = tmp_path / "died"
    settings = _settings(reward="ray_fault:DyingOnceReward", reward_options={"marker": str(marker)})
    score_with_ray([source], tmp_path / "out", workers=2, progress=False, **settings)
    assert marker.exists()  # a worker did die
    ray_rows = _read_folder(tmp_path / "out")
    score_file(source, tmp_path / "local.parquet", workers=1, progress=False, **_settings(reward="dapo"))
    assert _results(ray_rows) == _results(pq.read_table(tmp_path / "local.parquet").to_pylist())


def test_without_ray_the_flag_says_how_to_install_it(tmp_path: Path) -> None:
    source = _write_jsonl(tmp_path / "in.jsonl", _rows(2))
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "ray.py").write_text("raise ImportError('no ray here')\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(blocker), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [sys.executable, "-m", "mathreward", "score", str(source), "-o", str(tmp_path / "out"), "--ray"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"mathreward score: error: {RAY_INSTALL_HINT}"
    assert not (tmp_path / "out").exists()


def test_the_command_starts_its_own_ray_and_writes_a_folder(tmp_path: Path) -> None:
    rows = _rows(20)
    source = _write_jsonl(tmp_path / "in.jsonl", rows)
    result = subprocess.run(
        [sys.executable, "-m", "mathreward", "score", str(source), "-o", str(tmp_path / "out"), "--ray"]
        + ["--workers", "2", "--no-progress"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "scored 20 rollouts with reward routed" in result.stdout
    score_file(source, tmp_path / "local.parquet", workers=1, progress=False, **_settings())
    assert _results(_read_folder(tmp_path / "out")) == _results(pq.read_table(tmp_path / "local.parquet").to_pylist())
