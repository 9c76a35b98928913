"""Load and fault test of ``mathreward serve``: concurrent clients, hostile rollouts, a verifier worker killed mid-run.

Starts the real server in a subprocess on loopback, runs ``--clients`` threads for ``--seconds`` (each at most
``--max-requests`` requests), every request a batch mixing honest DAPO-style rollouts (whose right reward we know) with
hostile ones (huge powers, 3000-deep braces, 1 MB responses, injection strings, NUL bytes, backslash storms, and in
one batch of four a divergent sum that runs into the per-item deadline). Half the requests use OpenRLHF's
``/get_reward``, half ``/score``. At one third and two thirds of the run a verifier worker process of the server is
killed (SIGKILL). Prints requests/s, rollouts/s, p50/p99 latency, errors, and checks that
every request was answered with one result per item and that every honest rollout got its right reward.

Peer measured in the same run: the same batches scored in-process by ``build_reward(...).score`` (no HTTP), one
caller; the ratio shows what serving costs or gains. Targets: no lost or failed request, p99 < 2x per-item timeout.

Latency is measured by the clients, so it includes the wait at the server's concurrency gate: with more clients than
``--concurrency`` a request can queue behind one that holds a deadline-hitting rollout, and its own deadline comes on
top (8 clients against 4: p99 about 2x the timeout). The defaults offer the load the server admits at once, and
``--workers`` x ``--concurrency`` stays within the verifier pool (4 workers on 2 cores) so no request waits for a
worker either.

    python bench/serve_load.py [--clients 4] [--seconds 20] [--batch 16] [--timeout 2] [--workers 1] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

REPO_ROOT = Path(__file__).resolve().parents[1]

PROMPT = (
    "Solve the following math problem step by step. The last line of your response should be of the form "
    "Answer: $Answer (without quotes) where $Answer is the answer to the problem.\n\nWhat is {a} times {b}?\n\n"
    'Remember to put your answer on its own line after "Answer:".'
)
HOSTILE = (
    "Answer: 9^{9^{9^{9^{9}}}}",
    "Answer: 10^{10^{10^{10}}} - 1",
    "Answer: " + "{" * 3000 + "7" + "}" * 3000,
    "Answer: __import__('os').system('touch /tmp/mathreward_load_pwned')",
    "Answer: exec(\"import shutil; shutil.rmtree('/')\")",
    "Answer: \\frac{1}{0}",
    "Answer: 7\x00\x00\x00",
    "\\" * 20000 + "\nAnswer: \\\\\\\\",
)
# A rollout that really runs into the per-item deadline (sympy on a divergent tower sum), in 1 of 4 batches.
DEADLINE_HOSTILE = "Answer: \\sum_{n=1}^{\\infty} n^{n^{n}}"
MEGABYTE_RESPONSE = "Let me think. " * 75_000 + "\nAnswer: 7"  # ~1 MB


@dataclass
class Item:
    prompt: str
    response: str
    gold: str
    expected: float | None  # the right DAPO reward for honest rows, None for hostile ones


def make_batch(rng: random.Random, size: int, with_megabyte: bool, with_deadline: bool) -> list[Item]:
    """Half honest rollouts (right or wrong, ~2 KB of reasoning), half hostile; optionally one 1 MB response and one
    rollout that runs into the verifier's per-item deadline."""
    items = []
    for i in range(size):
        a, b = rng.randint(2, 999), rng.randint(2, 999)
        prompt = PROMPT.format(a=a, b=b)
        gold = str(a * b)
        if i % 2 == 0:
            right = rng.random() < 0.5
            answer = gold if right else str(a * b + rng.randint(1, 9))
            shape = rng.choice(["{}", "{}.0", "\\frac{{{}}}{{1}}", "$ {} $"])
            reasoning = f"We multiply {a} by {b}. " * 60
            items.append(Item(prompt, f"{reasoning}\nAnswer: {shape.format(answer)}", gold, 1.0 if right else -1.0))
        else:
            items.append(Item(prompt, rng.choice(HOSTILE), gold, None))
    if with_megabyte:
        items[-1] = Item(items[-1].prompt, MEGABYTE_RESPONSE, "7", 1.0)
    if with_deadline:
        items[1] = Item(items[1].prompt, DEADLINE_HOSTILE, items[1].gold, None)
    return items


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    deadline_latencies: list[float] = field(default_factory=list)  # requests holding a deadline-hitting rollout
    requests: int = 0
    rollouts: int = 0
    errors: list[str] = field(default_factory=list)
    lost: int = 0
    wrong_rewards: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def check_reply(reply: httpx.Response, items: list[Item], endpoint: str) -> tuple[str | None, int, int]:
    """(error, lost, wrong_rewards) for one reply."""
    if reply.status_code != 200:
        return f"HTTP {reply.status_code}: {reply.text[:200]}", 0, 0
    data = reply.json()
    rewards = data["rewards"] if endpoint == "/get_reward" else [r["score"] for r in data["results"]]
    if len(rewards) != len(items):
        return None, 1, 0
    wrong = sum(
        1 for item, got in zip(items, rewards, strict=True) if item.expected is not None and got != item.expected
    )
    return None, 0, wrong


