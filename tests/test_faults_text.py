"""Per-row damage stays per row: a lone surrogate in one rollout gives that row a result, its ``pred`` escaped.

A model's broken output can hold a lone surrogate (``\\ud800``: valid in a JSON string, not encodable as UTF-8). The
row is scored like any other and written where UTF-8 cannot carry it raw: ``\\ud800`` as JSON's escape in jsonl
(reads back as the same text), as a backslash escape in parquet and in the server's and adapters' answers. The
other rows of the batch are untouched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pyarrow.parquet as pq
import pytest
from faults import run
from test_server_http import AUTH, TOKEN, Server

from mathreward.rewards import build_reward
from mathreward.rewards.openrlhf import score_queries
from mathreward.rewards.verl import compute_score
from mathreward.tables import encodable_text

SURROGATE = "\ud800"
ROWS = [
    {"id": 0, "response": f"The answer is 5 {SURROGATE}\n\nAnswer: 5 {SURROGATE}", "gold": "5"},
    {"id": 1, "response": "Answer: 5", "gold": "5"},
    {"id": 2, "response": f"{SURROGATE}\n\nAnswer: 7", "gold": "7"},
]
ESCAPED = "5 \\ud800"  # the first row's pred, escaped


def test_encodable_text_escapes_only_what_utf8_cannot_carry() -> None:
    assert encodable_text("5 \ud800") == ESCAPED
    assert encodable_text("plain, ünïcödé, 数学") == "plain, ünïcödé, 数学"
    assert encodable_text(None) is None and encodable_text(3) == 3


@pytest.mark.parametrize("output", ["out.jsonl", "out.parquet"])
@pytest.mark.parametrize("workers", ["1", "2"])
def test_score_gives_the_row_a_result_and_goes_on(tmp_path, output: str, workers: str) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({**row, "data_source": "math_dapo"}) + "\n" for row in ROWS))
    done = run(["score", str(source), "-o", str(tmp_path / output), "--workers", workers, "--no-progress"], tmp_path)
    assert done.returncode == 0, done.stderr
    if output.endswith(".jsonl"):  # JSON's \u escape: the text reads back exactly
        rows = [json.loads(line) for line in (tmp_path / output).read_text(encoding="utf-8").splitlines()]
        assert [row["response"] for row in rows] == [row["response"] for row in ROWS]
        assert rows[0]["pred"] == "5 \ud800"
    else:  # parquet strings are UTF-8: the surrogate is written as a backslash escape
        rows = pq.read_table(tmp_path / output).to_pylist()
        assert rows[0]["response"] == encodable_text(ROWS[0]["response"])
        assert rows[0]["pred"] == ESCAPED
    assert [(row["id"], row["status"], row["score"]) for row in rows] == [
        (0, "wrong", -1.0),
        (1, "correct", 1.0),
        (2, "correct", 1.0),
    ]


def test_adapters_escape_the_pred() -> None:
    reward = build_reward("dapo", workers=1)
    scored = score_queries(reward, [row["response"] for row in ROWS], None, [row["gold"] for row in ROWS])
    assert scored["preds"] == [ESCAPED, "5", "7"] and scored["statuses"] == ["wrong", "correct", "correct"]
    json.dumps(scored, ensure_ascii=False).encode("utf-8")  # JSON-able as UTF-8 text anywhere
    verl = compute_score("math_dapo", ROWS[0]["response"], "5")
    assert verl["pred"] == ESCAPED and verl["acc"] is False


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    srv = Server("--reward", "dapo", "--workers", "1", "--timeout", "3", "--token", TOKEN)
    yield srv
    srv.stop()


def test_server_answers_every_row_of_a_batch_with_a_surrogate(server: Server) -> None:
    body = {"query": [row["response"] for row in ROWS], "labels": [row["gold"] for row in ROWS]}
    headers = {**AUTH, "Content-Type": "application/json"}  # JSON's \u escape, as a client sends a surrogate
    reply = httpx.post(server.url + "/get_reward", content=json.dumps(body), headers=headers, timeout=30)
    assert reply.status_code == 200, reply.text
    data = reply.json()
    assert data["rewards"] == [-1.0, 1.0, 1.0]
    assert data["preds"] == [ESCAPED, "5", "7"]
    items = [{"response": row["response"], "gold": row["gold"]} for row in ROWS]
    reply = httpx.post(server.url + "/score", content=json.dumps({"items": items}), headers=headers, timeout=30)
    results = reply.json()["results"]
    assert [(r["pred"], r["status"]) for r in results] == [(ESCAPED, "wrong"), ("5", "correct"), ("7", "correct")]
