"""`mathreward curate --ray`: row-local steps on Ray Data (a local 2-CPU Ray started for the module), dedup and
decontamination on the driver; the parquet written is byte-identical to the single-machine run's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ray = pytest.importorskip("ray", reason="Ray is in the test extra: pip install -e '.[test]'")

from mathreward.curation.curate import curate  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "mathreward" / "data" / "raw_sample.jsonl"
SAMPLE_EVAL = REPO / "mathreward" / "data" / "raw_sample_eval.jsonl"


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def _raw(tmp_path: Path, copies: int) -> Path:
    """The bundled raw problems, each with its numbers varied ``copies`` times (exact repeats included, so dedup has
    work), written as jsonl: about 54 * copies rows."""
    rows = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for copy in range(copies):
        for row in rows:
            changed = dict(row)
            if copy % 7 != 3:  # every seventh copy repeats copy 0 word for word
                changed["problem"] = f"(Variant {copy}) " + row["problem"]
            out.append(changed)
    path = tmp_path / "raw.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in out), encoding="utf-8")
    return path


def test_curate_on_ray_writes_the_same_bytes(tmp_path: Path) -> None:
    raw = _raw(tmp_path, 12)  # 648 rows: more than two chunks, so the row steps really go to Ray
    local_report, local = curate(
        [str(raw)], tmp_path / "local.parquet", decontaminate=[str(SAMPLE_EVAL)], progress=False
    )
    ray_report, remote = curate(
        [str(raw)], tmp_path / "ray.parquet", decontaminate=[str(SAMPLE_EVAL)], progress=False, use_ray=True
    )
    assert (tmp_path / "ray.parquet").read_bytes() == (tmp_path / "local.parquet").read_bytes()
    assert [r["idx"] for r in remote.rejected] == [r["idx"] for r in local.rejected]
    assert [(s.name, s.n_in, s.n_out, dict(s.rejects)) for s in remote.stats] == [
        (s.name, s.n_in, s.n_out, dict(s.rejects)) for s in local.stats
    ]
    assert local_report["rows_out"] > 0 and local_report["rows_out"] < 648


def test_curate_ray_flag_without_ray_says_how_to_install(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "ray.py").write_text("raise ImportError('no ray here')\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mathreward", "curate", str(SAMPLE), "-o", str(tmp_path / "o.parquet"), "--ray"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(blocker), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip().endswith("pip install 'mathreward[ray]' (or pip install 'ray[data]')")
    assert not (tmp_path / "o.parquet").exists()
