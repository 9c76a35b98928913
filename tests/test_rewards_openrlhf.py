"""OpenRLHF's local reward-function mode (``--remote_rm_url rewards/openrlhf.py``): same payload as /get_reward."""

from __future__ import annotations

import importlib.util

import pytest

import mathreward.rewards.openrlhf as openrlhf
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


def test_read_label_forms() -> None:
    assert openrlhf.read_label({"ground_truth": "34", "style": "rule-lax-nothink"}) == "34"  # DAPO-Math-17k
    assert openrlhf.read_label({"answer": 12}) == "12"
    assert openrlhf.read_label(["\\frac12"]) == "\\frac12"
    assert openrlhf.read_label([{"ground_truth": 7}]) == "7"
    assert openrlhf.read_label(34) == "34"
    assert openrlhf.read_label([]) is None and openrlhf.read_label("  ") is None
    with pytest.raises(ValueError, match="list of 2 answers"):
        openrlhf.read_label(["1", "2"])
    with pytest.raises(ValueError, match="without a 'ground_truth' or 'answer' key \\(keys: 'target'\\)"):
        openrlhf.read_label({"target": "1"})
    with pytest.raises(ValueError, match="nested deeper than 4"):
        openrlhf.read_label([[[[["1"]]]]])
    with pytest.raises(ValueError, match=r"^labels\[1\]: label is a list"):
        openrlhf.read_labels(["1", ["1", "2"]], 2)


def test_reward_func_takes_reward_options_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    monkeypatch.setenv("MATHREWARD_REWARD", "dapo")
    monkeypatch.setenv("MATHREWARD_REWARD_OPTIONS", '{"wrong_score": 0}')
    spec = importlib.util.spec_from_file_location("reward_func", openrlhf.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    labels = [{"ground_truth": "5"}, ["5"], "5"]
    out = module.reward_func(["P Answer: 5", "P Answer: 6", "P nothing"], ["P", "P", "P"], labels)
    assert torch.equal(out["rewards"], torch.tensor([1.0, 0.0, 0.0]))  # 0/1: OpenRLHF's eval pass rates read these
