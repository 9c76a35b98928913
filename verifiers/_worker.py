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
import time

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
        if op == "parse":
            from .parsing import classify_symbolic

            return {"status": "ok", "result": classify_symbolic(request["text"])}
        if op == "sleep":  # used by the tests of the guard itself
            time.sleep(float(request.get("seconds", 0)))
            return {"status": "ok", "slept": request.get("seconds", 0)}
        if op == "exit":  # used by the tests of the guard itself: a worker that dies mid-task
            os._exit(int(request.get("code", 3)))
        if op == "pid":
            return {"status": "ok", "pid": os.getpid()}
        return {"status": "error", "error": f"unknown op {op!r}"}
    except (RefusedInput, Refused) as exc:
        return {"status": "refused", "error": str(exc)}
    except MemoryError:
        return {"status": "error", "error": "out of memory"}
    except RecursionError:
        return {"status": "error", "error": "recursion too deep"}
    except Exception as exc:  # noqa: BLE001 - one bad item must not end the worker
        return {"status": "error", "error": f"{type(exc).__name__}: {str(exc)[:200]}"}


def main() -> None:
    """Serve requests until stdin closes."""
    reply_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    replies = os.fdopen(reply_fd, "w", buffering=1, encoding="utf-8")
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    sys.stderr = sys.stdout
    _limit_memory()
    sys.setrecursionlimit(5000)
    from . import symbolic

    symbolic._math_verify()
    import sympy  # noqa: F401

    replies.write(json.dumps({"ready": True, "pid": os.getpid()}) + "\n")
    for line in sys.stdin:
        try:
            request = json.loads(line)
        except ValueError:
            continue
        reply = _handle(request)
        reply["id"] = request.get("id")
        replies.write(json.dumps(reply) + "\n")
