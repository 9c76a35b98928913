"""Body of a guarded verifier worker process (started by ``verifiers.guard``; not a public module).

Protocol: one JSON object per line on stdin (requests) and on the private copy of stdout (replies). The process
imports sympy and math-verify once, says ``{"ready": true}``, then answers requests until stdin closes. Anything the
libraries print goes to /dev/null. Memory is capped with RLIMIT_AS so a runaway computation fails instead of
swapping the machine.
"""

from __future__ import annotations

import json
import os
import sys

MEMORY_LIMIT_BYTES = 3 * 1024**3


def _limit_memory() -> None:
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = MEMORY_LIMIT_BYTES if hard == resource.RLIM_INFINITY else min(MEMORY_LIMIT_BYTES, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass


def _handle(request: dict) -> dict:
    from .compare import Options
    from .exact import Refused
    from .limits import RefusedInput

    op = request.get("op")
    try:
        if op == "compare":
            from .symbolic import compare_symbolic

            options = Options(**request.get("options", {}))
            outcome = compare_symbolic(request["gold"], tuple(request["preds"]), options)
            return {"status": "ok", "equal": outcome.equal, "reason": outcome.reason}
        if op == "verify":  # a whole row, extraction included (callers that cannot interrupt their own thread)
            from .core import verify_here

            return verify_here(request)
        if op == "equivalent":
            from .core import equivalent_here

            return equivalent_here(request)
        if op == "parse":
            from .parsing import classify_symbolic

            return {"status": "ok", "result": classify_symbolic(request["text"])}
        return {"status": "error", "error": f"unknown op {op!r}"}
    except (RefusedInput, Refused) as exc:
        return {"status": "refused", "error": str(exc)}
    except MemoryError:
        return {"status": "error", "error": "out of memory"}
    except RecursionError:
        return {"status": "error", "error": "recursion too deep"}
    except Exception as exc:  # noqa: BLE001 - one bad item must not end the worker
        return {"status": "error", "error": f"{type(exc).__name__}: {str(exc)[:200]}"}


def _preload() -> None:
    """Import sympy and math-verify and warm their caches (done once, before any worker serves)."""
    _limit_memory()
    sys.setrecursionlimit(5000)
    from . import symbolic

    symbolic.load_math_verify()
    try:  # warm up the LaTeX parser and sympy's caches so a first real task is not slow
        from .compare import Options

        symbolic.compare_symbolic("x^2+2x+1", ("(x+1)^2",), Options())
        symbolic.compare_symbolic("\\frac{\\sqrt{3}}{2}+i", ("\\sin(\\pi/3)+i",), Options())
        symbolic.compare_symbolic("\\{1,2\\}", ("(1, 2]",), Options())
    except Exception:  # noqa: BLE001
        pass


def _silence_output() -> int:
    """Send fd 1 and 2 to /dev/null (libraries may print); returns a private duplicate of the original stdout."""
    reply_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    sys.stderr = sys.stdout
    return reply_fd


def _serve(reader, writer) -> None:
    """Answer JSON-line requests from ``reader`` on ``writer`` until the reader closes."""
    for line in reader:
        try:
            request = json.loads(line)
        except ValueError:
            continue
        reply = _handle(request)
        reply["id"] = request.get("id")
        writer.write(json.dumps(reply) + "\n")
        writer.flush()


def main() -> None:
    """A standalone worker: serve requests from stdin until it closes."""
    reply_fd = _silence_output()
    replies = os.fdopen(reply_fd, "w", buffering=1, encoding="utf-8")
    _preload()
    replies.write(json.dumps({"ready": True, "pid": os.getpid()}) + "\n")
    _serve(sys.stdin, replies)


def zygote_main(control_fd: int) -> None:
    """A fork server: preload once, then fork a ready worker for every ``spawn`` request.

    The parent sends ``b"spawn"`` with one socket fd attached (``socket.send_fds``); the forked child serves
    requests on that socket, the zygote answers with the child's pid. Children are reaped automatically.
    """
    import signal
    import socket

    reply_fd = _silence_output()
    os.close(reply_fd)
    control = socket.socket(fileno=control_fd)
    _preload()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    control.sendall(b"ready\n")
    while True:
        try:
            message, fds, _flags, _addr = socket.recv_fds(control, 64, 1)
        except OSError:
            break
        if not message:
            break
        if not fds:
            continue
        zygote = os.getpid()
        pid = os.fork()
        if pid == 0:
            from mathreward.signals import die_with_parent

            die_with_parent(zygote)  # a task still running when the zygote goes (its parent died) stops too
            control.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            channel = socket.socket(fileno=fds[0])
            try:
                reader = channel.makefile("r", encoding="utf-8")
                writer = channel.makefile("w", encoding="utf-8")
                _serve(reader, writer)
            finally:
                os._exit(0)
        for fd in fds:
            os.close(fd)
        control.sendall(f"{pid}\n".encode())