def client_loop(url: str, seed: int, stop_at: float, max_requests: int, batch: int, stats: Stats) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=url, timeout=120) as client:
        for n in range(max_requests):
            if time.time() >= stop_at:
                return
            items = make_batch(rng, batch, with_megabyte=(n % 8 == 7), with_deadline=(n % 4 == 3))
            endpoint = "/get_reward" if n % 2 == 0 else "/score"
            if endpoint == "/get_reward":
                body = {
                    "query": [i.prompt + i.response for i in items],
                    "prompts": [i.prompt for i in items],
                    "labels": [i.gold for i in items],
                }
            else:
                body = {"items": [{"prompt": i.prompt, "response": i.response, "gold": i.gold} for i in items]}
            started = time.perf_counter()
            try:
                reply = client.post(endpoint, json=body)
                error, lost, wrong = check_reply(reply, items, endpoint)
            except httpx.HTTPError as exc:
                error, lost, wrong = f"{type(exc).__name__}: {exc}", 1, 0
            elapsed = time.perf_counter() - started
            with stats.lock:
                stats.requests += 1
                stats.rollouts += len(items)
                stats.latencies.append(elapsed)
                if n % 4 == 3:
                    stats.deadline_latencies.append(elapsed)
                stats.lost += lost
                stats.wrong_rewards += wrong
                if error:
                    stats.errors.append(error)


