"""Preference pairs: the record, loading from files, splitting, and building pairs from verifier-scored rollouts."""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from mathreward.tables import MISSING, TableError, chat_text, get_field, read_rows

Texts = list[str]  # one text per item of a batch of pairs
Refs = Sequence[str | None] | None  # the references of a batch of pairs: one per item (None: none), or None


@dataclass(frozen=True)
class PreferencePair:
    """One comparison: ``chosen`` is better than ``rejected`` as an answer to ``prompt``."""

    prompt: str
    chosen: str
    rejected: str
    reference: str | None = None
    margin: float | None = None
    kind: str | None = None  # what is wrong with the rejected response: "wrong_answer", "no_answer", ...

    def to_dict(self) -> dict:
        """Row form (for jsonl / parquet); ``None`` fields are left out."""
        return {key: value for key, value in asdict(self).items() if value is not None}


def _optional_text_field(path: Path, number: int, row: dict, name: str, role: str = "assistant") -> str | None:
    """The row's text at dotted ``name`` (a chat list gives its last ``role`` message, see ``tables.chat_text``),
    None when absent."""
    value = get_field(row, name)
    if value is MISSING or value is None:
        return None
    if isinstance(value, list) and value and all(isinstance(m, dict) and "content" in m for m in value):
        value = chat_text(value, role=role)
    if not isinstance(value, str):
        raise TableError(path, f"must be a string, got {type(value).__name__}", row=number, field=name)
    return value


def _text_field(path: Path, number: int, row: dict, name: str, role: str = "assistant") -> str:
    """Like ``_optional_text_field``, but a missing field is an error naming file/row/field."""
    value = _optional_text_field(path, number, row, name, role)
    if value is None:
        raise TableError(path, "is missing", row=number, field=name)
    return value


def pairs_from_rows(rows: list[dict], path: str | Path = "<rows>") -> list[PreferencePair]:
    """Validate rows ``{prompt, chosen, rejected[, reference][, margin]}`` into pairs (errors name file/row/field)."""
    path = Path(path)
    pairs = []
    for number, row in enumerate(rows, start=1):
        prompt = _text_field(path, number, row, "prompt", "user")
        chosen = _text_field(path, number, row, "chosen")
        rejected = _text_field(path, number, row, "rejected")
        reference = _optional_text_field(path, number, row, "reference")
        margin = row.get("margin")
        if margin is not None and not isinstance(margin, (int, float)):
            raise TableError(f"{path}: row {number}: field 'margin' must be a number")
        kind = _optional_text_field(path, number, row, "kind")
        margin = None if margin is None else float(margin)
        pairs.append(PreferencePair(prompt, chosen, rejected, reference, margin, kind))
    return pairs


def load_pairs(path: str | Path) -> list[PreferencePair]:
    """Load pairs from a ``.jsonl`` / ``.json`` / ``.parquet`` file; raises :class:`TableError` on a bad row."""
    pairs = pairs_from_rows(read_rows(path), path)
    if not pairs:
        raise TableError(f"{path}: no pairs")
    return pairs


def split_pairs(
    pairs: list[PreferencePair], val_fraction: float, seed: int = 0
) -> tuple[list[PreferencePair], list[PreferencePair]]:
    """Deterministic (train, validation) split by a seeded shuffle; at least one validation pair when asked for."""
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError("val_fraction must be in [0, 1)")
    order = list(range(len(pairs)))
    random.Random(seed).shuffle(order)
    n_val = round(len(pairs) * val_fraction)
    if val_fraction > 0 and n_val == 0 and len(pairs) > 1:
        n_val = 1
    val = [pairs[i] for i in sorted(order[:n_val])]
    train = [pairs[i] for i in sorted(order[n_val:])]
    return train, val


