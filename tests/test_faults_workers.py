"""Worker processes never outlive their parent, and a dead run's temporary files go with the next run.

- A verifier worker holding a task it never finishes (stopped from outside with SIGSTOP, so it reads nothing) ends
  within 5 s of its process being SIGKILLed (the zygote sees its control socket close and exits; its forked workers
  have the parent-death signal).
- A process started with ``die_with_parent`` after its parent already died stops at once.
- ``remove_dead_leftovers`` removes ``<out>.tmp-<pid>`` / ``<out>.parts-<pid>`` of a dead process (a zombie, a PID
  that now names a process started after the file was written) and keeps a live run's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from faults import assert_all_gone, command_env, wait_for

from mathreward.temp_files import remove_dead_leftovers, run_alive, temp_sibling

pytestmark = pytest.mark.timeout(180)

# Holds a verifier worker busy: the worker answers a real task (so it has set itself up), is stopped (SIGSTOP), and the
# next task handed to it never ends; prints the worker's pid once that task is out, then waits to be killed.
HOLDER = """
import os, signal, threading, time
from mathreward.verifiers.guard import default_pool
pool = default_pool()
task = {"op": "parse", "text": "x^2+2x+1"}
assert pool.run([task], 60.0)[0]["status"] == "ok"
[worker] = pool.worker_pids()
os.kill(worker, signal.SIGSTOP)
threading.Thread(target=pool.run, args=([task], 300.0), daemon=True).start()
while worker not in pool.busy_pids():
    time.sleep(0.01)
print(worker, flush=True)
threading.Event().wait()
"""


def test_a_busy_verifier_worker_dies_with_its_killed_parent() -> None:
    import psutil

    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER], stdout=subprocess.PIPE, text=True, env=command_env(), start_new_session=True
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.strip().isdigit(), f"no worker pid (exit {proc.poll()})"
        worker = psutil.Process(int(line))
        family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
        assert worker in family
        proc.kill()
        proc.wait()
        assert_all_gone(family)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


ORPHAN = """
import os, sys, time
parent = os.getppid()
os.write(1, b"started\\n")
sys.stdin.read()  # the test kills our parent, then closes stdin
from mathreward.signals import die_with_parent
die_with_parent(parent)
time.sleep(120)  # a worker that missed its parent's death would go on working
"""

MIDDLE = """
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]], stdin=subprocess.PIPE)
print(child.pid, flush=True)
sys.stdin.read()
"""


def test_a_worker_whose_parent_is_already_gone_stops_at_once() -> None:
    """``die_with_parent`` called after the parent died (the worker was starting as it died) ends the worker."""
    middle = subprocess.Popen(
        [sys.executable, "-c", MIDDLE, ORPHAN],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=command_env(),
    )
    assert middle.stdout is not None and middle.stdin is not None
    child = int(middle.stdout.readline())
    assert middle.stdout.readline() == "started\n"  # the orphan knows its parent
    import psutil

    orphan = psutil.Process(child)
    middle.kill()  # the orphan still waits on stdin, whose write end the killed middle process held
    middle.wait()
    assert_all_gone([orphan])


def _zombie() -> subprocess.Popen:
    """A child that has exited and was not reaped: its PID exists, the process does not run."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    import psutil

    wait_for(lambda: psutil.Process(child.pid).status() == psutil.STATUS_ZOMBIE, "a zombie")
    return child


def test_dead_runs_leftovers_go_and_live_runs_stay(tmp_path) -> None:
    output = tmp_path / "out.parquet"
    live = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    zombie = _zombie()
    try:
        dead_file = tmp_path / f"out.parquet.tmp-{zombie.pid}"
        dead_folder = tmp_path / f"out.parquet.parts-{zombie.pid}"
        live_file = tmp_path / f"out.parquet.tmp-{live.pid}"
        reused = tmp_path / f"out.parquet.parts-{live.pid}"  # written an hour before that PID's process started
        others = [tmp_path / "out.parquet.tmp-x1", tmp_path / "other.parquet.tmp-1", tmp_path / "out.parquet"]
        dead_file.write_bytes(b"half")
        dead_folder.mkdir()
        (dead_folder / "part-00000.parquet").write_bytes(b"part")
        live_file.write_bytes(b"being written")
        reused.mkdir()
        an_hour_ago = time.time() - 3600
        os.utime(reused, (an_hour_ago, an_hour_ago))
        for path in others:
            path.write_bytes(b"not a leftover")
        assert not run_alive(zombie.pid) and run_alive(live.pid, time.time())
        removed = remove_dead_leftovers(output)
        assert sorted(removed) == sorted([dead_file, dead_folder, reused])
        assert sorted(tmp_path.iterdir()) == sorted([live_file, *others])
        mine = temp_sibling(output)  # the writer's own name; the sweep left the live run's file
        assert mine.name == f"out.parquet.tmp-{os.getpid()}" and live_file.exists()
    finally:
        live.kill()
        live.wait()
        zombie.wait()