def verifier_workers(server_pid: int) -> list[psutil.Process]:
    """The server's verifier worker processes: descendants running ``verifiers._worker``.

    When the verifiers fork workers from a zygote, the workers are the zygote's children and the zygote itself (a
    direct child of the server) is left out; otherwise the workers are the direct children.
    """
    try:
        children = psutil.Process(server_pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    found = []
    for child in children:
        try:
            if any("verifiers" in part and "_worker" in part for part in child.cmdline()):
                found.append(child)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    forked = [p for p in found if p.ppid() != server_pid]
    return forked or found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(args: argparse.Namespace) -> tuple[subprocess.Popen, str]:
    port = free_port()
    exe = shutil.which("mathreward")
    command = [exe, "serve"] if exe else [sys.executable, "-m", "mathreward", "serve"]
    command += ["--port", str(port), "--reward", args.reward, "--workers", str(args.workers)]
    command += ["--timeout", str(args.timeout), "--max-concurrency", str(args.concurrency), "--log-level", "warning"]
    proc = subprocess.Popen(command)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start within 60 s")


def in_process_peer(args: argparse.Namespace, seconds: float) -> float:
    """Rollouts/s of the same batches scored in this process, no HTTP, one caller."""
    from mathreward.rewards import build_reward

    reward = build_reward(args.reward, timeout=args.timeout, workers=args.workers)
    rng = random.Random(12345)
    warm = make_batch(rng, args.batch, with_megabyte=False, with_deadline=False)
    reward.score([i.prompt for i in warm], [i.response for i in warm], [i.gold for i in warm])  # start the workers
    done, started = 0, time.perf_counter()
    n = 0
    while (time.perf_counter() - started < seconds or n < 4) and n < args.max_requests:
        items = make_batch(rng, args.batch, with_megabyte=(n % 8 == 7), with_deadline=(n % 4 == 3))
        reward.score([i.prompt for i in items], [i.response for i in items], [i.gold for i in items])
        done += len(items)
        n += 1
    return done / (time.perf_counter() - started)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=4, help="closed-loop clients (default: = --concurrency)")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--max-requests", type=int, default=200, help="per client (bounds the loop)")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=2.0, help="per-item verification timeout of the server")
    parser.add_argument(
        "--workers", type=int, default=1, help="verifier worker processes per batch (x --concurrency <= pool size)"
    )
    parser.add_argument("--concurrency", type=int, default=4, help="server --max-concurrency")
    parser.add_argument("--reward", default="dapo")
    parser.add_argument("--kills", type=int, default=2, help="verifier workers to kill during the run")
    args = parser.parse_args()

    proc, url = start_server(args)
    stats = Stats()
    kills: list[str] = []
    try:
        started = time.time()
        stop_at = started + args.seconds
        threads = [
            threading.Thread(target=client_loop, args=(url, seed, stop_at, args.max_requests, args.batch, stats))
            for seed in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        for k in range(args.kills):
            time.sleep(max(0.0, started + args.seconds * (k + 1) / (args.kills + 1) - time.time()))
            workers = verifier_workers(proc.pid)
            if workers:
                victim = workers[0]
                victim.send_signal(signal.SIGKILL)
                kills.append(f"pid {victim.pid} at t={time.time() - started:.1f}s ({len(workers)} workers alive)")
        for thread in threads:
            thread.join()
        wall = time.time() - started
        alive_after = len(verifier_workers(proc.pid))
        health = httpx.get(url + "/health", timeout=5).json()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()

    peer = in_process_peer(args, seconds=min(10.0, args.seconds / 2))
    p50, p99 = percentile(stats.latencies, 0.50), percentile(stats.latencies, 0.99)
    served_rate = stats.rollouts / wall
    print(
        f"serve_load: {args.clients} clients x {wall:.1f} s, batch {args.batch}: half honest (reward checked), half "
        "hostile; a 1 MB response in 1/8 and a deadline-hitting rollout in 1/4 of the batches"
    )
    print(f"  requests         {stats.requests}  ({stats.requests / wall:.2f} req/s)")
    print(f"  rollouts         {stats.rollouts}  ({served_rate:.1f} rollouts/s)")
    print(f"  latency          p50 {p50:.3f} s   p99 {p99:.3f} s   max {max(stats.latencies, default=0):.3f} s")
    plain = sorted(stats.latencies)
    for value in stats.deadline_latencies:
        plain.remove(value)
    print(
        f"  split            without a deadline rollout: p50 {percentile(plain, 0.5):.3f} s p99 "
        f"{percentile(plain, 0.99):.3f} s;  with one: p50 {percentile(stats.deadline_latencies, 0.5):.3f} s p99 "
        f"{percentile(stats.deadline_latencies, 0.99):.3f} s"
    )
    print(f"  errors           {len(stats.errors)}   lost {stats.lost}   wrong honest rewards {stats.wrong_rewards}")
    print(f"  workers killed   {len(kills)}: {'; '.join(kills) or '-'}; alive after run: {alive_after}")
    print(f"  server counters  {health['requests_served']} requests, {health['rollouts_scored']} rollouts")
    print(f"  verifier pool    {health.get('verifier_pool')}")
    print(
        f"  peer (in-process reward.score, 1 caller): {peer:.1f} rollouts/s;  server/peer = {served_rate / peer:.2f}x"
    )
    for error in stats.errors[:5]:
        print(f"  error: {error}")
    ok = not stats.errors and stats.lost == 0 and stats.wrong_rewards == 0 and p99 < 2 * args.timeout
    ok = ok and not os.path.exists("/tmp/mathreward_load_pwned")
    print(
        f"  target (no lost/failed request, honest rewards right, p99 < {2 * args.timeout:g} s): "
        + ("PASS" if ok else "FAIL")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
