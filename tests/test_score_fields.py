"""`score_file` hands the reward the right per-row columns: prompts from chat lists, golds, lengths, extra fields."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from mathreward.rewards import Reward, RewardResult, register_reward
from mathreward.scoring.score_files import score_file

SEEN: list[dict] = []


class EchoFields(Reward):
    """Records what it was given; scores each row by its response length."""

    name = "test-echo-fields"

    def __init__(self, **options) -> None:
        self.options = options

    def score(self, prompts, responses, golds, **fields):
        SEEN.append({"prompts": list(prompts), "golds": list(golds), "fields": fields, "options": self.options})
        return [RewardResult(float(len(r)), None, r[-1:] or None, "echo", {}) for r in responses]


def test_columns_reach_the_reward_in_chunks_and_in_order(tmp_path: Path) -> None:
    register_reward("test-echo-fields")(EchoFields)
    rows = [
        {
            "prompt": [{"role": "system", "content": "s"}, {"role": "user", "content": f"question {i}"}],
            "completion": [{"role": "assistant", "content": "x" * (i + 1)}],
            "answer": str(i),
            "meta": {"group": i // 2, "reference": f"ref {i}", "tokens": 10 * i},
            "data_source": "toy",
        }
        for i in range(5)
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    SEEN.clear()
    summary = score_file(
        source,
        tmp_path / "out.parquet",
        response_field="completion",
        reward="test-echo-fields",
        extra_fields={"group_ids": "meta.group", "references": "meta.reference"},
        chunk_size=2,
        workers=1,  # the reward records its calls in this process
        progress=False,
        reward_options={"flag": True},
    )
    assert summary["rows"] == 5 and summary["status_counts"] == {"echo": 5} and summary["accuracy"] is None
    assert [len(call["prompts"]) for call in SEEN] == [2, 2, 1]
    assert sum((call["prompts"] for call in SEEN), []) == [f"question {i}" for i in range(5)]
    assert sum((call["golds"] for call in SEEN), []) == ["0", "1", "2", "3", "4"]
    assert sum((call["fields"]["group_ids"] for call in SEEN), []) == [0, 0, 1, 1, 2]
    assert sum((call["fields"]["references"] for call in SEEN), []) == [f"ref {i}" for i in range(5)]
    assert sum((call["fields"]["data_sources"] for call in SEEN), []) == ["toy"] * 5
    assert SEEN[0]["options"] == {"flag": True, "timeout": 5.0, "workers": 1}  # --timeout and --workers reach it
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.column("score").to_pylist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert table.column("correct").to_pylist() == [None] * 5
    assert table.column("meta").to_pylist() == [row["meta"] for row in rows]
