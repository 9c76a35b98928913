"""Deadlines enforced from outside: a small persistent pool of verifier worker processes.

Anything that may reach sympy runs in a worker process. The parent sends one task at a time to a worker, waits on
its pipe with ``select`` until the task's deadline, and kills the worker when the deadline passes (the task becomes
``"timeout"``) or finds it dead (``"error"``); a replacement starts at once and the other tasks go on. This works from
any thread and inside any process (pool workers included) because it needs neither signals nor ``fork``: workers are
plain subprocesses (``python -c``) speaking JSON lines, started once and reused.

Start-up (importing sympy, about a second) is not charged to any task's deadline but is bounded by
``STARTUP_TIMEOUT``.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path

__all__ = ["WorkerPool", "default_pool", "TaskResult", "STARTUP_TIMEOUT"]

STARTUP_TIMEOUT = 60.0
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])
_BOOT = f"import sys; sys.path.insert(0, {_PACKAGE_ROOT!r}); from verifiers._worker import main; main()"

TaskResult = dict  # {"status": "ok"|"timeout"|"error"|"refused", ...}


class _Worker:
    """One worker subprocess and its line-buffered reply pipe."""

    def __init__(self) -> None:
        env = dict(os.environ)
        env.setdefault("PYTHONHASHSEED", "0")
        env["OMP_NUM_THREADS"] = "1"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _BOOT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            close_fds=True,
        )
        self.fd = self.proc.stdout.fileno()
        self.buffer = b""
        self.ready = False
        self.started = time.monotonic()
        self.pid = self.proc.pid

    def fileno(self) -> int:
        return self.fd

    def send(self, message: dict) -> None:
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()

    def read_messages(self) -> list[dict]:
        """Read what is available (call only when select says readable); raises EOFError when the worker died."""
        data = os.read(self.fd, 1 << 16)
        if not data:
            raise EOFError("worker exited")
        self.buffer += data
        messages = []
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            try:
                messages.append(json.loads(line))
            except ValueError:
                continue
        return messages

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


def _wait_ready(workers: list[_Worker], deadline: float) -> list[_Worker]:
    """Wait until every worker said it is ready (or died / the deadline passed); returns the ready ones."""
    pending = [w for w in workers if not w.ready]
    while pending and time.monotonic() < deadline:
        readable, _, _ = select.select(pending, [], [], max(0.0, deadline - time.monotonic()))
        for worker in readable:
            try:
                for message in worker.read_messages():
                    if message.get("ready"):
                        worker.ready = True
            except (EOFError, OSError):
                worker.kill()
                pending.remove(worker)
                continue
            if worker.ready:
                pending.remove(worker)
    for worker in pending:
        worker.kill()
    return [w for w in workers if w.ready]


class WorkerPool:
    """Persistent worker processes shared by every caller of this process; thread-safe."""

    def __init__(self, max_workers: int | None = None) -> None:
        self.max_workers = max_workers or max(4, 2 * (os.cpu_count() or 1))
        self._idle: list[_Worker] = []
        self._live = 0
        self._cond = threading.Condition()
        self._pid = os.getpid()
        self.kills = 0  # workers killed for a deadline
        self.crashes = 0  # workers found dead
        self.on_dispatch = None  # optional callable(pid, task_index), called when a task is handed to a worker

    # -- checkout / checkin
    def _acquire(self, count: int, wait_until: float) -> list[_Worker]:
        """Take up to ``count`` workers (at least one unless ``wait_until`` passes), starting new ones as needed."""
        with self._cond:
            while True:
                taken = [self._idle.pop() for _ in range(min(count, len(self._idle)))]
                taken = [w for w in taken if w.alive() or self._drop(w)]
                fresh = min(count - len(taken), self.max_workers - self._live)
                self._live += max(0, fresh)
                if taken or fresh > 0:
                    break
                remaining = wait_until - time.monotonic()
                if remaining <= 0:
                    return []
                self._cond.wait(remaining)
        started = []
        for _ in range(max(0, fresh)):
            try:
                started.append(_Worker())
            except OSError:
                with self._cond:
                    self._live -= 1
        ready = _wait_ready(started, time.monotonic() + STARTUP_TIMEOUT)
        with self._cond:
            self._live -= len(started) - len(ready)
        return [w for w in taken if w.ready] + ready + [w for w in taken if not w.ready]

    def _drop(self, worker: _Worker) -> bool:
        self._live -= 1
        worker.kill()
        return False

    def _release(self, workers: list[_Worker]) -> None:
        with self._cond:
            for worker in workers:
                if worker.alive():
                    self._idle.append(worker)
                else:
                    self._live -= 1
            self._cond.notify_all()

    def _replace(self, worker: _Worker) -> _Worker | None:
        """Kill ``worker`` and start a replacement (not yet ready); None if none could start."""
        worker.kill()
        try:
            return _Worker()
        except OSError:
            with self._cond:
                self._live -= 1
            return None

    def worker_pids(self) -> list[int]:
        """Pids of idle workers (for tests and diagnostics)."""
        with self._cond:
            return [w.pid for w in self._idle]

    def close(self) -> None:
        """Stop every idle worker."""
        with self._cond:
            idle, self._idle = self._idle, []
            self._live -= len(idle)
        for worker in idle:
            worker.kill()

    # -- running tasks
    def run(self, tasks: list[dict], timeout: float | list[float], workers: int = 1) -> list[TaskResult]:
        """Run ``tasks`` (JSON-able dicts with an ``op``) with a per-task deadline; results in task order.

        ``timeout`` is seconds per task (one number, or one per task). A task past its deadline gets
        ``{"status": "timeout"}`` and its worker is killed and replaced; a worker that dies gives ``"error"``.
        ``self.on_dispatch(pid, index)``, when set, is called as a task is handed to a worker (diagnostics; the
        tests use it to kill a worker mid-batch).
        """
        if not tasks:
            return []
        timeouts = timeout if isinstance(timeout, list) else [timeout] * len(tasks)
        results: list[TaskResult | None] = [None] * len(tasks)
        want = max(1, min(workers, len(tasks)))
        pool = self._acquire(want, time.monotonic() + max(timeouts) + STARTUP_TIMEOUT)
        if not pool:
            return [{"status": "error", "error": "no verifier worker could start"} for _ in tasks]
        idle = deque(w for w in pool if w.ready)
        starting = [w for w in pool if not w.ready]
        busy: dict[_Worker, tuple[int, float]] = {}
        pending = deque(range(len(tasks)))
        try:
            while pending or busy:
                while idle and pending:
                    worker = idle.popleft()
                    index = pending.popleft()
                    try:
                        worker.send({**tasks[index], "id": index})
                    except (OSError, ValueError):
                        results[index] = {"status": "error", "error": "worker pipe closed"}
                        self.crashes += 1
                        replacement = self._replace(worker)
                        if replacement is not None:
                            starting.append(replacement)
                        continue
                    busy[worker] = (index, time.monotonic() + max(0.0, timeouts[index]))
                    if self.on_dispatch is not None:
                        self.on_dispatch(worker.pid, index)
                if not busy and not idle and pending:
                    if not starting:
                        for index in pending:
                            results[index] = {"status": "error", "error": "no verifier worker left"}
                        break
                    ready = _wait_ready(starting, time.monotonic() + STARTUP_TIMEOUT)
                    lost = len(starting) - len(ready)
                    if lost:
                        with self._cond:
                            self._live -= lost
                    starting = []
                    idle.extend(ready)
                    continue
                now = time.monotonic()
                wait = min(deadline for _, deadline in busy.values()) - now if busy else 0.05
                watch = list(busy) + starting
                readable, _, _ = select.select(watch, [], [], max(0.0, wait))
                for worker in readable:
                    try:
                        messages = worker.read_messages()
                    except (EOFError, OSError):
                        messages = None
                    if worker in starting:
                        if messages is None:
                            starting.remove(worker)
                            worker.kill()
                            with self._cond:
                                self._live -= 1
                        elif any(m.get("ready") for m in messages):
                            worker.ready = True
                            starting.remove(worker)
                            idle.append(worker)
                        continue
                    index, _deadline = busy[worker]
                    if messages is None:
                        del busy[worker]
                        self.crashes += 1
                        results[index] = {"status": "error", "error": "verifier worker crashed"}
                        replacement = self._replace(worker)
                        if replacement is not None:
                            starting.append(replacement)
                        continue
                    for message in messages:
                        if message.get("id") == index:
                            results[index] = message
                            del busy[worker]
                            idle.append(worker)
                            break
                now = time.monotonic()
                for worker, (index, deadline) in list(busy.items()):
                    if now >= deadline:
                        del busy[worker]
                        self.kills += 1
                        results[index] = {"status": "timeout", "error": f"no answer within {timeouts[index]:g}s"}
                        replacement = self._replace(worker)
                        if replacement is not None:
                            starting.append(replacement)
        finally:
            for worker in busy:  # only on an exception: their tasks were interrupted
                worker.kill()
            with self._cond:
                self._live -= len(busy)
            self._release(list(idle) + starting)
        return [r if r is not None else {"status": "error", "error": "not run"} for r in results]


_DEFAULT: WorkerPool | None = None
_DEFAULT_LOCK = threading.Lock()


def default_pool() -> WorkerPool:
    """The process-wide pool (a fresh one after a fork: inherited workers belong to the parent)."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None or _DEFAULT._pid != os.getpid():
            _DEFAULT = WorkerPool()
        return _DEFAULT


@atexit.register
def _shutdown() -> None:
    if _DEFAULT is not None and _DEFAULT._pid == os.getpid():
        _DEFAULT.close()
