"""OpenRLHF adapter: its reward protocol (``query`` = prompt + response, ``prompts``, ``labels``) on any reward.

Two ways in, one payload (OpenRLHF 0.10.2+ ``--reward.remote_url``; ``--remote_rm_url`` up to 0.10.1):

- HTTP: ``mathreward serve`` answers ``POST /get_reward`` with :func:`score_queries`
  (``--reward.remote_url http://127.0.0.1:5000/get_reward``).
- In-process: ``--reward.remote_url /path/to/mathreward/rewards/openrlhf.py``; OpenRLHF loads this file and calls
  :func:`reward_func`. The reward is ``$MATHREWARD_REWARD`` (default ``dapo``) with the options of the JSON object
  ``$MATHREWARD_REWARD_OPTIONS`` (e.g. ``{"wrong_score": 0}``) and ``$MATHREWARD_TIMEOUT`` seconds per item.

``rewards`` is what the trainer optimises, ``scores`` the raw 0/1 correctness that OpenRLHF's dynamic filtering reads,
``extra_logs`` per-item values for its logger. A label is the gold answer: text or a number, or a dict such as
DAPO-Math-17k's ``reward_model`` column (``{"ground_truth": "34", "style": "rule"}``), or a list of one label.

OpenRLHF computes its eval ``pass1`` / ``passN`` from ``rewards`` as if they were 0/1; with ``dapo``'s +1/-1 it logs
2p - 1. For true pass rates serve a 0/1 reward (``wrong_score=0``, or ``binary``); under ``group_norm`` the advantages
are then the same as with +1/-1, under ``rloo`` / ``reinforce_baseline`` / ``dr_grpo`` half of them.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from mathreward.rewards.base import Reward
from mathreward.tables import encodable_text

_reward: Reward | None = None
_reward_lock = threading.Lock()


def split_query(query: str, prompt: str | None) -> str:
    """The response part of a query (prompt + response): the prompt is stripped when the query starts with it."""
    if prompt and query.startswith(prompt):
        return query[len(prompt) :]
    return query


GOLD_KEYS = ("ground_truth", "answer")
MAX_LABEL_DEPTH = 4


def read_label(label: Any, _depth: int = 0) -> str | None:
    """A gold label as text (None when missing or blank).

    A dict gives its ``ground_truth`` (else ``answer``) entry, a list of one label that label; ValueError for a dict
    with neither key, a list of several answers, or nesting deeper than 4.
    """
    if label is None:
        return None
    if _depth >= MAX_LABEL_DEPTH:
        raise ValueError(f"label nested deeper than {MAX_LABEL_DEPTH} levels")
    if isinstance(label, Mapping):
        for key in GOLD_KEYS:
            if key in label:
                return read_label(label[key], _depth + 1)
        keys = ", ".join(repr(k) for k in list(label)[:8])
        raise ValueError(f"label is a dict without a 'ground_truth' or 'answer' key (keys: {keys})")
    if isinstance(label, (list, tuple)):
        if len(label) > 1:
            raise ValueError(f"label is a list of {len(label)} answers; one gold answer per row is read")
        return read_label(label[0], _depth + 1) if label else None
    text = label if isinstance(label, str) else str(label)
    return text if text.strip() else None


def read_labels(labels: Sequence[Any] | None, n: int) -> list[str | None]:
    """Every row's gold (None for all rows when ``labels`` is None); ValueError naming the first bad row."""
    if labels is None:
        return [None] * n
    golds = []
    for i, label in enumerate(labels):
        try:
            golds.append(read_label(label))
        except ValueError as exc:
            raise ValueError(f"labels[{i}]: {exc}") from None
    return golds


def score_queries(
    reward: Reward, queries: Sequence[str], prompts: Sequence[str] | None, labels: Sequence[Any] | None
) -> dict[str, Any]:
    """Score OpenRLHF's lists; returns JSON-able ``{"rewards", "scores", "extra_logs", "preds", "statuses"}``."""
    n = len(queries)
    for name, values in (("prompts", prompts), ("labels", labels)):
        if values is not None and len(values) != n:
            raise ValueError(f"'{name}' has {len(values)} entries but 'query' has {n}")
    prompt_list = list(prompts) if prompts is not None else [""] * n
    golds = read_labels(labels, n)
    responses = [split_query(q, p) for q, p in zip(queries, prompt_list, strict=True)]
    results = reward.score(prompt_list, responses, golds)
    if len(results) != n:
        raise RuntimeError(f"reward returned {len(results)} results for {n} queries")
    extra_logs: dict[str, list[float]] = {
        "acc": [1.0 if r.correct else 0.0 for r in results],
        "no_answer": [1.0 if r.status == "no_answer" else 0.0 for r in results],
        "timeout": [1.0 if r.status in ("timeout", "error") else 0.0 for r in results],
    }
    if any("overlong_penalty" in r.extras for r in results):
        extra_logs["overlong_penalty"] = [float(r.extras.get("overlong_penalty", 0.0)) for r in results]
    return {
        "rewards": [float(r.score) for r in results],
        "scores": [float(r.correct) if r.correct is not None else float(r.score) for r in results],
        "extra_logs": extra_logs,
        "preds": [encodable_text(r.pred) for r in results],  # a lone surrogate escaped: JSON-able anywhere
        "statuses": [r.status for r in results],
    }


def _default_reward() -> Reward:
    global _reward
    with _reward_lock:
        if _reward is None:
            from mathreward.rewards.registry import build_reward_from_options

            timeout = float(os.environ.get("MATHREWARD_TIMEOUT", "5"))
            options = json.loads(os.environ.get("MATHREWARD_REWARD_OPTIONS") or "{}")
            if not isinstance(options, dict):
                raise ValueError(f"$MATHREWARD_REWARD_OPTIONS must be a JSON object, got {options!r}")
            name = os.environ.get("MATHREWARD_REWARD", "dapo")
            _reward = build_reward_from_options(name, **{"timeout": timeout, **options})
        return _reward


def reward_func(queries: Sequence[str], prompts: Sequence[str], labels: Sequence[Any], **kwargs: Any) -> dict[str, Any]:
    """OpenRLHF's local reward function: the same payload as ``/get_reward``, as torch tensors."""
    import torch

    payload = score_queries(_default_reward(), queries, prompts, labels)
    return {
        "rewards": torch.tensor(payload["rewards"], dtype=torch.float32),
        "scores": torch.tensor(payload["scores"], dtype=torch.float32),
        "extra_logs": {key: torch.tensor(values, dtype=torch.float32) for key, values in payload["extra_logs"].items()},
    }
