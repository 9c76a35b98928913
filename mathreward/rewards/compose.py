"""Reward composition: ``weighted`` sums named rewards, ``overlong`` adds DAPO's soft overlong punishment.

Both keep the raw correctness of the underlying reward in ``RewardResult.correct`` so that DAPO's dynamic sampling
can filter prompt groups on accuracy rather than on the shaped score.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Sized
from typing import Any, cast

from mathreward.rewards.base import Reward, RewardResult, check_batch
from mathreward.rewards.catalog import fit_options, is_registered, make_reward, resolve_name


def is_spec(name: str) -> bool:
    """Whether ``name`` is a weighted spec such as ``"dapo+0.1*format"`` rather than one reward's name."""
    return not is_registered(name) and ("+" in name or "*" in name)


def _as_reward(spec: Reward | str, **kwargs: Any) -> Reward:
    if isinstance(spec, Reward):
        if kwargs:
            raise ValueError(f"keyword options {sorted(kwargs)} only apply to rewards given by name")
        return spec
    if is_spec(spec):
        return from_spec(spec, **kwargs)
    return make_reward(resolve_name(spec), spec, **kwargs)


class WeightedReward(Reward):
    """score = sum of weight * component score; correct/pred/status come from the first component that judges
    correctness (``correct`` not None), else from the first component. ``extras["scores"]`` maps each component's
    label to its unweighted score."""

    name = "weighted"

    def __init__(self, components: Sequence[tuple[str, Reward, float]]) -> None:
        if not components:
            raise ValueError("weighted() needs at least one component reward")
        labels = [label for label, _, _ in components]
        if len(set(labels)) != len(labels):
            raise ValueError(f"component labels must be unique, got {labels}")
        self.components = list(components)
        self.name = "+".join(f"{weight:g}*{label}" for label, _, weight in components)

    def score(
        self, prompts: Sequence[str] | None, responses: Sequence[str], golds: Sequence[str | None], **fields: Any
    ) -> list[RewardResult]:
        """Score the batch with every component, then combine row by row."""
        check_batch(prompts, responses, golds, fields)
        per_component = []
        for label, reward, _ in self.components:
            results = reward.score(prompts, responses, golds, **fields)
            if len(results) != len(responses):
                raise RuntimeError(f"component {label!r} returned {len(results)} results for {len(responses)} rows")
            per_component.append(results)
        combined = []
        for row in range(len(responses)):
            row_results = [results[row] for results in per_component]
            primary = next((r for r in row_results if r.correct is not None), row_results[0])
            total = sum(weight * r.score for (_, _, weight), r in zip(self.components, row_results, strict=True))
            scores = {label: r.score for (label, _, _), r in zip(self.components, row_results, strict=True)}
            extras = {**primary.extras, "scores": scores}
            combined.append(RewardResult(float(total), primary.correct, primary.pred, primary.status, extras))
        return combined

    def close(self) -> None:
        for _, reward, _ in self.components:
            reward.close()


def weighted(
    weights: Mapping[str | Reward, float] | Sequence[tuple[str | Reward, float]] | None = None,
    *,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    **named_weights: float,
) -> WeightedReward:
    """Sum of rewards: ``weighted({"dapo": 1.0, "format": 0.1})``.

    Keys are registry names (built with ``options.get(name, {})``) or Reward objects; ``named_weights`` is a
    shorthand for names that are identifiers (``weighted(dapo=1.0, format=0.1)``).
    """
    items = list(weights.items()) if isinstance(weights, Mapping) else list(weights or [])
    items += list(named_weights.items())
    options = dict(options or {})
    components = []
    for spec, weight in items:
        reward = _as_reward(spec, **options.get(spec, {})) if isinstance(spec, str) else _as_reward(spec)
        label = spec if isinstance(spec, str) else reward.name
        if any(label == existing for existing, _, _ in components):
            label = f"{label}#{len(components)}"
        components.append((label, reward, float(weight)))
    return WeightedReward(components)


def overlong_penalty(length: int, max_len: int, buffer_len: int, factor: float = 1.0) -> float:
    """DAPO's soft overlong punishment (verl's form).

    ``min(-(length - (max_len - buffer_len)) / buffer_len * factor, 0)``: 0 up to ``max_len - buffer_len`` tokens, then falling linearly to ``-factor`` at ``max_len`` (and further beyond).
    """
    expected = max_len - buffer_len
    return min(-(length - expected) / buffer_len * factor, 0.0)


