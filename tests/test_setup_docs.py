"""The README's set-up blocks are the way people work (a virtualenv first), and CI runs the test block as written."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
VENV = "python3 -m venv .venv && . .venv/bin/activate && "


def test_readme_has_two_virtualenv_setup_blocks_and_ci_runs_the_test_one() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b.strip() for b in re.findall(r"^```bash\n(.*?)^```", readme, flags=re.S | re.M)]
    setup = [b for b in blocks if "pip install" in b and "-e " in b]
    assert len(setup) == 2 and all(b.startswith(VENV) and "\n" not in b for b in setup), setup
    demo, tests = setup
    assert demo.endswith("pip install -e . && mathreward demo")
    assert tests.endswith('pip install -e ".[test]" && bash .ci/trainers-env && python -m pytest -q')
    printed = subprocess.run(
        ["bash", ".ci/run", "--print"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert printed.stdout.strip() == tests
