"""The distribution installs one import name, `mathreward`, and lives beside the index's `verifiers` package.

Builds the real wheel, reads its metadata, installs it into a fresh virtual environment together with the RL
environments library `verifiers` from the package index (no dependencies: only import names are checked), and
loads the by-path adapter files the way verl and OpenRLHF load them.
"""

from __future__ import annotations

import csv
import os
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
        names = archive.namelist()
        record = [row[0] for row in csv.reader(_dist_info_file(archive, "RECORD").splitlines()) if row]
        entry_points = _dist_info_file(archive, "entry_points.txt")
    # RECORD lists every installed file: apart from the dist-info, each one lies inside mathreward/ (no top-level
    # module, no .pth, no other package), and RECORD is the archive's full contents.
    assert sorted(record) == sorted(names)
    dist_info = {path.split("/")[0] for path in record if path.split("/")[0].endswith(".dist-info")}
    assert dist_info == {"mathreward-0.1.0.dist-info"}
    installed = [path for path in record if not path.startswith("mathreward-0.1.0.dist-info/")]
    assert installed and all(path.startswith("mathreward/") for path in installed)
    tops = {path.split("/")[0] for path in record}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"mathreward"}
    for sub in SUBPACKAGES:
        assert f"mathreward/{sub}/__init__.py" in record
    assert "mathreward/cli.py" in record and "mathreward/__init__.py" in record
    assert "mathreward/data/sample_rollouts.jsonl" in record
    assert "mathreward/reward_models/accelerate/fsdp.yaml" in record
    data_files = {p.name for p in (REPO_ROOT / "mathreward" / "data").glob("*.jsonl")}
    data_files |= {p.name for p in (REPO_ROOT / "mathreward" / "reward_models" / "accelerate").glob("*.yaml")}
    assert data_files <= {path.rsplit("/", 1)[1] for path in record} and len(data_files) >= 6
    assert not any("__pycache__" in path or path.endswith(".pyc") for path in record)
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
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the wheel's mathreward, not a checkout's
    result = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env
    )
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


def test_editable_install_is_a_static_path(tmp_path: Path) -> None:
    """`pip install -e .` puts this checkout's root on sys.path through a plain .pth line (no import hook), a path
    that editors and static type checkers follow; the repository root holds only `mathreward` as a package."""
    code = "import sys, hatchling.build as b; print(b.build_editable(sys.argv[1]))"
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=120, cwd=REPO_ROOT
    )
    assert out.returncode == 0, out.stderr
    with zipfile.ZipFile(tmp_path / out.stdout.split()[-1]) as archive:
        pth = [name for name in archive.namelist() if name.endswith(".pth")]
        assert len(pth) == 1 and "/" not in pth[0], archive.namelist()
        lines = archive.read(pth[0]).decode().splitlines()
        assert not any(name.endswith(".py") for name in archive.namelist())  # no finder module
    assert lines == [str(REPO_ROOT)]  # a path, not an `import ...` line
    packages = {p.parent.name for p in REPO_ROOT.glob("*/__init__.py")}
    assert packages == {"mathreward"}