def _token_counter(tokenizer: Any) -> Callable[[str], int]:
    if isinstance(tokenizer, str):
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(tokenizer)
    if hasattr(tokenizer, "encode"):
        return lambda text: len(tokenizer.encode(text, add_special_tokens=False))
    if callable(tokenizer):
        # The contract is "a callable text -> tokens"; callable() checks the call, not what it returns.
        tokens_of = cast(Callable[[str], Sized], tokenizer)
        return lambda text: len(tokens_of(text))
    raise TypeError("tokenizer must be a path, a tokenizer with .encode, or a callable text -> tokens")


class OverlongReward(Reward):
    """``inner`` plus DAPO's soft overlong punishment from each response's token length.

    Lengths come from ``fields["response_lengths"]`` (token counts, e.g. verl's valid response length) or, when that
    field is absent, from ``tokenizer``. ``correct`` / ``pred`` / ``status`` stay the inner reward's;
    ``extras`` gains ``overlong_penalty``, ``response_length`` and ``raw_score``.
    """

    name = "overlong"

    def __init__(
        self, inner: Reward, max_len: int, buffer_len: int, factor: float = 1.0, tokenizer: Any = None
    ) -> None:
        if buffer_len <= 0 or max_len <= 0 or buffer_len > max_len:
            raise ValueError(f"need 0 < buffer_len <= max_len, got max_len={max_len}, buffer_len={buffer_len}")
        self.inner = inner
        self.max_len = int(max_len)
        self.buffer_len = int(buffer_len)
        self.factor = float(factor)
        self._count_tokens = _token_counter(tokenizer) if tokenizer is not None else None
        self.name = f"{inner.name}+overlong"

    def lengths(self, responses: Sequence[str], fields: Mapping[str, Any]) -> list[int]:
        """Token length of each response (from ``response_lengths`` or the tokenizer)."""
        given = fields.get("response_lengths")
        if given is not None:
            return [int(length) for length in given]
        if self._count_tokens is None:
            raise ValueError("overlong reward needs fields['response_lengths'] or a tokenizer")
        return [self._count_tokens(response or "") for response in responses]

    def score(
        self, prompts: Sequence[str] | None, responses: Sequence[str], golds: Sequence[str | None], **fields: Any
    ) -> list[RewardResult]:
        """Inner scores plus the length penalty, row by row."""
        check_batch(prompts, responses, golds, fields)
        lengths = self.lengths(responses, fields)
        results = []
        for inner, length in zip(self.inner.score(prompts, responses, golds, **fields), lengths, strict=True):
            penalty = overlong_penalty(length, self.max_len, self.buffer_len, self.factor)
            extras = {**inner.extras, "overlong_penalty": penalty, "response_length": length, "raw_score": inner.score}
            results.append(RewardResult(inner.score + penalty, inner.correct, inner.pred, inner.status, extras))
        return results

    def close(self) -> None:
        self.inner.close()


def overlong(
    inner: Reward | str,
    max_len: int,
    buffer_len: int,
    factor: float = 1.0,
    tokenizer: Any = None,
    **inner_kwargs: Any,
) -> OverlongReward:
    """Wrap ``inner`` (a Reward or a registry name built with ``inner_kwargs``) with the soft overlong punishment.

    DAPO's recipe: ``overlong("dapo", max_len=20480, buffer_len=4096)``; a wrong answer of 20480 tokens scores -2.
    """
    return OverlongReward(_as_reward(inner, **inner_kwargs), max_len, buffer_len, factor, tokenizer)


def from_spec(spec: str, **options: Any) -> WeightedReward:
    """A weighted sum from a spec string: ``"dapo+0.1*format"`` or ``"0.5*binary + 0.5*boxed"``.

    ``options`` (e.g. ``timeout``, ``workers``) go to every component that accepts them.
    """
    components = []
    for term in spec.split("+"):
        term = term.strip()
        if not term:
            raise ValueError(f"empty term in reward spec {spec!r}")
        weight_text, _, name = term.rpartition("*")
        try:
            weight = float(weight_text) if weight_text else 1.0
        except ValueError:
            raise ValueError(f"bad weight {weight_text!r} in reward spec {spec!r}") from None
        name = name.strip()
        label = name if all(name != existing for existing, _, _ in components) else f"{name}#{len(components)}"
        factory = resolve_name(name)
        components.append((label, make_reward(factory, name, **fit_options(factory, name, options)), weight))
    return WeightedReward(components)
