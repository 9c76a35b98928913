"""What `mathreward score` reads and builds: option checks, default fields, and the ``ScoreSpec`` of a file.

Shared by the single-machine path (``scoring.score_files``) and the Ray path (``scoring.ray_score``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mathreward.errors import UserError

DEFAULT_GOLD_FIELDS = ("reward_model.ground_truth", "gold", "answer", "ground_truth")
DEFAULT_LENGTH_FIELDS = ("response_length", "response_lengths", "num_tokens")
STYLE_CHOICES = ("auto", "strict", "dapo", "boxed")
DEFAULT_REWARD = "routed"


def result_types() -> dict[str, Any]:
    """Arrow types of the result columns (``rewards.base.RESULT_FIELDS``; one schema for every batch)."""
    import pyarrow as pa

    return {"score": pa.float64(), "correct": pa.bool_(), "pred": pa.string(), "status": pa.string()}


@dataclass(frozen=True)
class ScoreSpec:
    """Everything a worker needs to score a batch (picklable; fields are dotted paths)."""

    reward: str = "routed"
    options: tuple[tuple[str, Any], ...] = ()
    response_field: str = "response"
    gold_field: str | None = None
    prompt_field: str | None = None
    data_source_field: str | None = None
    length_field: str | None = None
    extra_fields: tuple[tuple[str, str], ...] = ()
    max_len: int | None = None
    buffer_len: int | None = None
    overlong_factor: float = 1.0
    tokenizer: str | None = None
    chunk_size: int = 1024

    def fields(self) -> list[str]:
        """Every input field the spec reads."""
        names = [self.response_field, self.gold_field, self.prompt_field, self.data_source_field, self.length_field]
        names += [name for _key, name in self.extra_fields]
        return [name for name in names if name]


class ScoreError(UserError):
    """A bad option combination or reward name (one line for the user)."""


def parse_reward_options(items: list[str]) -> dict[str, Any]:
    """``["k=v", ...]`` -> ``{"k": v}`` with JSON values when they parse (``bonus=0.2`` -> 0.2), else strings."""
    import json

    options: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ScoreError(f"--reward-option must look like KEY=VALUE, got {item!r}")
        try:
            options[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            options[key.strip()] = value
    return options


def resolve_spec(
    batch: Any,
    base_options: dict[str, Any],
    in_pool: bool,
    *,
    response_field: str,
    gold_field: str | None,
    prompt_field: str | None,
    data_source_field: str | None,
    extra_fields: dict[str, str | None] | None,
    reward: str,
    style: str | None,
    max_len: int | None,
    buffer_len: int | None,
    overlong_factor: float,
    length_field: str | None,
    tokenizer: str | None,
    timeout: float,
    chunk_size: int,
    reward_options: dict[str, Any] | None,
) -> ScoreSpec:
    """The ``ScoreSpec`` for a file, its default fields picked from the file's first batch."""
    from mathreward.tables import TableError

    if chunk_size < 1:
        raise ScoreError(f"--chunk-size must be at least 1, got {chunk_size}")
    if gold_field is None:
        gold_field = next((name for name in DEFAULT_GOLD_FIELDS if batch.has_field(name)), None)
        if gold_field is None and reward.strip().lower() != "format":
            raise TableError(
                batch.path, f"no gold field: none of {', '.join(DEFAULT_GOLD_FIELDS)} found (use --gold-field)"
            )
    if prompt_field is None:
        prompt_field = "prompt" if batch.has_field("prompt") else None
    if data_source_field and not batch.has_field(data_source_field):
        data_source_field = None
    if max_len is not None:
        if length_field is None and tokenizer is None:
            length_field = next((name for name in DEFAULT_LENGTH_FIELDS if batch.has_field(name)), None)
            if length_field is None:
                raise ScoreError(
                    "--max-len needs token counts: give --length-field FIELD or --tokenizer PATH "
                    f"(none of {', '.join(DEFAULT_LENGTH_FIELDS)} found)"
                )
    options = dict(base_options)
    if in_pool and "workers" in options:
        options["workers"] = 1  # one symbolic verifier per scoring process: the processes are the parallelism
    return ScoreSpec(
        reward=reward,
        options=tuple(sorted(options.items())),
        response_field=response_field,
        gold_field=gold_field,
        prompt_field=prompt_field,
        data_source_field=data_source_field,
        length_field=length_field if max_len is not None else None,
        extra_fields=tuple((name, path) for name, path in (extra_fields or {}).items() if path),
        max_len=max_len,
        buffer_len=buffer_len,
        overlong_factor=overlong_factor,
        tokenizer=tokenizer,
        chunk_size=chunk_size,
    )


def check_reward_options(
    reward: str,
    style: str | None,
    workers: int | None,
    timeout: float,
    max_len: int | None,
    buffer_len: int | None,
    reward_options: dict[str, Any] | None,
) -> dict[str, Any]:
    """Check the options against each other and the reward's factory (``rewards.catalog.fit_options``); the
    keywords to build the reward with. ``--timeout`` and ``--workers`` go to rewards that take them."""
    from mathreward.rewards.catalog import fit_options, taken_options
    from mathreward.rewards.registry import available_rewards, resolve_factory

    if timeout <= 0:
        raise ScoreError(f"--timeout must be positive, got {timeout}")
    if workers is not None and workers < 1:
        raise ScoreError(f"--workers must be at least 1, got {workers}")
    if max_len is not None and (buffer_len is None or not 0 < buffer_len <= max_len):
        raise ScoreError("--max-len needs --buffer-len with 0 < buffer-len <= max-len")
    try:
        factory = resolve_factory(reward)
    except KeyError:
        raise ScoreError(f"unknown reward {reward!r}; available: {', '.join(available_rewards())}") from None
    except ImportError as exc:
        raise ScoreError(f"reward {reward!r} cannot be loaded ({exc})") from None
    taken = taken_options(factory)
    if style is not None and taken is not None and "style" not in taken:
        raise ScoreError(f"reward {reward!r} has no extraction style; drop --style")
    options = {**(reward_options or {}), "style": style, "timeout": timeout, "workers": workers}
    try:
        fitted = fit_options(
            factory, reward, options, optional=("timeout", "workers"), origin=" (from --reward-option)"
        )
    except TypeError as exc:
        raise ScoreError(str(exc)) from None
    if reward_options and taken is None:
        _check_by_building(reward, fitted)
    return fitted


def _check_by_building(reward: str, options: dict[str, Any]) -> None:
    """A reward whose factory takes any keyword (routed, weighted specs) checks its options when it is built: build it
    once here, before any work, so a wrong option is one line and not a worker's traceback."""
    from mathreward.rewards.registry import build_reward

    try:
        built = build_reward(reward, **options)
    except (TypeError, ValueError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ScoreError(f"reward {reward!r} does not take these options ({message})") from None
    built.close()
