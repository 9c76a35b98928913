"""What `mathreward score` reads and builds: option checks, default fields, and the ``ScoreSpec`` of a file.

Shared by the single-machine path (``scoring.score_files``) and the Ray path (``scoring.ray_score``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from mathreward.errors import UserError

DEFAULT_GOLD_FIELDS = ("reward_model.ground_truth", "gold", "answer", "ground_truth")
DEFAULT_LENGTH_FIELDS = ("response_length", "response_lengths", "num_tokens")
STYLE_CHOICES = ("auto", "strict", "dapo", "boxed")
DEFAULT_REWARD = "routed"
HEAD_ROWS = 64  # rows read by the parent to resolve a file's fields


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


@dataclass(frozen=True)
class ScoreOptions:
    """Every option of a scoring run, parsed once: ``mathreward score`` builds it from its flags
    (``from_namespace``), ``score_file`` and ``score_with_ray`` take it (or its fields as keywords), and each input
    file's ``ScoreSpec`` is resolved from it (``spec_for``)."""

    response_field: str = "response"
    gold_field: str | None = None  # None: the first of DEFAULT_GOLD_FIELDS present
    prompt_field: str | None = None  # None: "prompt" when present
    data_source_field: str | None = "data_source"
    extra_fields: dict[str, str | None] | None = None  # reward keyword -> field, e.g. {"references": "ref"}
    reward: str = DEFAULT_REWARD
    style: str | None = None
    max_len: int | None = None
    buffer_len: int | None = None
    overlong_factor: float = 1.0
    length_field: str | None = None
    tokenizer: str | None = None
    workers: int | None = None  # scoring processes (None: the CPU count)
    timeout: float = 5.0
    chunk_size: int = 1024
    progress: bool = True
    reward_options: dict[str, Any] | None = None

    @classmethod
    def from_namespace(cls, args: Any) -> ScoreOptions:
        """The options of ``mathreward score``'s parsed flags (each flag's dest is a field's name)."""
        given = {item.name: getattr(args, item.name) for item in fields(cls) if hasattr(args, item.name)}
        given["extra_fields"] = {"references": args.reference_field, "group_ids": args.group_field}
        given["progress"] = not args.no_progress
        given["reward_options"] = parse_reward_options(args.reward_option)
        return cls(**given)

    def base_options(self, workers: int | None) -> dict[str, Any]:
        """The reward's keywords, checked against each other and the reward's factory."""
        return check_reward_options(
            self.reward, self.style, workers, self.timeout, self.max_len, self.buffer_len, self.reward_options
        )

    def spec_for(self, path: Any, base_options: dict[str, Any], in_pool: bool) -> ScoreSpec:
        """The ``ScoreSpec`` of one input file, its default fields picked from the file's first rows."""
        from mathreward.tables import Batch, read_batches

        skip = [self.response_field] if self.response_field not in (self.gold_field, self.length_field) else []
        head = next(iter(read_batches(path, HEAD_ROWS, skip_columns=skip)), None)  # the fields, not the texts
        return resolve_spec(head or Batch(path, 0, records=[]), self, base_options, in_pool)


def resolve_spec(batch: Any, options: ScoreOptions, base_options: dict[str, Any], in_pool: bool) -> ScoreSpec:
    """The ``ScoreSpec`` for a file, its default fields picked from the file's first batch."""
    from mathreward.tables import TableError

    if options.chunk_size < 1:
        raise ScoreError(f"--chunk-size must be at least 1, got {options.chunk_size}")
    gold_field, length_field = options.gold_field, options.length_field
    if gold_field is None:
        gold_field = next((name for name in DEFAULT_GOLD_FIELDS if batch.has_field(name)), None)
        if gold_field is None and options.reward.strip().lower() != "format":
            raise TableError(
                batch.path, f"no gold field: none of {', '.join(DEFAULT_GOLD_FIELDS)} found (use --gold-field)"
            )
    prompt_field = options.prompt_field
    if prompt_field is None:
        prompt_field = "prompt" if batch.has_field("prompt") else None
    data_source_field = options.data_source_field
    if data_source_field and not batch.has_field(data_source_field):
        data_source_field = None
    if options.max_len is not None:
        if length_field is None and options.tokenizer is None:
            length_field = next((name for name in DEFAULT_LENGTH_FIELDS if batch.has_field(name)), None)
            if length_field is None:
                raise ScoreError(
                    "--max-len needs token counts: give --length-field FIELD or --tokenizer PATH "
                    f"(none of {', '.join(DEFAULT_LENGTH_FIELDS)} found)"
                )
    reward_keywords = dict(base_options)
    if in_pool and "workers" in reward_keywords:
        reward_keywords["workers"] = 1  # one symbolic verifier per scoring process: the processes are the parallelism
    return ScoreSpec(
        reward=options.reward,
        options=tuple(sorted(reward_keywords.items())),
        response_field=options.response_field,
        gold_field=gold_field,
        prompt_field=prompt_field,
        data_source_field=data_source_field,
        length_field=length_field if options.max_len is not None else None,
        extra_fields=tuple((name, path) for name, path in (options.extra_fields or {}).items() if path),
        max_len=options.max_len,
        buffer_len=options.buffer_len,
        overlong_factor=options.overlong_factor,
        tokenizer=options.tokenizer,
        chunk_size=options.chunk_size,
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
