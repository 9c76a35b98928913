"""pyright (the engine of VS Code's Pylance), pinned in the test extra, reads the package the way editors do.

1. Basic mode on mathreward/ (the [tool.pyright] config in pyproject.toml) reports no error and no warning.
2. A user's script outside the repository resolves every `mathreward` import through the environment this suite
   runs in (after `pip install -e .` or a wheel install), and pyright reads the real signatures behind them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def run_pyright(*args: str, cwd: Path, env: dict[str, str] | None = None) -> dict:
    """pyright's JSON report, checking against this interpreter's environment."""
    command = [sys.executable, "-m", "pyright", "--outputjson", "--pythonpath", sys.executable, *args]
    out = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=cwd, env=env)
    assert out.stdout.startswith("{"), out.stdout + out.stderr
    return json.loads(out.stdout)


def describe(diagnostics: list[dict]) -> str:
    return "\n".join(
        f"{d['file']}:{d['range']['start']['line'] + 1}: {d['severity']} [{d.get('rule', '')}] "
        f"{d['message'].splitlines()[0]}"
        for d in diagnostics
    )


def test_pyright_basic_mode_is_clean_on_the_package() -> None:
    report = run_pyright(cwd=REPO_ROOT)
    summary = report["summary"]
    assert summary["filesAnalyzed"] >= len(list((REPO_ROOT / "mathreward").rglob("*.py")))
    found = [d for d in report["generalDiagnostics"] if d["severity"] in ("error", "warning")]
    assert not found, f"{summary['errorCount']} errors, {summary['warningCount']} warnings:\n{describe(found)}"


USER_SCRIPT = """\
import mathreward
import mathreward.cli
import mathreward.curation
import mathreward.reward_models
import mathreward.rewards
import mathreward.rl
import mathreward.scoring
import mathreward.tables
import mathreward.verifiers
from mathreward.rewards import build_reward
from mathreward.rewards.verl import compute_score
from mathreward.verifiers import Verdict, verify

verdict: Verdict = verify("Answer: 34", "34")
print(verdict.correct, build_reward, compute_score, mathreward.cli.main)
verify(b"Answer: 34", "34")  # line 16: bytes for a str parameter, found only when verify's signature is read
"""


def test_pyright_resolves_the_installed_package_from_a_user_script(tmp_path: Path) -> None:
    script = tmp_path / "train_my_model.py"
    script.write_text(USER_SCRIPT)
    # The installed package, as an editor sees it: not a checkout named on PYTHONPATH.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    report = run_pyright(str(script), cwd=tmp_path, env=env)
    diagnostics = report["generalDiagnostics"]
    unresolved = [d for d in diagnostics if d.get("rule") in ("reportMissingImports", "reportAttributeAccessIssue")]
    assert not unresolved, "mathreward imports not resolved (run `pip install -e .`):\n" + describe(unresolved)
    assert [(d["range"]["start"]["line"] + 1, d["severity"], d.get("rule")) for d in diagnostics] == [
        (16, "error", "reportArgumentType")
    ], describe(diagnostics)
    assert 'parameter "response" of type "str" in function "verify"' in diagnostics[0]["message"]
