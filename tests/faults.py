"""The harness of the fault-injection tests: start a command, wait for a state, signal it, check what is left.

Everything waits on state with a bounded deadline (a marker file, a process count, a part on disk), never on a fixed
sleep, so the tests hold on a loaded machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil

TESTS = Path(__file__).resolve().parent
REPO_ROOT = TESTS.parent
STATE_SECONDS = 120.0  # the longest a test waits for a run to reach the state it signals in
GONE_SECONDS = 5.0  # every process of a stopped run is gone this long after the signal
SIGNALS = {"TERM": signal.SIGTERM, "INT": signal.SIGINT, "KILL": signal.SIGKILL}
EXIT_CODES = {"TERM": 143, "INT": 130, "KILL": -signal.SIGKILL}


def command_env() -> dict[str, str]:
    """The environment of a command under test: this package first, the tests' helpers importable, one thread."""
    paths = [str(REPO_ROOT), str(TESTS), os.environ.get("PYTHONPATH", "")]
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in paths if p),
        "OMP_NUM_THREADS": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }


def _as_in_a_terminal() -> None:
    """In the child, before it starts: SIGINT back to its default, as for a command typed in a terminal. A test run
    started in the background (``nohup``, ``&`` in a script) ignores SIGINT, and every child would inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(args: list[str], cwd: Path) -> subprocess.Popen:
    """``mathreward ARGS`` started in its own process group (a Ctrl-C reaches the whole group, as in a terminal)."""
    return subprocess.Popen(
        [sys.executable, "-m", "mathreward", *args],
        cwd=cwd,
        env=command_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_as_in_a_terminal,
    )


def run(
    args: list[str], cwd: Path, timeout: float = 300, preexec_fn: Callable[[], None] | None = None
) -> subprocess.CompletedProcess:
    """``mathreward ARGS`` to the end (``preexec_fn``: run in the child before it starts, e.g. to set a limit)."""
    return subprocess.run(
        [sys.executable, "-m", "mathreward", *args],
        cwd=cwd,
        env=command_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=preexec_fn,
    )


def wait_for(condition: Callable[[], bool], what: str, proc: subprocess.Popen | None = None) -> None:
    """Poll ``condition`` until it holds; fails (with the command's output) if the command ends first or the
    deadline passes."""
    deadline = time.monotonic() + STATE_SECONDS
    while not condition():
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"the command ended (exit {proc.returncode}) before {what}:\n{out}\n{err}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def descendants(proc: subprocess.Popen) -> list[psutil.Process]:
    """The command's process and every process under it, now."""
    try:
        root = psutil.Process(proc.pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def signal_run(proc: subprocess.Popen, name: str) -> tuple[list[psutil.Process], str]:
    """Send signal ``name`` (TERM/KILL to the command's process, INT to its group as a terminal's Ctrl-C does);
    returns the processes of the run at that moment and the command's stderr."""
    processes = descendants(proc)
    if name == "INT":
        os.killpg(proc.pid, signal.SIGINT)
    else:
        os.kill(proc.pid, SIGNALS[name])
    try:
        _out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError(f"the command did not stop within 60 s of SIG{name}") from None
    return processes, err


def _gone(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE or not process.is_running()
    except psutil.NoSuchProcess:
        return True


def assert_all_gone(processes: list[psutil.Process]) -> None:
    """Every process of the run ends within ``GONE_SECONDS`` (killed if not, so that no test leaves one behind)."""
    deadline = time.monotonic() + GONE_SECONDS
    while time.monotonic() < deadline and not all(map(_gone, processes)):
        time.sleep(0.05)
    alive = [process for process in processes if not _gone(process)]
    for process in alive:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    assert not alive, f"{len(alive)} process(es) of the run outlived it: {[p.pid for p in alive]}"


def temporary_files(folder: Path) -> list[str]:
    """Names of temporary files and folders (``*.tmp-<pid>``, ``*.parts-<pid>``) anywhere under ``folder``."""
    return sorted(
        str(path.relative_to(folder)) for path in folder.rglob("*") if ".tmp-" in path.name or ".parts-" in path.name
    )


def check_exit(proc: subprocess.Popen, name: str, err: str) -> None:
    """The command's exit status says which signal stopped it (143 SIGTERM, 130 SIGINT, killed by SIGKILL)."""
    assert proc.returncode == EXIT_CODES[name], (proc.returncode, err[-2000:])
    if name != "KILL":
        assert err.strip().splitlines()[-1] == (
            "mathreward: terminated" if name == "TERM" else "mathreward: interrupted"
        )
