"""OpenRLHF adapter: its reward protocol (``query`` = prompt + response, ``prompts``, ``labels``) on any reward.

Two ways in, one payload:

- HTTP: ``mathreward serve`` answers ``POST /get_reward`` with :func:`score_queries` (``--remote_rm_url
  http://host:5000/get_reward``).
- In-process: OpenRLHF's ``--remote_rm_url /path/to/rewards/openrlhf.py`` loads this file and calls
  :func:`reward_func` (the reward name comes from ``$MATHREWARD_REWARD``, default ``dapo``).

``rewards`` is what the trainer optimises, ``scores`` the raw 0/1 correctness that OpenRLHF's dynamic filtering reads,
``extra_logs`` per-item values for its logger.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

from mathreward.rewards.base import Reward

_reward: Reward | None = None
_reward_lock = threading.Lock()


def split_query(query: str, prompt: str | None) -> str:
    """The response part of a query (prompt + response): the prompt is stripped when the query starts with it."""
    if prompt and query.startswith(prompt):
        return query[len(prompt) :]
    return query


def read_label(label: Any) -> str | None:
    """A gold label as text (None when missing or blank)."""
    if label is None:
        return None
    text = label if isinstance(label, str) else str(label)
    return text if text.strip() else None


def score_queries(
    reward: Reward, queries: Sequence[str], prompts: Sequence[str] | None, labels: Sequence[Any] | None
) -> dict[str, Any]:
    """Score OpenRLHF's lists; returns JSON-able ``{"rewards", "scores", "extra_logs", "preds", "statuses"}``."""
    n = len(queries)
    for name, values in (("prompts", prompts), ("labels", labels)):
        if values is not None and len(values) != n:
            raise ValueError(f"'{name}' has {len(values)} entries but 'query' has {n}")
    prompt_list = list(prompts) if prompts is not None else [""] * n
    label_list = list(labels) if labels is not None else [None] * n
    responses = [split_query(q, p) for q, p in zip(queries, prompt_list, strict=True)]
    results = reward.score(prompt_list, responses, [read_label(label) for label in label_list])
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
        "preds": [r.pred for r in results],
        "statuses": [r.status for r in results],
    }


def _default_reward() -> Reward:
    global _reward
    with _reward_lock:
        if _reward is None:
            from mathreward.rewards.registry import build_reward_from_options

            timeout = float(os.environ.get("MATHREWARD_TIMEOUT", "5"))
            _reward = build_reward_from_options(os.environ.get("MATHREWARD_REWARD", "dapo"), timeout=timeout)
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
