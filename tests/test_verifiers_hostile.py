"""Hostile model output: every input gets a clear verdict, quickly, with no side effect."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from pathlib import Path

import pytest

from mathreward.verifiers import is_equivalent, parse_answer, verify, verify_batch
from mathreward.verifiers.guard import WorkerPool, default_pool

SLOW_SYMBOLIC = "\\boxed{\\sum_{n=1}^{\\infty} \\frac{1}{n^2}}"  # sympy tries to sum it: several seconds
STATUSES = {"correct", "wrong", "no_answer", "timeout", "error"}


@pytest.fixture(scope="module", autouse=True)
def warm_pool():
    """Start the guard workers once so start-up time is not measured by the timing assertions."""
    default_pool().warm_up(2)
    yield


PARSE = {"op": "parse", "text": "x^2+2x+1"}  # a real task: the worker classifies it with sympy


def wait_for(condition, what: str) -> None:
    """Poll ``condition`` (state, not time) until it holds; a generous bound only turns a hang into a failure."""
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.01)


def stopped_worker(pool: WorkerPool) -> int:
    """Run a real task on ``pool`` (one worker at most), then stop (SIGSTOP) its worker, now idle: the worker takes
    the next task and never answers it, a hang made from outside. Returns its pid."""
    assert pool.run([PARSE], 60.0)[0]["status"] == "ok"
    [pid] = pool.worker_pids()
    os.kill(pid, signal.SIGSTOP)
    return pid


def hang_then_crash(pool: WorkerPool) -> None:
    """A hung task times out and its worker is replaced; a worker killed mid-task gives "error" and is replaced."""
    hung = stopped_worker(pool)
    assert [r["status"] for r in pool.run([PARSE], 0.5)] == ["timeout"]
    assert pool.kills == 1
    assert hung not in pool.worker_pids()
    doomed = stopped_worker(pool)  # the replacement answered the real task; it is stopped in turn
    results: list[dict] = []
    runner = threading.Thread(target=lambda: results.extend(pool.run([PARSE], 300.0)))
    runner.start()
    wait_for(lambda: doomed in pool.busy_pids(), "the task handed to the stopped worker")
    os.kill(doomed, signal.SIGKILL)
    runner.join(60)
    assert [r["status"] for r in results] == ["error"] and "crash" in results[0]["error"]
    assert pool.crashes == 1 and pool.busy_pids() == []
    assert pool.run([PARSE], 60.0)[0]["status"] == "ok"  # a replacement serves the next task


@pytest.mark.parametrize(
    ("response", "why"),
    [
        ("\\boxed{9^{9^{9^9}}}", "power tower"),
        ("Answer: 10^{10^{10}}", "power tower"),
        ("Answer: 2^{99999999999}", "huge exponent"),
        ("\\boxed{(2^{9999})^{9999}}", "huge result"),
        ("\\boxed{" + "2^" * 50 + "2}", "chained power tower"),
        ("\\boxed{x^{2}^{3}^{4}}", "chained power tower, symbolic"),
        ("\\boxed{123456! + 1}", "giant factorial"),
        ("\\boxed{x + 50000! + 1}", "giant factorial, symbolic"),
    ],
)
def test_huge_computations_are_refused_not_computed(response, why):
    started = time.monotonic()
    verdict = verify(response, "42", timeout=5)
    assert time.monotonic() - started < 1.0, why
    assert verdict.status == "error" and not verdict.correct
    assert "refused" in verdict.detail


def test_power_tower_equal_to_gold_by_text_is_still_fine():
    assert verify("\\boxed{10^{10^{10}}}", "10^{10^{10}}").status == "correct"


def test_deep_braces():
    deep = "{" * 3000 + "1" + "}" * 3000
    for response in ("\\boxed{" + deep + "}", "Answer: " + deep, deep):
        verdict = verify(response, "1", timeout=2)
        assert verdict.status in STATUSES
        assert not (verdict.status == "correct" and verdict.pred and len(verdict.pred) > 2000)
    assert not is_equivalent("1", deep)
    assert parse_answer(deep).kind == "unparseable"


def test_deep_parentheses_in_the_exact_reader():
    deep = "(" * 200 + "1" + ")" * 200
    verdict = verify("Answer: " + deep, "1", timeout=2)
    assert verdict.status in {"error", "wrong", "correct"}
    assert verdict.status != "timeout"


def test_one_megabyte_responses():
    filler = "Let me think about this carefully. " * 30_000  # about 1 MB
    assert len(filler) > 1_000_000
    started = time.monotonic()
    assert verify(filler + "\nAnswer: 5", "5").status == "correct"
    assert verify(filler + "\nAnswer: 6", "5").status == "wrong"
    assert verify(filler, "5").status in {"no_answer", "wrong"}
    assert verify("1" * 1_000_000, "5").status in {"wrong", "error", "no_answer"}
    assert verify("\\boxed{" + "1+" * 500_000 + "1}", "5").status in {"wrong", "error", "no_answer"}
    assert time.monotonic() - started < 10


def test_nul_bytes_and_control_characters():
    for response in ("Answer: 4\x00", "\x00\x00\\boxed{4}\x00", "Answer: \x004\x01\x02"):
        verdict = verify(response, "4")
        assert verdict.status == "correct", response
    verdict = verify("Answer: \x00\x00\x00", "4")
    assert verdict.status in {"no_answer", "wrong"}
    assert not is_equivalent("4", "\x00")


def test_backslash_storms():
    for response in ("\\" * 100_000, "\\boxed{" + "\\" * 5000 + "}", "Answer: " + "\\\\" * 1000, "\\boxed{\\}"):
        verdict = verify(response, "1", timeout=3)
        assert verdict.status in STATUSES
        assert not verdict.correct


def test_division_by_zero():
    for response in ("\\boxed{\\frac{1}{0}}", "Answer: 1/0", "\\boxed{\\frac{0}{0}}", "\\boxed{x/0}"):
        verdict = verify(response, "1", timeout=5)
        assert verdict.status in {"wrong", "error"}, response
        assert not verdict.correct


INJECTIONS = [
    "__import__('os').system('touch {path}')",
    "\\boxed{{__import__('os').system('touch {path}')}}",
    "eval(\"__import__('os').system('touch {path}')\")",
    "exec('import os; os.system(\"touch {path}\")')",
    "(lambda: __import__('os').system('touch {path}'))()",
    "Symbol('x').__class__.__init__.__globals__['os'].system('touch {path}')",
]


def test_code_injection_has_no_side_effect(tmp_path: Path):
    marker = tmp_path / f"pwned_{uuid.uuid4().hex}"
    shared_marker = Path("/tmp") / f"pwned_{uuid.uuid4().hex}"
    for target in (marker, shared_marker):
        texts = [template.format(path=target) for template in INJECTIONS]
        for text in texts:
            for response in (f"Answer: {text}", f"\\boxed{{{text}}}", text):
                # a gold no digit of the temp path can equal ("pytest-0/..." ends in a bare 0 for the fallback)
                assert verify(response, "\\frac{2}{7}", timeout=5).status in {"wrong", "error", "no_answer"}
            assert not is_equivalent(text, "0")
            assert not is_equivalent("0", text)
            parse_answer(text)
            verify("Answer: 0", text, timeout=5)
        verify_batch([f"\\boxed{{{t}}}" for t in texts], ["1"] * len(texts), workers=2, timeout=5)
        assert not target.exists()


def test_timeout_hit_from_a_thread():
    results = {}

    def run():
        started = time.monotonic()
        results["verdict"] = verify(SLOW_SYMBOLIC, "\\frac{\\pi^2}{6}", timeout=0.4)
        results["elapsed"] = time.monotonic() - started

    threads = [threading.Thread(target=run)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert results["verdict"].status in {"timeout", "correct"}
    assert results["elapsed"] < 3.0


def test_verify_from_many_threads_at_once():
    verdicts = [None] * 2

    def run(i):
        response = SLOW_SYMBOLIC if i == 1 else f"\\boxed{{x^2+{i}}}"
        gold = "\\frac{\\pi^2}{6}" if i == 1 else f"{i}+x^2"
        verdicts[i] = verify(response, gold, timeout=1.5)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for i, verdict in enumerate(verdicts):
        assert verdict is not None
        if i != 1:
            assert verdict.status == "correct", verdict


def test_timeouts_in_pool_workers_and_the_batch_goes_on():
    responses = [f"\\boxed{{(x+1)^2+{i}}}" for i in range(6)]
    golds = [f"x^2+2x+{1 + i}" for i in range(6)]
    responses[2] = SLOW_SYMBOLIC
    golds[2] = "\\frac{\\pi^2}{6}"
    responses.append("Answer: 7")
    golds.append("7")
    pool = default_pool()
    kills_before = pool.kills
    verdicts = verify_batch(responses, golds, workers=2, timeout=2.0)
    assert len(verdicts) == len(responses)
    assert verdicts[2].status in {"timeout", "correct"}
    for i in (0, 1, 3, 4, 5):
        assert verdicts[i].status == "correct", (i, verdicts[i])
    assert verdicts[-1].status == "correct"
    if verdicts[2].status == "timeout":
        assert pool.kills > kills_before


def test_worker_killed_mid_batch():
    """Every idle worker is stopped, the batch's first row goes to one of them (one worker: rows one after another),
    which is then killed: that row is an error, the other rows go to a replacement."""
    responses = [f"\\boxed{{(x+{i})^2}}" for i in range(6)]
    golds = [f"x^2+{2 * i}x+{i * i}" for i in range(6)]
    pool = default_pool()
    pool.warm_up(1)
    stopped = pool.worker_pids()
    for pid in stopped:
        os.kill(pid, signal.SIGSTOP)

    def kill_the_busy_one() -> None:
        wait_for(lambda: any(pid in stopped for pid in pool.busy_pids()), "the first row handed to a stopped worker")
        [doomed] = [pid for pid in pool.busy_pids() if pid in stopped]
        os.kill(doomed, signal.SIGKILL)

    killer = threading.Thread(target=kill_the_busy_one, daemon=True)
    killer.start()
    try:  # in the main thread, as a trainer calls it: extraction here, sympy in the workers
        verdicts = verify_batch(responses, golds, workers=0, timeout=60)
        killer.join(60)
    finally:
        for pid in stopped:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
    assert [v.pred for v in verdicts] == [f"(x+{i})^2" for i in range(6)]
    assert verdicts[0].status == "error" and "crash" in verdicts[0].detail
    assert all(v.status == "correct" for v in verdicts[1:])
    # the pool recovered: the next batch works
    assert verify_batch(responses[:2], golds[:2], workers=2)[1].status == "correct"


def test_worker_crash_and_hang_through_the_pool_directly():
    pool = WorkerPool(max_workers=1)
    try:
        hang_then_crash(pool)
    finally:
        pool.close()


def test_workers_zero_is_in_process_with_a_guard():
    verdicts = verify_batch(
        ["Answer: 3", "\\boxed{x+x}", "\\boxed{3x}", "\\boxed{(1, 2]}"],
        ["3", "2x", "2x", "(1,2]"],
        workers=0,
        timeout=5,
    )
    assert [v.status for v in verdicts] == ["correct", "correct", "wrong", "correct"]


def test_non_string_inputs_and_empty_golds():
    verdicts = verify_batch([None, 42, "Answer: 1", "Answer: 1"], ["1", "1", "", None], workers=0)  # type: ignore[list-item]
    assert [v.status for v in verdicts] == ["no_answer", "wrong", "error", "error"]  # 42 is read as its text
    with pytest.raises(ValueError):
        verify_batch(["a"], ["a", "b"])
    with pytest.raises(ValueError):
        verify("Answer: 1", "1", style="nonsense")


def test_plain_subprocess_workers_when_no_zygote():
    """The fallback worker kind (one subprocess each, no fork server) keeps the same guarantees."""
    pool = WorkerPool(max_workers=1)
    pool._use_zygote = False
    try:
        compare = {"op": "compare", "gold": "x^2+2x+1", "preds": ["(x+1)^2"], "options": {}}
        assert pool.run([compare], 60.0)[0]["equal"] is True
        hang_then_crash(pool)
    finally:
        pool.close()


def _verify_in_child(args: tuple[str, str, float]) -> tuple[str, float]:
    response, gold, timeout = args
    started = time.monotonic()
    verdict = verify(response, gold, timeout=timeout)
    return verdict.status, time.monotonic() - started


def test_timeouts_inside_a_daemonic_pool_worker():
    """multiprocessing.Pool workers are daemonic (they may not start multiprocessing children): the guard still works."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    with context.Pool(1) as mp_pool:
        results = mp_pool.map(
            _verify_in_child,
            [("\\boxed{x+x}", "2x", 30.0), (SLOW_SYMBOLIC, "\\frac{\\pi^2}{6}", 0.5), ("Answer: 5", "5", 1.0)],
        )
    assert results[0][0] == "correct"
    assert results[1][0] in {"timeout", "correct"} and results[1][1] < 3.0
    assert results[2][0] == "correct"
