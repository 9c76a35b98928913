"""The reward server, started for real (`mathreward serve` in a subprocess) and spoken to over HTTP with httpx."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DAPO_PROMPT = (
    "Solve the following math problem step by step. The last line of your response should be of the form "
    "Answer: $Answer (without quotes) where $Answer is the answer to the problem.\n\n{problem}\n\n"
    'Remember to put your answer on its own line after "Answer:".'
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_command() -> list[str]:
    exe = shutil.which("mathreward")
    return [exe, "serve"] if exe else [sys.executable, "-m", "mathreward", "serve"]


class Server:
    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full_env = {**os.environ, **(env or {})}
        self.proc = subprocess.Popen(
            [*serve_command(), "--port", str(self.port), "--log-level", "warning", *args],
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.proc.stdout.read()}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not become healthy within 60 s")

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.stdout.read() if self.proc.stdout else ""


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    srv = Server(
        "--reward", "dapo", "--workers", "1", "--timeout", "3", "--token", TOKEN,
        "--max-items", "8", "--max-body-bytes", str(3 * 1024 * 1024),
    )  # fmt: skip
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("slow_reward")
    (folder / "slow_reward.py").write_text(
        textwrap.dedent(
            """
            import time
            from mathreward.rewards import Reward, RewardResult

            class SlowReward(Reward):
                name = "slow"

                def __init__(self, delay=1.5):
                    self.delay = delay
                    self.calls = 0

                def score(self, prompts, responses, golds, **fields):
                    self.calls += 1
                    if self.calls > 1:  # the start-up warm-up call is fast
                        time.sleep(self.delay)
                    return [RewardResult(float(len(r)), None, r[:10], "scored", {}) for r in responses]
            """
        )
    )
    srv = Server(
        "--reward", "slow_reward:SlowReward", "--max-concurrency", "1", "--queue-timeout", "0.5",
        env={"PYTHONPATH": str(folder)},
    )  # fmt: skip
    yield srv
    srv.stop()


def test_health_is_open_and_reports_limits(server: Server) -> None:
    health = httpx.get(server.url + "/health").json()
    assert health["status"] == "ok" and health["reward"] == "dapo" and health["auth"] is True
    assert health["limits"]["max_items"] == 8


def test_token_is_required(server: Server) -> None:
    body = {"query": ["Answer: 1"], "labels": ["1"]}
    assert httpx.post(server.url + "/get_reward", json=body).status_code == 401
    wrong = httpx.post(server.url + "/get_reward", json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and "token" in wrong.json()["detail"]
    assert httpx.post(server.url + "/score", json={"items": []}).status_code == 401


def test_openrlhf_protocol(server: Server) -> None:
    prompts = [DAPO_PROMPT.format(problem=p) for p in ("What is 30+4?", "What is 2+2?", "Find x if x-1 = 33.")]
    responses = ["30 plus 4 is 34.\nAnswer: 34", "2+2 = 5.\nAnswer: 5", "I am not sure."]
    body = {
        "query": [p + r for p, r in zip(prompts, responses, strict=True)],
        "prompts": prompts,
        "labels": ["34", "4", "34"],
    }
    reply = httpx.post(server.url + "/get_reward", json=body, headers=AUTH, timeout=30)
    assert reply.status_code == 200, reply.text
    data = reply.json()
    assert data["rewards"] == [1.0, -1.0, -1.0]
    assert data["scores"] == [1.0, 0.0, 0.0]
    assert data["extra_logs"]["acc"] == [1.0, 0.0, 0.0]
    # the template's own "Answer: $Answer" is in the prompt: it is stripped, so the third rollout has no answer
    assert data["statuses"] == ["correct", "wrong", "no_answer"]
    assert data["extra_logs"]["no_answer"] == [0.0, 0.0, 1.0]


def test_openrlhf_without_prompts_scores_the_whole_query(server: Server) -> None:
    data = httpx.post(server.url + "/get_reward", json={"query": ["Answer: 12", "Answer: 7"], "labels": [12, "8"]},
                      headers=AUTH, timeout=30).json()  # fmt: skip
    assert data["rewards"] == [1.0, -1.0]


def test_dict_and_list_labels_are_read(server: Server) -> None:
    # DAPO-Math-17k's reward_model column, as OpenRLHF passes it through with --label_key reward_model
    labels = [{"ground_truth": "34", "style": "rule-lax-nothink"}, ["4"], {"answer": 12}, [], {"ground_truth": None}]
    body = {"query": ["Answer: 34", "Answer: 5", "Answer: 12", "Answer: 1", "Answer: 1"], "labels": labels}
    reply = httpx.post(server.url + "/get_reward", json=body, headers=AUTH, timeout=30)
    assert reply.status_code == 200, reply.text
    assert reply.json()["rewards"] == [1.0, -1.0, 1.0, 0.0, 0.0]  # no gold: the reward's no-gold score
    assert reply.json()["statuses"][3:] == ["no_gold", "no_gold"]
    items = [{"response": "Answer: 34", "gold": {"ground_truth": "34"}}, {"response": "Answer: 3", "gold": ["3"]}]
    results = httpx.post(server.url + "/score", json={"items": items}, headers=AUTH, timeout=30).json()["results"]
    assert [r["score"] for r in results] == [1.0, 1.0]


def test_unreadable_labels_are_a_clear_422(server: Server) -> None:
    body = {"query": ["Answer: 1", "Answer: 2"], "labels": ["1", {"target": "2"}]}
    reply = httpx.post(server.url + "/get_reward", json=body, headers=AUTH, timeout=30)
    assert reply.status_code == 422
    assert (
        reply.json()["detail"] == "labels[1]: label is a dict without a 'ground_truth' or 'answer' key (keys: 'target')"
    )
    body = {"query": ["Answer: 1"], "labels": [["1", "2"]]}
    reply = httpx.post(server.url + "/get_reward", json=body, headers=AUTH, timeout=30)
    assert reply.status_code == 422 and "labels[0]: label is a list of 2 answers" in reply.json()["detail"]
    items = [{"response": "Answer: 1", "gold": "1"}, {"response": "Answer: 1", "gold": {"x": 1}}]
    reply = httpx.post(server.url + "/score", json={"items": items}, headers=AUTH, timeout=30)
    assert reply.status_code == 422 and reply.json()["detail"].startswith("items[1].gold: label is a dict without")


def test_score_endpoint_keeps_order_and_handles_hostile_items(server: Server) -> None:
    items = [
        {"prompt": "p", "response": "So\nAnswer: \\frac{1}{2}", "gold": "0.5"},
        {"response": "Answer: 9^{9^{9^{9}}}", "gold": "3"},
        {"response": "Answer: __import__('os').system('touch /tmp/mathreward_pwned')", "gold": "0"},
        {"response": "x" * 1_000_000 + "\nAnswer: 42", "gold": "42"},
        {"response": "no answer at all", "gold": "1"},
        {"response": "Answer: 5", "gold": None},
    ]
    started = time.perf_counter()
    reply = httpx.post(server.url + "/score", json={"items": items}, headers=AUTH, timeout=60)
    assert reply.status_code == 200, reply.text
    results = reply.json()["results"]
    assert time.perf_counter() - started < 2 * 3 * len(items)
    assert [r["score"] for r in results] == [1.0, -1.0, -1.0, 1.0, -1.0, 0.0]
    assert [r["status"] for r in results][3:] == ["correct", "no_answer", "no_gold"]
    assert results[1]["status"] in ("wrong", "timeout", "error")
    assert not Path("/tmp/mathreward_pwned").exists()


def test_limits_give_clear_4xx(server: Server) -> None:
    too_many = {"items": [{"response": "Answer: 1", "gold": "1"}] * 9}
    reply = httpx.post(server.url + "/score", json=too_many, headers=AUTH)
    assert reply.status_code == 413 and "too many items: 9 > 8" in reply.json()["detail"]
    huge = {"query": ["x" * (4 * 1024 * 1024)], "labels": ["1"]}
    reply = httpx.post(server.url + "/get_reward", json=huge, headers=AUTH)
    assert reply.status_code == 413 and "--max-body-bytes" in reply.json()["detail"]
    mismatch = {"query": ["Answer: 1", "Answer: 2"], "prompts": ["p"], "labels": ["1", "2"]}
    reply = httpx.post(server.url + "/get_reward", json=mismatch, headers=AUTH)
    assert reply.status_code == 422 and "'prompts' has 1 entries but 'query' has 2" in reply.json()["detail"]
    broken = httpx.post(
        server.url + "/score", content=b"{not json", headers={**AUTH, "content-type": "application/json"}
    )
    assert broken.status_code == 422
    assert httpx.post(server.url + "/score", json={"items": [{"gold": "1"}]}, headers=AUTH).status_code == 422


def test_concurrency_limit_queues_then_503(slow_server: Server) -> None:
    replies: list[httpx.Response] = []

    def post() -> None:
        replies.append(httpx.post(slow_server.url + "/score", json={"items": [{"response": "abc"}]}, timeout=30))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
        time.sleep(0.1)
    assert httpx.get(slow_server.url + "/health", timeout=2).json()["in_flight"] == 1  # loop stays responsive
    for thread in threads:
        thread.join()
    codes = sorted(r.status_code for r in replies)
    assert codes == [200, 503]
    busy = next(r for r in replies if r.status_code == 503)
    assert "server busy" in busy.json()["detail"] and busy.headers["retry-after"] == "1"


def test_sigterm_lets_the_in_flight_request_finish(slow_server: Server) -> None:
    replies: list[httpx.Response] = []
    thread = threading.Thread(
        target=lambda: replies.append(
            httpx.post(slow_server.url + "/score", json={"items": [{"response": "abcd"}]}, timeout=30)
        )
    )
    thread.start()
    time.sleep(0.5)  # the request is now sleeping inside the reward
    slow_server.proc.send_signal(signal.SIGTERM)
    thread.join(timeout=30)
    assert replies and replies[0].status_code == 200
    assert replies[0].json()["results"][0]["score"] == 4.0
    # uvicorn re-raises the signal once it has shut down cleanly: the command exits 143, as every command on SIGTERM
    assert slow_server.proc.wait(timeout=30) == 128 + signal.SIGTERM
    with pytest.raises(httpx.ConnectError):
        httpx.get(slow_server.url + "/health", timeout=2)


def test_unknown_reward_is_one_clear_line() -> None:
    done = subprocess.run([*serve_command(), "--reward", "nope"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().startswith("mathreward serve: error: --reward nope: ") and "available:" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_reward_options_parse_json_values() -> None:
    from mathreward.scoring.spec import parse_reward_options as _reward_options

    assert _reward_options(["max_len=20480", "inner=dapo", "factor=0.5", "strict=true"]) == {
        "max_len": 20480,
        "inner": "dapo",
        "factor": 0.5,
        "strict": True,
    }
    with pytest.raises(ValueError, match="KEY=VALUE"):
        _reward_options(["oops"])
