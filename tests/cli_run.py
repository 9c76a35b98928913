"""Run the `mathreward` command line as a real subprocess (the installed package, from the repository root)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def mathreward(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    """``mathreward ARGS...`` with one BLAS/tokenizer thread, output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "mathreward", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"},
    )
