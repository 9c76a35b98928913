"""OpenRLHF's local reward-function mode (``--remote_rm_url rewards/openrlhf.py``): same payload as /get_reward."""

from __future__ import annotations

import importlib.util

import mathreward.rewards.openrlhf as openrlhf
import pytest
from mathreward.rewards import build_reward


def test_split_query() -> None:
    assert openrlhf.split_query("PROMPT text. Answer: 3", "PROMPT text.") == " Answer: 3"
    assert openrlhf.split_query("other Answer: 3", "PROMPT") == "other Answer: 3"  # not a prefix: whole query


def test_score_queries_payload() -> None:
    prompts = ["Q1: remember the form Answer: 34\n", "Q2\n"]
    queries = [prompts[0] + "no idea", prompts[1] + "Answer: 7"]
    payload = openrlhf.score_queries(build_reward("dapo"), queries, prompts, ["34", 7])
    assert payload["rewards"] == [-1.0, 1.0]  # the prompt's own "Answer: 34" is not the response's answer
    assert payload["scores"] == [0.0, 1.0]
    assert payload["statuses"] == ["no_answer", "correct"]
    with pytest.raises(ValueError, match="'labels' has 1 entries but 'query' has 2"):
        openrlhf.score_queries(build_reward("dapo"), queries, prompts, ["34"])


def test_reward_func_loaded_from_its_file_like_openrlhf(monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    monkeypatch.setenv("MATHREWARD_REWARD", "dapo-verl")
    spec = importlib.util.spec_from_file_location("reward_func", openrlhf.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.reward_func(["P Answer: 5", "P **Answer:** 5"], ["P", "P"], ["5", "5"])
    assert torch.equal(out["rewards"], torch.tensor([1.0, -1.0]))
    assert torch.equal(out["scores"], torch.tensor([1.0, 0.0]))
    assert torch.equal(out["extra_logs"]["acc"], torch.tensor([1.0, 0.0]))
