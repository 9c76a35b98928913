"""Score batches of rollout rows: the unit of work of ``mathreward score``, run in-process, in a local worker pool
or in Ray workers (``scoring.ray_score``).

``ScoreSpec`` (``scoring.spec``) says what to read (fields, already resolved) and which reward to build; ``score_batch(spec, batch)``
reads the batch's columns, scores them with the reward (built once per process and kept), and returns the result
columns (``score``, ``correct``, ``pred``, ``status``) with per-batch statistics for the summary. A bad row (missing
field, a value of the wrong shape) raises ``TableError`` naming the file, row and field, wherever it runs.
"""

from __future__ import annotations

import gc
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from mathreward.errors import UserError
from mathreward.rewards.base import RESULT_FIELDS
from mathreward.scoring.spec import ScoreSpec
from mathreward.tables import Batch, TableError

__all__ = ["BatchResult", "build_scorer", "score_batch"]

HINT_SAMPLE = 16  # no_answer rows per batch checked for another answer format


@dataclass
class BatchResult:
    """Result columns of one batch and what the summary counts."""

    columns: dict[str, list[Any]]
    routes: Counter = field(default_factory=Counter)  # (data_source, reward name) -> rows
    hints: Counter = field(default_factory=Counter)  # "checked" / "boxed" / "answer_line" among no_answer rows


_scorers: dict[ScoreSpec, Any] = {}


class RewardBuildError(UserError):
    """The reward cannot be built with these options (one line for the user)."""


def build_scorer(spec: ScoreSpec) -> Any:
    """The spec's reward, built once per process."""
    scorer = _scorers.get(spec)
    if scorer is None:
        from mathreward.rewards.registry import build_reward

        options = dict(spec.options)
        if spec.max_len is not None:
            from mathreward.rewards.compose import overlong

            if spec.buffer_len is None:
                raise RewardBuildError("--max-len needs --buffer-len")
            scorer = overlong(
                spec.reward,
                spec.max_len,
                spec.buffer_len,
                factor=spec.overlong_factor,
                tokenizer=spec.tokenizer,
                **options,
            )
        else:
            scorer = build_reward(spec.reward, **options)
        _scorers[spec] = scorer
    return scorer


def close_scorers() -> None:
    """Close every reward this process built."""
    while _scorers:
        _spec, scorer = _scorers.popitem()
        scorer.close()


def read_columns(spec: ScoreSpec, batch: Batch, prompts_needed: bool = True) -> dict[str, Any]:
    """The reward's inputs from a batch: responses, golds, prompts (empty when not ``prompts_needed``) and the
    per-row fields."""
    n = len(batch)
    responses = batch.text_column(spec.response_field, role="assistant")
    golds: list[str | None] = [None] * n
    if spec.gold_field:
        texts: list[Any] = batch.text_column(spec.gold_field, role="assistant", gold=True)
        golds = texts if set(map(type, texts)) <= {str} else [None if g is None else str(g) for g in texts]
    prompts = batch.text_column(spec.prompt_field, role="user") if spec.prompt_field and prompts_needed else [""] * n
    fields: dict[str, list[Any]] = {}
    if spec.data_source_field:
        fields["data_sources"] = batch.column(spec.data_source_field, required=False)
    if spec.length_field:
        lengths = []
        for index, value in enumerate(batch.column(spec.length_field)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise TableError(
                    batch.path, "is not a token count", row=batch.start + index + 1, field=spec.length_field
                )
            lengths.append(int(value))
        fields["response_lengths"] = lengths
    for name, path in spec.extra_fields:
        fields[name] = batch.text_column(path, role="assistant") if name == "references" else batch.column(path)
    return {"prompts": prompts, "responses": responses, "golds": golds, "fields": fields}


def score_batch(spec: ScoreSpec, batch: Batch) -> BatchResult:
    """Score every row of ``batch`` (in chunks of ``spec.chunk_size``); one result per row, in order.

    The cyclic garbage collector is paused for the batch (its rows' objects are freed by reference counting; it
    would otherwise scan them over and over, about a fifth of the scoring time) and resumed after it."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _score_batch(spec, batch)
    finally:
        if paused:
            gc.enable()


def _score_batch(spec: ScoreSpec, batch: Batch) -> BatchResult:
    scorer = build_scorer(spec)
    columns = read_columns(spec, batch, getattr(getattr(scorer, "inner", scorer), "uses_prompts", True))
    n = len(batch)
    out: dict[str, list[Any]] = {name: [] for name in RESULT_FIELDS}
    for begin in range(0, n, spec.chunk_size):
        end = min(n, begin + spec.chunk_size)
        fields = {key: values[begin:end] for key, values in columns["fields"].items()}
        chunk = scorer.score_columns(
            columns["prompts"][begin:end], columns["responses"][begin:end], columns["golds"][begin:end], **fields
        )
        for name in RESULT_FIELDS:
            if len(chunk[name]) != end - begin:
                raise RuntimeError(
                    f"reward {spec.reward!r} returned {len(chunk[name])} {name} values for {end - begin} rows"
                )
            out[name].extend(chunk[name])
    return BatchResult(out, _routes(spec, scorer, columns), _hints(columns["responses"], out["status"]))


def _routes(spec: ScoreSpec, scorer: Any, columns: dict[str, Any]) -> Counter:
    """(data_source, reward name) -> rows of the batch: each distinct source counted in C, then routed once."""
    sources = columns["fields"].get("data_sources")
    n = len(columns["responses"])
    routed = getattr(getattr(scorer, "inner", scorer), "routes", None)  # overlong wraps the routed reward
    if sources is not None and not set(map(type, sources)) <= {str, type(None)}:  # numbers, lists: row by row
        names = routed(sources, n) if routed is not None else [spec.reward] * n
        return Counter(zip(("" if s is None else str(s) for s in sources), names, strict=True))
    out: Counter = Counter()
    for source, count in Counter(sources if sources is not None else [None] * n).items():
        name = spec.reward if routed is None else routed(None if sources is None else [source], 1)[0]
        out["" if source is None else str(source), name] += count
    return out


def _hints(responses: list[str], statuses: list[str]) -> Counter:
    """For a sample of no_answer rows: how many hold a box or an ``Answer:`` line the reward did not read."""
    from mathreward.verifiers import extract_answer

    hints: Counter = Counter()
    for response, status in zip(responses, statuses, strict=True):
        if status != "no_answer":
            continue
        if hints["checked"] >= HINT_SAMPLE:
            break
        hints["checked"] += 1
        if not response or not response.strip():  # null, missing or blank: nothing to read
            hints["empty"] += 1
        elif extract_answer(response, "boxed") is not None:
            hints["boxed"] += 1
        elif extract_answer(response, "dapo") is not None:
            hints["answer_line"] += 1
    return hints
