"""`mathreward curate --num-proc 2` stopped mid-run by SIGTERM, SIGKILL or SIGINT.

The run is held in its LLM step: a local chat-completions server (a real HTTP server in this process) answers only
once the test releases it, while the row-step workers are up. Then: no process of the run alive 5 s later, the
existing output byte-identical, the next run leaves no temporary file and writes what a clean run writes.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from faults import assert_all_gone, check_exit, descendants, run, signal_run, start, temporary_files, wait_for

pytestmark = pytest.mark.timeout(300)

ROWS = 600  # over two chunks of 256: the row steps run in the worker pool
NO_RULE_ANSWERS = ["x^2+7x+10", "\\text{Thursday}", "2x+1"]  # answers only the LLM step could rewrite
_BODY = json.dumps({"choices": [{"message": {"role": "assistant", "content": "no JSON here"}}]}).encode()
REPLY = b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(_BODY), _BODY)
PREVIOUS = b"an earlier curation, which a stopped run must leave as it is\n"


class HeldLLM:
    """A chat-completions server whose replies wait until ``release`` is set; ``held`` is set by the first request."""

    def __init__(self) -> None:
        self.held = threading.Event()
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                server.held.set()
                server.release.wait(120)
                try:
                    self.wfile.write(REPLY)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the stopped run's request

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def __enter__(self) -> HeldLLM:
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()  # a held request answers, then the server stops
        for stop in (self.httpd.shutdown, self.httpd.server_close):
            stop()


@pytest.fixture
def llm():
    with HeldLLM() as server:
        yield server


def _write_raw(path: Path) -> None:
    forms = ["{a}", "\\frac{{{a}}}{{{b}}}", "{a}\\sqrt{{{b}}}", "({a},{b})"]
    with path.open("w", encoding="utf-8") as handle:
        for i in range(ROWS):
            answer = forms[i % len(forms)].format(a=i % 97 + 1, b=i % 13 + 2)
            handle.write(
                json.dumps({"problem": f"Problem {i}: evaluate quantity {i * 7919 % 1009}.", "answer": answer})
            )
            handle.write("\n")
        for i, answer in enumerate(NO_RULE_ANSWERS):
            handle.write(json.dumps({"problem": f"Find the expression number {i}.", "answer": answer}) + "\n")


def _args(url: str) -> list[str]:
    return [
        "curate",
        "raw.jsonl",
        "-o",
        "out.parquet",
        "--num-proc",
        "2",
        "--quiet",
        "--llm-url",
        url,
        "--llm-model",
        "toy",
        "--llm-cache",
        "llm_cache.jsonl",
    ]


@pytest.fixture(scope="module")
def clean_output(tmp_path_factory) -> bytes:
    folder = tmp_path_factory.mktemp("curate_clean")
    _write_raw(folder / "raw.jsonl")
    with HeldLLM() as server:
        server.release.set()
        done = run(_args(server.url), folder)
    assert done.returncode == 0, done.stderr
    return (folder / "out.parquet").read_bytes()


@pytest.mark.parametrize("signal_name", ["TERM", "KILL", "INT"])
def test_curate_stopped_mid_run_leaves_nothing_and_reruns_clean(
    signal_name: str, llm: HeldLLM, clean_output: bytes, tmp_path: Path
) -> None:
    _write_raw(tmp_path / "raw.jsonl")
    output = tmp_path / "out.parquet"
    output.write_bytes(PREVIOUS)
    proc = start(_args(llm.url), tmp_path)
    wait_for(llm.held.is_set, "the run to reach its LLM step", proc)
    wait_for(lambda: len(descendants(proc)) >= 3, "two row-step workers", proc)
    processes, err = signal_run(proc, signal_name)
    check_exit(proc, signal_name, err)
    assert_all_gone(processes)
    assert output.read_bytes() == PREVIOUS
    llm.release.set()
    done = run(_args(llm.url), tmp_path)
    assert done.returncode == 0, done.stderr
    assert temporary_files(tmp_path) == []
    assert output.read_bytes() == clean_output
