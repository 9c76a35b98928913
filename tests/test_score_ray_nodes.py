"""`mathreward score --ray` on a cluster of two Ray nodes on this machine (``ray start --head --num-cpus 1`` and
``ray start --address ... --num-cpus 1``): both nodes read and score slices, every row comes out once and equal to
the local run, and a worker killed mid-run loses no row.

The nodes' temporary folders are made short under /tmp (Ray's socket paths must fit in 107 bytes, which a pytest
tmp_path does not leave room for) and removed with the nodes; the nodes' processes are found by that folder and
ended one by one (never ``ray stop``, which would end every Ray on the machine).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

ray = pytest.importorskip("ray", reason="Ray is in the test extra: pip install -e '.[test]'")
psutil = pytest.importorskip("psutil")

from mathreward.scoring.ray_score import score_with_ray  # noqa: E402
from mathreward.scoring.score_files import score_file  # noqa: E402

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
RESPONSES = [
    ("Let me add.\n\nAnswer: 42", "42", "math_dapo"),
    ("So it is \\boxed{\\frac{1}{2}}.", "\\frac12", "lighteval/MATH"),
    ("Answer: 41", "42", "math_dapo"),
    ("The answer is $7$.", "7", "openai/gsm8k"),
    ("I give up.", "3", "math_dapo"),
    ("<think>\nx < 2\n</think>\nAnswer: 3/4", "\\frac{3}{4}", "aime_2024"),
]
pytestmark = pytest.mark.timeout(600)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ray_cli() -> list[str]:
    script = Path(sys.executable).with_name("ray")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ray.scripts.scripts"]


def _stop_nodes(base: Path) -> None:
    """End the processes of our two nodes (their command lines name our temporary folder), workers first."""
    mine = []
    for process in psutil.process_iter(["cmdline"]):
        try:
            if any(str(base) in part for part in process.info["cmdline"] or []):
                mine.append(process)
        except psutil.Error:
            continue
    for process in mine:
        try:
            process.terminate()
        except psutil.Error:
            pass
    _gone, alive = psutil.wait_procs(mine, timeout=5)
    for process in alive:
        try:
            process.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=10)


@pytest.fixture(scope="module")
def two_nodes():
    """A head node and a second node, one CPU each; the driver (this process) joins them."""
    base = Path(tempfile.mkdtemp(prefix="mrr", dir="/tmp"))
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(TESTS), str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "RAY_USAGE_STATS_ENABLED": "0",
        "RAY_AUTH_MODE": "disabled",  # a throwaway cluster of this machine: no shared token to hand around
    }
    before = os.environ.get("RAY_AUTH_MODE")
    os.environ["RAY_AUTH_MODE"] = "disabled"
    common = [
        "--node-ip-address",
        "127.0.0.1",
        "--num-cpus",
        "1",
        "--object-store-memory",
        str(80 * 2**20),
        "--disable-usage-stats",
    ]
    try:
        for name, where in (("h", ["--head", "--port", str(port), "--include-dashboard", "false"]), ("w", None)):
            where = where or ["--address", f"127.0.0.1:{port}"]
            started = subprocess.run(
                [*_ray_cli(), "start", *where, *common, "--temp-dir", str(base / name)],
                env=env,
                capture_output=True,
                text=True,
                timeout=180,
            )
            assert started.returncode == 0, started.stderr[-2000:]
        ray.init(address=f"127.0.0.1:{port}", log_to_driver=False, configure_logging=False)
        for _ in range(120):  # the second node registers with the head shortly after its start returns
            if sum(1 for node in ray.nodes() if node["Alive"]) == 2:
                break
            time.sleep(0.5)
        assert sum(1 for node in ray.nodes() if node["Alive"]) == 2
        yield
    finally:
        ray.shutdown()
        _stop_nodes(base)
        shutil.rmtree(base, ignore_errors=True)
        if before is None:
            os.environ.pop("RAY_AUTH_MODE", None)
        else:
            os.environ["RAY_AUTH_MODE"] = before


def _rows(n: int) -> list[dict]:
    return [
        {
            "id": index,
            "response": RESPONSES[index % len(RESPONSES)][0],
            "reward_model": {"ground_truth": RESPONSES[index % len(RESPONSES)][1]},
            "data_source": RESPONSES[index % len(RESPONSES)][2],
        }
        for index in range(n)
    ]


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


def _scored(folder: Path) -> list[dict]:
    return pq.read_table(sorted(folder.glob("*.parquet"))).to_pylist()


def test_both_nodes_read_and_score_and_match_the_local_run(two_nodes, tmp_path: Path) -> None:
    rows = _rows(240)
    source = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(rows), source, row_group_size=20)  # 12 row groups: 8 slices
    summary = score_with_ray([source], tmp_path / "out", workers=2, progress=False, **_settings())
    assert len(summary["nodes"]) == 2 and all(count > 0 for count in summary["nodes"].values())
    assert sum(summary["nodes"].values()) == 240
    out = _scored(tmp_path / "out")
    assert [row["id"] for row in out] == list(range(240))  # every row once, in input order
    score_file(source, tmp_path / "local.parquet", workers=1, progress=False, **_settings())
    assert out == pq.read_table(tmp_path / "local.parquet").to_pylist()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet", "local.parquet", "out"]


def test_a_worker_killed_mid_run_loses_no_row(two_nodes, tmp_path: Path) -> None:
    rows = _rows(240)
    source = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(rows), source, row_group_size=20)
    marker = tmp_path / "died"
    settings = _settings(reward="ray_fault:DyingOnceReward", reward_options={"marker": str(marker)})
    summary = score_with_ray([source], tmp_path / "out", workers=2, progress=False, **settings)
    assert marker.exists()  # one worker did die, in the middle of the run
    assert len(summary["nodes"]) == 2 and sum(summary["nodes"].values()) == 240
    out = _scored(tmp_path / "out")
    assert [row["id"] for row in out] == list(range(240))
    assert not [p for p in (tmp_path / "out").iterdir() if not p.name.endswith(".parquet")]
    score_file(source, tmp_path / "local.parquet", workers=1, progress=False, **_settings(reward="dapo"))
    assert out == pq.read_table(tmp_path / "local.parquet").to_pylist()