def _stable_key(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


def split_by_prompt(
    pairs: list[PreferencePair], heldout_fraction: float, seed: int = 0
) -> tuple[list[PreferencePair], list[PreferencePair]]:
    """(train, held-out) with every prompt on one side only: prompts ordered by a seeded hash, the first
    ``heldout_fraction`` of them held out. Pairs keep their order; the split does not depend on row order."""
    if not 0.0 <= heldout_fraction < 1.0:
        raise ValueError("heldout_fraction must be in [0, 1)")
    prompts = sorted({p.prompt for p in pairs}, key=lambda prompt: _stable_key(str(seed), prompt))
    held = set(prompts[: round(len(prompts) * heldout_fraction)])
    return [p for p in pairs if p.prompt not in held], [p for p in pairs if p.prompt in held]


def rejection_kind(status: object, truncated: object) -> str:
    """Why a rejected response lost: ``no_answer`` (no final answer, or cut at the length limit) or
    ``wrong_answer``."""
    return "no_answer" if status == "no_answer" or truncated is True else "wrong_answer"


def pairs_from_scored(
    rows: list[dict],
    *,
    max_pairs_per_prompt: int | None = 8,
    prompt_field: str = "prompt",
    response_field: str = "response",
    correct_field: str = "correct",
    reference_field: str | None = None,
    status_field: str = "status",
    truncated_field: str = "truncated",
    path: str | Path = "<rows>",
) -> list[PreferencePair]:
    """Pairs (correct, wrong) from verifier-scored responses grouped by prompt.

    Each pair's ``kind`` says why the rejected response lost (:func:`rejection_kind` of its ``status`` and
    ``truncated`` fields, when the rows have them): a wrong final answer, or none at all (no answer line, truncated).

    Duplicate responses within a prompt are dropped (first kept); rows whose ``correct`` is null (e.g. a timeout)
    are skipped. All correct x wrong combinations are ordered by a hash of their texts, so the choice under the
    per-prompt cap is deterministic, independent of row order, and spreads over different responses. Prompts appear
    in the order of their first row.
    """
    path = Path(path)
    correct_by_prompt: dict[str, list[str]] = defaultdict(list)
    wrong_by_prompt: dict[str, list[str]] = defaultdict(list)
    kind_of: dict[tuple[str, str], str | None] = {}
    reference_by_prompt: dict[str, str | None] = {}
    seen: set[tuple[str, str]] = set()
    for number, row in enumerate(rows, start=1):
        prompt = _text_field(path, number, row, prompt_field, "user")
        response = _text_field(path, number, row, response_field)
        if correct_field not in row:
            raise TableError(f"{path}: row {number}: field '{correct_field}' is missing")
        correct = row[correct_field]
        if correct is not None and not isinstance(correct, bool):
            raise TableError(f"{path}: row {number}: field '{correct_field}' must be true/false/null")
        reference_by_prompt.setdefault(
            prompt, _optional_text_field(path, number, row, reference_field) if reference_field else None
        )
        if correct is None or (prompt, response) in seen:
            continue
        seen.add((prompt, response))
        (correct_by_prompt if correct else wrong_by_prompt)[prompt].append(response)
        if not correct and (status_field in row or truncated_field in row):
            kind_of[(prompt, response)] = rejection_kind(row.get(status_field), row.get(truncated_field))
    pairs = []
    for prompt in reference_by_prompt:
        combos = [(c, w) for c in correct_by_prompt.get(prompt, []) for w in wrong_by_prompt.get(prompt, [])]
        combos.sort(key=lambda cw: _stable_key(prompt, *cw))
        picked: list[tuple[str, str]] = []
        if max_pairs_per_prompt is None:
            picked = combos
        else:
            # Round-robin over correct responses first so the cap spreads over distinct chosen responses.
            used_chosen: set[str] = set()
            used_rejected: set[str] = set()
            for combo in combos:
                if len(picked) >= max_pairs_per_prompt:
                    break
                if combo[0] not in used_chosen and combo[1] not in used_rejected:
                    picked.append(combo)
                    used_chosen.add(combo[0])
                    used_rejected.add(combo[1])
            for combo in combos:
                if len(picked) >= max_pairs_per_prompt:
                    break
                if combo not in picked:
                    picked.append(combo)
        reference = reference_by_prompt[prompt]
        pairs.extend(PreferencePair(prompt, c, w, reference, kind=kind_of.get((prompt, w))) for c, w in picked)
    return pairs
