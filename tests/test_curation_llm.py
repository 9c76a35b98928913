"""LLM rewrite against a real local HTTP server that speaks OpenAI's /v1/chat/completions protocol."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mathreward.curation.curate import curate
from mathreward.curation.llm import LLMRewrite, check_reply, endpoint

# Canned replies, keyed by the original answer found at the end of the prompt.
REPLIES = {
    "x^2+7x+10": {
        "answer_format": "x^2+ax+b",
        "conditions": "a and b are positive integers",
        "letters": {"a": 7, "b": 10},
        "integer_answer": 17,
    },
    "3+2i": {"answer_format": "k+m\\sqrt{2}", "letters": {"k": 3, "m": 2}, "integer_answer": 5},  # wrong rebuild
    "2x+1": {"answer_format": "ax+b", "letters": {"a": 2, "b": 1}, "integer_answer": 4},  # 4 is not a + b
    "\\text{Thursday}": {"answer_format": "k", "letters": {"k": 4}, "integer_answer": 4},  # cannot be rebuilt
    "y^3": "this is not JSON",
}


class ToyServer:
    """A chat-completions server: checks the bearer key, fails the first call for one answer with 503."""

    def __init__(self):
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.failed_once = False
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server.lock:
                    server.requests += 1
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    time.sleep(0.05)
                    if self.path != "/v1/chat/completions" or self.headers.get("Authorization") != "Bearer sekret":
                        return self._send(401, {"error": "unauthorized"})
                    answer = body["messages"][-1]["content"].rsplit("Answer:\n", 1)[1].strip()
                    if answer == "x^2+7x+10" and not server.failed_once:
                        server.failed_once = True
                        return self._send(503, {"error": "busy"})
                    reply = REPLIES[answer]
                    content = reply if isinstance(reply, str) else "```json\n" + json.dumps(reply) + "\n```"
                    self._send(200, {"choices": [{"message": {"role": "assistant", "content": content}}]})
                finally:
                    with server.lock:
                        server.in_flight -= 1

            def _send(self, code, payload):
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    toy = ToyServer()
    yield toy
    toy.close()


def _raw(tmp_path):
    rows = [
        {"problem": "Expand $(x+2)(x+5)$.", "answer": "x^2+7x+10"},
        {"problem": "Compute the complex product described.", "answer": "3+2i"},
        {"problem": "Simplify $3x + 1 - x$.", "answer": "2x+1"},
        {"problem": "What day comes after Wednesday?", "answer": "\\text{Thursday}"},
        {"problem": "Simplify $y \\cdot y^2$.", "answer": "y^3"},
        {"problem": "What is $\\frac{1}{2}+\\frac{1}{4}$?", "answer": "\\frac{3}{4}"},
    ]
    path = tmp_path / "raw.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def test_llm_rewrite_verified_cached_and_retried(tmp_path, server, monkeypatch):
    monkeypatch.setenv("MATHREWARD_LLM_KEY", "sekret")
    raw, cache = _raw(tmp_path), tmp_path / "cache.jsonl"

    def run(out):
        llm = LLMRewrite(url=server.url, model="toy", cache_path=cache, concurrency=2, backoff=0.01)
        report, result = curate([raw], tmp_path / out, llm=llm, progress=False)
        return report, result

    report, result = run("a.parquet")
    kept = {r["answer"]: r for r in result.kept}
    assert set(kept) == {"x^2+7x+10", "\\frac{3}{4}"}
    assert kept["x^2+7x+10"]["gt"] == "17" and kept["x^2+7x+10"]["transform"] == "llm"
    assert kept["x^2+7x+10"]["problem"] == (
        "Expand $(x+2)(x+5)$. The original answer is in the form $x^2+ax+b$, where a and b are positive integers. "
        "Please provide the value of a + b."
    )
    assert kept["\\frac{3}{4}"]["transform"] == "fraction"  # rules first; the LLM only sees what they miss
    reasons = {r["answer"]: r["reject"] for r in result.rejected}
    assert reasons == {
        "3+2i": "llm:rebuild_mismatch",
        "2x+1": "llm:answer_not_sum_of_letters",
        "\\text{Thursday}": "llm:unverifiable",
        "y^3": "llm:bad_json",
    }
    assert server.requests == 6  # five rows, one retried after a 503
    assert server.max_in_flight <= 2
    assert report["steps"]["llm_rewrite"]["asked"] == 5

    report2, _ = run("b.parquet")
    assert server.requests == 6  # the rerun is served from the on-disk cache
    assert report2["steps"]["llm_rewrite"]["cache_hits"] == 5
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_llm_http_errors_become_reject_reasons(tmp_path, server, monkeypatch):
    monkeypatch.delenv("MATHREWARD_LLM_KEY", raising=False)
    llm = LLMRewrite(url=server.url + "/v1", model="toy", cache_path=None, retries=1, backoff=0.01)
    _, result = curate([_raw(tmp_path)], None, llm=llm, progress=False)
    assert {r["reject"] for r in result.rejected} == {"llm:http_401"}


def test_check_reply_rules():
    good = json.dumps(
        {"answer_format": "\\frac{m\\sqrt{n}}{p}", "letters": {"m": 3, "n": 2, "p": 4}, "integer_answer": 9}
    )
    assert check_reply(good, "Find the length.", "\\frac{3\\sqrt{2}}{4}")["gt"] == "9"
    assert check_reply(good, "Let $n$ be a side.", "\\frac{3\\sqrt{2}}{4}") == {"reject": "llm:letter_clash"}
    huge = json.dumps({"answer_format": "k", "letters": {"k": 10**30}, "integer_answer": 10**30})
    assert check_reply(huge, "Find it.", "10") == {"reject": "llm:not_an_integer"}
    assert check_reply('{"answer_format": "k"}', "Find it.", "10") == {"reject": "llm:not_an_integer"}
    assert endpoint("http://h:1") == endpoint("http://h:1/v1/") == "http://h:1/v1/chat/completions"


def test_llm_options_on_the_command_line(tmp_path, server, monkeypatch, capsys):
    import pyarrow.parquet as pq

    from mathreward import cli

    monkeypatch.setenv("MY_KEY", "sekret")
    out = tmp_path / "out.parquet"
    args = [
        "curate",
        _raw(tmp_path),
        "-o",
        str(out),
        "--llm-url",
        server.url,
        "--llm-model",
        "toy",
        "--llm-key-env",
        "MY_KEY",
        "--llm-cache",
        str(tmp_path / "c.jsonl"),
        "--llm-concurrency",
        "1",
        "--quiet",
    ]
    assert cli.main(args) == 0
    rows = pq.read_table(out).to_pylist()
    assert [(r["reward_model"]["ground_truth"], r["extra_info"]["transform"]) for r in rows] == [
        ("17", "llm"),
        ("7", "fraction"),
    ]
    assert server.max_in_flight == 1
    assert cli.main(["curate", _raw(tmp_path), "-o", str(tmp_path / "x.parquet"), "--llm-url", server.url]) == 2
    assert capsys.readouterr().err.strip().endswith("--llm-url and --llm-model must be given together")
