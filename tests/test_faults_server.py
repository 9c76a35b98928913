"""The reward server lets go of abandoned work, and of connections that send nothing.

- A client that sends slow symbolic items and disconnects: its verification stops (the busy worker is killed, the
  rest are not started) and its slot is freed, so ``in_flight`` drops to 0 long before its items would have ended
  (10 items x 2 s on one worker) and the next request is served.
- A connection that sends no headers, or half of them, is closed after ``--header-timeout``; an idle keep-alive
  connection after ``--idle-timeout``.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from test_server_http import Server

pytestmark = pytest.mark.timeout(180)

SLOW_SYMBOLIC = "\\boxed{\\sum_{n=1}^{\\infty} \\frac{1}{n^2}}"  # sympy tries to sum it: past a 2 s timeout
ITEMS = 10
FREED_WITHIN = 10.0  # seconds (on a loaded machine); the abandoned items alone would take ITEMS x 2 s = 20 s


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    srv = Server(
        "--reward", "boxed", "--workers", "1", "--timeout", "2", "--max-concurrency", "1",
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


def test_a_disconnected_client_stops_being_scored_and_frees_its_slot(server: Server) -> None:
    items = [{"response": SLOW_SYMBOLIC, "gold": f"\\frac{{\\pi^2}}{{6}} + {i}"} for i in range(ITEMS)]
    client = socket.create_connection(("127.0.0.1", server.port))
    client.sendall(_raw_request("/score", {"items": items}))
    _wait(lambda: _health(server)["in_flight"] == 1, "the request scoring", 30)
    kills_before = _health(server)["verifier_pool"]["killed_for_deadline"]
    client.close()  # the trainer gave up on this request
    gone = time.monotonic()
    _wait(lambda: _health(server)["in_flight"] == 0, "the abandoned request's slot freed", FREED_WITHIN)
    freed_after = time.monotonic() - gone
    reply = httpx.post(server.url + "/score", json={"items": [{"response": "\\boxed{4}", "gold": "4"}]}, timeout=30)
    assert reply.status_code == 200 and reply.json()["results"][0]["status"] == "correct"
    # at most the items in progress as it went reached their deadline: the others were never started
    assert _health(server)["verifier_pool"]["killed_for_deadline"] - kills_before <= 2, freed_after


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
