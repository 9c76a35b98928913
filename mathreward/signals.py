"""How a run stops: SIGTERM as SIGINT, and worker processes that never outlive the process that started them.

- ``raise_on_sigterm()`` (the command line, at start): SIGTERM raises ``Terminated`` in the main thread, a
  ``KeyboardInterrupt``, so every ``finally`` that tidies up after Ctrl-C (workers stopped, temporary files removed)
  runs for ``timeout``, Slurm and Kubernetes too; the command then exits 143.
- ``die_with_parent(parent_pid)`` (a worker, first thing): the kernel kills the worker when its parent dies, however
  it dies (Linux ``PR_SET_PDEATHSIG``; elsewhere a thread that watches ``getppid``), and a worker whose parent is
  already gone stops at once.
- ``stop_processes(processes)``: kill workers outright and reap them (a parent that stops does not wait for their
  tasks to end).
- ``run_in_processes(function, calls)``: each call in a fresh process of its own, all at the same time; a failure,
  Ctrl-C or SIGTERM stops the others at once.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

__all__ = [
    "Terminated",
    "die_with_parent",
    "raise_on_sigterm",
    "run_in_processes",
    "stop_pool",
    "stop_processes",
    "worker_start",
]

EXIT_TERMINATED = 128 + signal.SIGTERM  # 143: the exit status of a command stopped by SIGTERM
EXIT_INTERRUPTED = 128 + signal.SIGINT  # 130
PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_POLL_SECONDS = 0.5  # where the kernel cannot watch the parent, a thread looks this often


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: raised where SIGINT raises ``KeyboardInterrupt`` (and caught wherever that is)."""


def _raise_terminated(_signum: int, _frame: Any) -> None:
    raise Terminated


def raise_on_sigterm() -> None:
    """Make SIGTERM raise ``Terminated`` in the main thread (a no-op elsewhere: only the main thread can)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_terminated)


def _set_parent_death_signal() -> bool:
    """Ask the kernel for SIGKILL when the parent dies; whether it could."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    import time

    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def die_with_parent(parent_pid: int) -> None:
    """In a worker process: end when the process ``parent_pid`` (the one that started it) ends, however it ends.

    Call it first thing in the worker. The parent's death is noticed by the kernel where it can (Linux), else by a
    daemon thread; a parent already gone before the call (the worker started just as it died) ends the worker now.
    """
    if not _set_parent_death_signal():
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True, name="watch-parent").start()
    if os.getppid() != parent_pid:
        os._exit(1)


def worker_start(parent_pid: int) -> None:
    """The start of a pool worker: dies with its parent, leaves SIGINT and SIGTERM to it (the parent stops the
    workers; a Ctrl-C that reaches the whole process group does not print a traceback from every worker)."""
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def stop_processes(processes: Iterable[Any], wait: float = 5.0) -> None:
    """Kill ``processes`` (``multiprocessing.Process`` objects) at once and reap them, each waited for ``wait`` s
    at most."""
    processes = list(processes)
    for process in processes:
        try:
            process.kill()
        except (OSError, ValueError, AttributeError):
            pass
    for process in processes:
        try:
            process.join(wait)
        except (OSError, ValueError, AssertionError):
            pass


def stop_pool(pool: Any) -> None:
    """Kill the worker processes of a ``concurrent.futures.ProcessPoolExecutor`` now (its ``shutdown`` would wait
    for the tasks they run; the standard library has no public way to end them)."""
    stop_processes(list((getattr(pool, "_processes", None) or {}).values()))


def run_in_processes(function: Callable[..., Any], calls: Sequence[tuple[Any, ...]]) -> list[Any]:
    """``function(*args)`` for each ``args`` of ``calls``, each in a process of its own (spawned: a fresh interpreter,
    no forked torch state), all at the same time; the results in ``calls`` order. On fewer cores than calls they
    share the cores. A call that fails, Ctrl-C or SIGTERM stops the other processes now, not when they end."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(len(calls), mp_context=context, initializer=worker_start, initargs=(os.getpid(),))
    try:
        futures = [pool.submit(function, *args) for args in calls]
        return [future.result() for future in futures]
    except BaseException:
        stop_pool(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
