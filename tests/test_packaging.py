"""The distribution installs one import name, `mathreward`, and lives beside the index's `verifiers` package.

Builds the real wheel, reads its metadata, installs it into a fresh virtual environment together with the RL
environments library `verifiers` from the package index (no dependencies: only import names are checked), and
loads the by-path adapter files the way verl and OpenRLHF load them.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SUBPACKAGES = ("verifiers", "rewards", "rl", "curation", "reward_models")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    build = tmp_path_factory.mktemp("build")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(REPO_ROOT),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
        ],
        check=True,
        timeout=300,
        cwd=build,
    )
    (found,) = out.glob("mathreward-*.whl")
    return found


def _dist_info_file(archive: zipfile.ZipFile, name: str) -> str:
    (member,) = [m for m in archive.namelist() if m.endswith(f".dist-info/{name}")]
    return archive.read(member).decode()


def test_wheel_has_one_top_level_name(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        assert _dist_info_file(archive, "top_level.txt").split() == ["mathreward"]
        record = [row[0] for row in csv.reader(_dist_info_file(archive, "RECORD").splitlines()) if row]
        entry_points = _dist_info_file(archive, "entry_points.txt")
    tops = {path.split("/")[0] for path in record}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"mathreward"}
    for sub in SUBPACKAGES:
        assert f"mathreward/{sub}/__init__.py" in record
    assert "mathreward/cli.py" in record and "mathreward/__init__.py" in record
    assert "mathreward/data/sample_rollouts.jsonl" in record
    assert "mathreward/reward_models/accelerate/fsdp.yaml" in record
    assert not any(path.startswith(("mathreward/tests/", "mathreward/bench/")) for path in record)
    assert "mathreward = mathreward.cli:main" in entry_points


def test_installs_beside_the_index_verifiers_package(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--disable-pip-version-check",
            "verifiers",
            str(wheel),
        ],
        check=True,
        timeout=600,
    )
    code = """
import importlib.util, sys
import verifiers
import mathreward.verifiers, mathreward.rewards, mathreward.rl, mathreward.curation, mathreward.reward_models
import mathreward.cli
site = mathreward.__file__.rsplit("/mathreward/", 1)[0]
assert verifiers.__file__ == site + "/verifiers/__init__.py", verifiers.__file__
assert mathreward.verifiers.__file__ == site + "/mathreward/verifiers/__init__.py"
assert not hasattr(verifiers, "verify_batch"), "the top-level verifiers is ours"
from mathreward.verifiers import verify, verify_batch, Verdict
from mathreward.rewards import build_reward
assert importlib.util.find_spec("mathreward.rl.algos") is not None  # torch is not installed here: found, not run
for top in ("rewards", "rl", "curation", "reward_models", "cli"):
    assert importlib.util.find_spec(top) is None, top
assert verify("Answer: 34", "34").correct
# The files trainers load by path (verl: custom_reward_function.path; OpenRLHF: the .py reward mode).
for name, path in (("custom_module", site + "/mathreward/rewards/verl.py"),
                   ("reward_func", site + "/mathreward/rewards/openrlhf.py")):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[name] = module
print(sys.modules["custom_module"].compute_score("math_dapo", "Answer: 12", "12")["score"])
print(callable(sys.modules["reward_func"].reward_func))  # it returns torch tensors; torch is not installed here
"""
    result = subprocess.run([str(python), "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["1.0", "True"]


def test_editable_install_is_the_package_not_the_folders() -> None:
    """In the development install the same single name resolves to this checkout."""
    code = (
        "import importlib.util, mathreward, mathreward.verifiers\n"
        "print(mathreward.verifiers.__file__)\n"
        "print(importlib.util.find_spec('rewards') is None and importlib.util.find_spec('cli') is None)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd="/")
    assert out.returncode == 0, out.stderr
    path, no_top_level = out.stdout.split()
    assert Path(path) == REPO_ROOT / "mathreward" / "verifiers" / "__init__.py"
    assert no_top_level == "True"
