"""Deadlines enforced from outside: a small persistent pool of verifier worker processes.

Anything that may reach sympy runs in a worker process. The parent sends one task at a time to a worker, waits on
its socket with ``select`` until the task's deadline, and kills the worker when the deadline passes (the task becomes
``"timeout"``) or finds it dead (``"error"``); a replacement takes its place and the other tasks go on. This works
from any thread and inside any process (daemonic pool workers included) because the parent needs neither signals
nor ``fork``: workers come from a *zygote*, a plain subprocess (``python -c``) that imports sympy and math-verify
once and then forks a ready worker on request (a few milliseconds), handing it a socket the parent passed over
(``socket.send_fds``). Where that is not available, workers are plain subprocesses started one by one.

Start-up (the zygote importing sympy, a second or two, once per process) is bounded by ``STARTUP_TIMEOUT``. A caller
with a deadline of its own (``run(..., deadline=...)``: one ``verify`` call) charges start-up to it: when the pool
is not ready in time its tasks answer ``"timeout"`` and the zygote goes on starting for the next call.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque

__all__ = ["WorkerPool", "abandon_when", "current_pool", "default_pool", "STARTUP_TIMEOUT"]

STARTUP_TIMEOUT = 60.0
# Workers import the package under its one name, from the same environment (inherited) as the parent.
_BOOT = "from mathreward.verifiers import _worker; _worker."
_MAX_SEND_RETRIES = 3
ABANDON_POLL_SECONDS = 0.1  # how often a run with an abandon event looks at it
_caller = threading.local()  # .abandoned: the event of the calling thread's ``abandon_when`` block


class abandon_when:  # noqa: N801 - a context manager, named for how it reads
    """``with abandon_when(event):`` -- in this thread, every ``WorkerPool.run`` stops once ``event`` is set (the
    caller went away, e.g. an HTTP client that disconnected): its busy workers are killed, the tasks not done answer
    ``"timeout"``, and the workers go back to the pool for other callers."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __enter__(self) -> threading.Event:
        self.previous = getattr(_caller, "abandoned", None)
        _caller.abandoned = self.event
        return self.event

    def __exit__(self, *exc: object) -> None:
        _caller.abandoned = self.previous


class _NotReady:
    """What ``_Zygote.spawn`` gives when the zygote is alive but still starting at the caller's deadline."""


NOT_READY = _NotReady()


def _env() -> dict:
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = "1"
    return env


class _Channel:
    """JSON lines over a file descriptor (socket or pipe) with a read buffer."""

    fd: int
    pid: int
    ready: bool
    dead: bool

    def _init_channel(self) -> None:
        self.buffer = b""
        self.dead = False

    def fileno(self) -> int:
        return self.fd

    def read_messages(self) -> list[dict]:
        """Read what is available (call when select says readable); EOFError when the worker is gone."""
        try:
            data = os.read(self.fd, 1 << 16)
        except OSError as exc:
            self.dead = True
            raise EOFError(str(exc)) from exc
        if not data:
            self.dead = True
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
        return not self.dead


