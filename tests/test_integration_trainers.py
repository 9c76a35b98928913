"""The verl and OpenRLHF integration tests, run from the main suite inside ``.venv-trainers``.

verl 0.9.1 pins ``transformers<5.11`` while the main environment has a newer one, so the real trainers live in a
second environment that ``bash .ci/trainers-env`` makes (CI's ``.ci/run`` always does). Here that environment's
Python runs ``tests/test_integration_verl.py`` and ``tests/test_integration_openrlhf.py``; every test there must
pass and none may skip. Without the environment this test skips locally and fails under CI.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
VENV_PYTHON = REPO_ROOT / ".venv-trainers" / "bin" / "python"
FILES = ["tests/test_integration_verl.py", "tests/test_integration_openrlhf.py"]


@pytest.mark.timeout(900)
def test_verl_and_openrlhf_integration_in_the_trainers_env() -> None:
    if not VENV_PYTHON.exists():
        message = f"{VENV_PYTHON.parent.parent.name} is missing: make it with `bash .ci/trainers-env`"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI needs it)")
        pytest.skip(message)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    proc = subprocess.run(
        [str(VENV_PYTHON), "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *FILES],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=840,
    )
    tail = (proc.stdout + proc.stderr)[-6000:]
    assert proc.returncode == 0, tail
    summary = re.search(r"(\d+) passed", tail)
    assert summary and int(summary.group(1)) >= 15, tail
    assert not re.search(r"\d+ (skipped|xfailed|deselected)", tail), tail
