"""The reward server lets go of abandoned work, and of connections that send nothing.

- A client that sends symbolic items and disconnects: its verification stops (the busy worker is killed, the rest
  are not started) and its slot is freed, and the next request is served. The server's verifier worker is stopped
  (SIGSTOP) first, so the item handed to it never ends by itself: only the abandonment can end it, long before its
  deadline (no item is killed for its deadline).
- A connection that sends no headers, or half of them, is closed after ``--header-timeout``; an idle keep-alive
  connection after ``--idle-timeout``.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import httpx
import psutil
import pytest
from test_server_http import Server

pytestmark = pytest.mark.timeout(180)

ITEMS = 10
ITEM_SECONDS = 60  # each item's deadline: only the abandonment can end a stopped worker's item before it
STATE_SECONDS = 120.0  # the longest a test waits for a state (a bound that turns a hang into a failure)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    srv = Server(
        "--reward", "boxed", "--workers", "1", "--timeout", str(ITEM_SECONDS), "--max-concurrency", "1",
        "--header-timeout", "0.5", "--idle-timeout", "0.5",
    )  # fmt: skip
    yield srv
    srv.stop()


def _health(server: Server) -> dict:
    return httpx.get(server.url + "/health", timeout=10).json()


def _wait(condition, what: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.05)


def _raw_request(path: str, payload: dict) -> bytes:
    body = json.dumps(payload).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _verifier_workers(server: Server) -> list[psutil.Process]:
    """The server's verifier workers: the processes its zygote (the fork server) forked."""
    below = psutil.Process(server.proc.pid).children(recursive=True)
    zygotes = {p.pid for p in below if p.ppid() == server.proc.pid and "zygote_main" in " ".join(p.cmdline())}
    return [p for p in below if p.ppid() in zygotes]


def _gone(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _score_symbolic(server: Server) -> None:
    """One request whose item needs sympy, answered correctly by a verifier worker."""
    symbolic = {"response": "\\boxed{(x+1)^2}", "gold": "x^2+2x+1"}
    reply = httpx.post(server.url + "/score", json={"items": [symbolic]}, timeout=ITEM_SECONDS)
    assert reply.status_code == 200 and reply.json()["results"][0]["status"] == "correct"


def test_a_disconnected_client_stops_being_scored_and_frees_its_slot(server: Server) -> None:
    items = [{"response": f"\\boxed{{(x+{i})^2}}", "gold": f"x^2+{2 * i}x+{i * i}"} for i in range(ITEMS)]
    _score_symbolic(server)  # a worker started and answered
    workers = _verifier_workers(server)
    assert workers, "the server started no verifier worker"
    for worker in workers:
        worker.suspend()  # SIGSTOP: the item handed to it never ends by itself
    try:
        client = socket.create_connection(("127.0.0.1", server.port))
        client.sendall(_raw_request("/score", {"items": items}))
        _wait(lambda: _health(server)["verifier_pool"]["busy_workers"] == 1, "an item out to a worker", STATE_SECONDS)
        assert _health(server)["in_flight"] == 1
        before = _health(server)["verifier_pool"]
        client.close()  # the trainer gave up on this request
        _wait(lambda: _health(server)["in_flight"] == 0, "the abandoned request's slot freed", STATE_SECONDS)
        _wait(lambda: any(map(_gone, workers)), "the busy worker killed", STATE_SECONDS)
    finally:
        for worker in workers:
            if not _gone(worker):
                worker.resume()
    after = _health(server)["verifier_pool"]
    # ended by the abandonment: no item reached its deadline, no worker crashed, nothing left out to a worker
    assert (after["killed_for_deadline"], after["crashed"]) == (before["killed_for_deadline"], before["crashed"])
    assert after["busy_workers"] == 0
    _score_symbolic(server)  # the next request is served, by a fresh worker


def _closed_by_server(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes ``sock`` within ``seconds`` (reading and dropping what it sends)."""
    sock.settimeout(seconds)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            if not sock.recv(65536):
                return True
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return False


def test_silent_and_slow_header_connections_are_closed(server: Server) -> None:
    silent = socket.create_connection(("127.0.0.1", server.port))
    slow = socket.create_connection(("127.0.0.1", server.port))
    slow.sendall(b"POST /score HTTP/1.1\r\nHost: test\r\n")  # and the rest never comes
    try:
        assert _closed_by_server(silent, 10)
        assert _closed_by_server(slow, 10)
    finally:
        silent.close()
        slow.close()


def test_an_idle_keep_alive_connection_is_closed(server: Server) -> None:
    sock = socket.create_connection(("127.0.0.1", server.port))
    try:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n")
        assert _closed_by_server(sock, 10)  # the answer, then the close once the connection idled
    finally:
        sock.close()