class _ForkedWorker(_Channel):
    """A worker forked by the zygote; the parent talks to it over a socket and kills it by pid."""

    def __init__(self, sock: socket.socket, pid: int) -> None:
        self.sock = sock
        self.fd = sock.fileno()
        self.pid = pid
        self.ready = True
        self._init_channel()

    def send(self, message: dict) -> None:
        self.sock.sendall(json.dumps(message).encode() + b"\n")

    def kill(self) -> None:
        self.dead = True
        try:
            os.kill(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.sock.close()


class _ProcessWorker(_Channel):
    """Fallback: a worker subprocess of its own (pipes), used where the zygote cannot run."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _BOOT + "main()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_env(),
            close_fds=True,
        )
        if self.proc.stdin is None or self.proc.stdout is None:  # both are pipes (PIPE above)
            raise OSError("verifier worker started without pipes")
        self.stdin = self.proc.stdin
        self.stdout = self.proc.stdout
        self.fd = self.stdout.fileno()
        self.pid = self.proc.pid
        self.ready = False
        self._init_channel()

    def send(self, message: dict) -> None:
        self.stdin.write(json.dumps(message).encode() + b"\n")
        self.stdin.flush()

    def alive(self) -> bool:
        return not self.dead and self.proc.poll() is None

    def kill(self) -> None:
        self.dead = True
        try:
            self.proc.kill()
        except OSError:
            pass
        for stream in (self.stdin, self.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


class _Zygote:
    """The fork server: one subprocess with sympy loaded that forks workers on request."""

    def __init__(self) -> None:
        parent_end, child_end = socket.socketpair()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _BOOT + f"zygote_main({child_end.fileno()})"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=[child_end.fileno()],
            env=_env(),
            close_fds=True,
        )
        child_end.close()
        self.sock = parent_end
        self.buffer = b""
        self.lock = threading.Lock()
        self.ready = False

    def _read_line(self, deadline: float) -> str | None:
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            readable, _, _ = select.select([self.sock], [], [], remaining)
            if not readable:
                return None
            data = self.sock.recv(4096)
            if not data:
                return None
            self.buffer += data
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def wait_ready(self, timeout: float) -> bool:
        """Whether the zygote said it is ready, waiting at most ``timeout`` seconds (a partial line is kept)."""
        if not self.lock.acquire(timeout=max(0.0, timeout)):
            return False
        try:
            if not self.ready:
                line = self._read_line(time.monotonic() + timeout)
                self.ready = line == "ready"
                if line is None and self.alive():
                    return False  # not ready yet (the next call reads on)
            return self.ready
        finally:
            self.lock.release()

    def spawn(self, ready_by: float | None = None) -> _ForkedWorker | _NotReady | None:
        """A new ready worker, or None when the zygote is gone; ``NOT_READY`` when it is still starting at
        ``ready_by`` (monotonic seconds; None: wait up to ``STARTUP_TIMEOUT``)."""
        limit = STARTUP_TIMEOUT if ready_by is None else min(STARTUP_TIMEOUT, ready_by - time.monotonic())
        if not self.wait_ready(limit):
            return NOT_READY if ready_by is not None and self.alive() and not self.ready else None
        with self.lock:
            ours, theirs = socket.socketpair()
            try:
                socket.send_fds(self.sock, [b"spawn"], [theirs.fileno()])
            except OSError:
                ours.close()
                return None
            finally:
                theirs.close()
            line = self._read_line(time.monotonic() + 10.0)
        if line is None or not line.isdigit():
            ours.close()
            return None
        return _ForkedWorker(ours, int(line))

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        try:
            self.sock.close()
            self.proc.kill()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass


def _wait_ready(workers: list, deadline: float, abandoned: threading.Event | None = None) -> list:
    """Wait until every worker said it is ready (or died / the deadline passed / ``abandoned`` was set); returns the
    ready ones."""
    pending = [w for w in workers if not w.ready]
    while pending and time.monotonic() < deadline and not (abandoned is not None and abandoned.is_set()):
        wait = max(0.0, deadline - time.monotonic())
        readable, _, _ = select.select(pending, [], [], wait if abandoned is None else min(wait, ABANDON_POLL_SECONDS))
        for worker in readable:
            try:
                worker.ready = worker.ready or any(m.get("ready") for m in worker.read_messages())
            except EOFError:
                worker.kill()
                pending.remove(worker)
                continue
            if worker.ready:
                pending.remove(worker)
    for worker in pending:
        worker.kill()
    return [w for w in workers if w.ready]


def _poll_idle(workers: list) -> None:
    """Without waiting: mark idle workers that died (EOF) and starting ones whose ready message arrived."""
    watch = [w for w in workers if w.alive()]
    if not watch:
        return
    try:
        readable, _, _ = select.select(watch, [], [], 0)
    except (OSError, ValueError):
        return
    for worker in readable:
        try:
            if any(m.get("ready") for m in worker.read_messages()):
                worker.ready = True
        except EOFError:
            worker.kill()


class WorkerPool:
    """Persistent worker processes shared by every caller of this process; thread-safe."""

    def __init__(self, max_workers: int | None = None) -> None:
        self.max_workers = max_workers or max(4, 2 * (os.cpu_count() or 1))
        self._idle: list = []
        self._live = 0
        self._cond = threading.Condition()
        self._zygote: _Zygote | None = None
        self._zygote_lock = threading.Lock()
        self._use_zygote = hasattr(socket, "send_fds") and hasattr(os, "fork")
        self._pid = os.getpid()
        self.kills = 0  # workers killed for a deadline
        self.crashes = 0  # workers found dead
        self._running: list[dict] = []  # the busy maps (worker -> task index, deadline) of the runs in progress

    # -- workers
    def _new_worker(self, ready_by: float | None = None):
        """A new worker (ready when it comes from the zygote), or None; ``NOT_READY`` when the zygote is still
        starting at ``ready_by`` (monotonic seconds; None: wait for it)."""
        if self._use_zygote:
            for _attempt in range(2):
                with self._zygote_lock:
                    if self._zygote is None or not self._zygote.alive():
                        if self._zygote is not None:
                            self._zygote.close()
                        try:
                            self._zygote = _Zygote()
                        except OSError:
                            self._use_zygote = False
                            break
                    zygote = self._zygote
                worker = zygote.spawn(ready_by)
                if worker is not None:
                    return worker
                with self._zygote_lock:
                    if self._zygote is zygote:
                        zygote.close()
                        self._zygote = None
        try:
            return _ProcessWorker()
        except OSError:
            return None

    def warm_up(self, count: int = 1) -> None:
        """Start the zygote and ``count`` workers now instead of on the first symbolic check."""
        self._release(self._acquire(count, time.monotonic() + STARTUP_TIMEOUT))

    def _acquire(self, count: int, wait_until: float, ready_by: float | None = None) -> list:
        """Take up to ``count`` workers (at least one unless ``wait_until`` passes), starting new ones as needed;
        workers still starting at ``ready_by`` (None: ``STARTUP_TIMEOUT`` from now) are not waited for."""
        with self._cond:
            while True:
                _poll_idle(self._idle)
                dead = [w for w in self._idle if not w.alive()]
                self._live -= len(dead)
                self._idle = sorted((w for w in self._idle if w.alive()), key=lambda w: w.ready)
                taken = [self._idle.pop() for _ in range(min(count, len(self._idle)))]
                fresh = max(0, min(count - len(taken), self.max_workers - self._live))
                self._live += fresh
                if taken or fresh > 0:
                    break
                remaining = wait_until - time.monotonic()
                if remaining <= 0:
                    return []
                self._cond.wait(remaining)
        made = [self._new_worker(ready_by) for _ in range(fresh)]
        started = [w for w in made if w is not None and w is not NOT_READY]
        ready = _wait_ready(started, time.monotonic() + STARTUP_TIMEOUT if ready_by is None else ready_by)
        with self._cond:
            self._live -= fresh - len(ready)
            if fresh > len(ready):
                self._cond.notify_all()
        return ready + taken

    def _release(self, workers: list) -> None:
        with self._cond:
            for worker in workers:
                if worker.alive():
                    self._idle.append(worker)
                else:
                    self._live -= 1
            self._cond.notify_all()

    def _replace(self, worker):
        """Kill ``worker`` and start a replacement; None if none could start."""
        worker.kill()
        replacement = self._new_worker()
        if replacement is None:
            with self._cond:
                self._live -= 1
        return replacement

    def worker_pids(self) -> list[int]:
        """Pids of the idle workers (the reward server's ``/health`` counts them)."""
        with self._cond:
            return [w.pid for w in self._idle if w.alive()]

    def busy_pids(self) -> list[int]:
        """Pids of the workers that hold a task now, in every run of this pool (counted by ``/health``)."""
        with self._cond:
            return [worker.pid for busy in self._running for worker in list(busy)]

    def close(self) -> None:
        """Stop every idle worker and the zygote."""
        with self._cond:
            idle, self._idle = self._idle, []
            self._live -= len(idle)
        for worker in idle:
            worker.kill()
        with self._zygote_lock:
            if self._zygote is not None:
                self._zygote.close()
                self._zygote = None

    # -- running tasks
    def run(
        self, tasks: list[dict], timeout: float | list[float], workers: int = 1, deadline: float | None = None
    ) -> list[dict]:
        """Run ``tasks`` (JSON-able dicts with an ``op``) with a per-task deadline; results in task order.

        ``timeout`` is seconds per task (one number, or one per task). A task past its deadline gets
        ``{"status": "timeout"}`` and its worker is killed and replaced; a worker that dies gives ``"error"``.
        ``deadline`` (monotonic seconds): the caller's own end, start-up included; no task runs past it, and when no
        worker is ready by then every task answers ``"timeout"``. While a task is out, its worker's pid is in
        ``busy_pids()``.
        """
        if not tasks:
            return []
        timeouts = timeout if isinstance(timeout, list) else [timeout] * len(tasks)
        results: list[dict | None] = [None] * len(tasks)
        want = max(1, min(workers, len(tasks)))
        wait_until = time.monotonic() + max(timeouts) + STARTUP_TIMEOUT if deadline is None else deadline
        pool = self._acquire(want, wait_until, deadline)
        if not pool:
            if deadline is not None and time.monotonic() >= deadline - 0.01:
                return [{"status": "timeout", "error": "verifier workers not ready in time"} for _ in tasks]
            return [{"status": "error", "error": "no verifier worker could start"} for _ in tasks]
        idle = deque(w for w in pool if w.ready)
        starting = [w for w in pool if not w.ready]
        busy: dict = {}
        with self._cond:
            self._running.append(busy)
        pending = deque(range(len(tasks)))
        send_failures = 0
        abandoned: threading.Event | None = getattr(_caller, "abandoned", None)
        try:
            while pending or busy:
                if abandoned is not None and abandoned.is_set():  # the caller went away: stop, free the workers
                    for index in [*pending, *(index for index, _ends in busy.values())]:
                        results[index] = {"status": "timeout", "error": "abandoned: the caller went away"}
                    break
                while idle and pending:
                    worker = idle.popleft()
                    index = pending.popleft()
                    try:
                        worker.send({**tasks[index], "id": index})
                    except (OSError, ValueError):
                        # the worker died while idle: the task never started, give it to another worker
                        send_failures += 1
                        if send_failures > _MAX_SEND_RETRIES:
                            results[index] = {"status": "error", "error": "verifier workers keep dying"}
                        else:
                            pending.appendleft(index)
                        self._add(self._replace(worker), idle, starting)
                        continue
                    ends = time.monotonic() + max(0.0, timeouts[index])
                    busy[worker] = (index, ends if deadline is None else min(ends, deadline))
                if not busy and not idle and pending:
                    if not starting:
                        for index in pending:
                            results[index] = {"status": "error", "error": "no verifier worker left"}
                        break
                    ready_by = time.monotonic() + STARTUP_TIMEOUT if deadline is None else deadline
                    ready = _wait_ready(starting, ready_by, abandoned)
                    with self._cond:
                        self._live -= len(starting) - len(ready)
                    starting = []
                    idle.extend(ready)
                    continue
                now = time.monotonic()
                wait = min(ends for _, ends in busy.values()) - now if busy else 0.05
                if abandoned is not None:
                    wait = min(wait, ABANDON_POLL_SECONDS)
                readable, _, _ = select.select(list(busy) + starting, [], [], max(0.0, wait))
                for worker in readable:
                    try:
                        messages = worker.read_messages()
                    except EOFError:
                        messages = None
                    if worker in starting:
                        if messages is None:
                            starting.remove(worker)
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
                        self._add(self._replace(worker), idle, starting)
                        continue
                    for message in messages:
                        if message.get("id") == index:
                            results[index] = message
                            del busy[worker]
                            idle.append(worker)
                            break
                now = time.monotonic()
                for worker, (index, ends) in list(busy.items()):
                    if now >= ends:
                        del busy[worker]
                        self.kills += 1
                        results[index] = {"status": "timeout", "error": f"no answer within {timeouts[index]:g}s"}
                        self._add(self._replace(worker), idle, starting)
        finally:
            for worker in busy:  # on an exception or an abandoned run: their tasks were interrupted
                worker.kill()
            with self._cond:
                self._live -= len(busy)
                self._running.remove(busy)
            self._release(list(idle) + starting)
        return [r if r is not None else {"status": "error", "error": "not run"} for r in results]

    @staticmethod
    def _add(worker, idle: deque, starting: list) -> None:
        if worker is None:
            return
        (idle.append if worker.ready else starting.append)(worker)


_DEFAULT: WorkerPool | None = None
_DEFAULT_LOCK = threading.Lock()


def default_pool() -> WorkerPool:
    """The process-wide pool (a fresh one after a fork: inherited workers belong to the parent)."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None or _DEFAULT._pid != os.getpid():
            _DEFAULT = WorkerPool()
        return _DEFAULT


def current_pool() -> WorkerPool | None:
    """The process-wide pool if this process has made one (None: no verifier worker started here yet)."""
    with _DEFAULT_LOCK:
        return _DEFAULT if _DEFAULT is not None and _DEFAULT._pid == os.getpid() else None


@atexit.register
def _shutdown() -> None:
    if _DEFAULT is not None and _DEFAULT._pid == os.getpid():
        _DEFAULT.close()
