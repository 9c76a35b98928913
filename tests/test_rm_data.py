"""Preference pairs: file round trips, one-line errors, and pairs built from verifier-scored rollouts."""

from __future__ import annotations

import json
import random

import pytest

from mathreward.reward_models.data import PreferencePair, load_pairs, pairs_from_scored
from mathreward.tables import TableError, write_rows

PAIRS = [
    PreferencePair("What is 2+2?", "Answer: 4", "Answer: 5", reference="4", margin=1.0),
    PreferencePair("What is 3+3?", "Answer: 6", "Answer: 7"),
]


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet", ".json"])
def test_pairs_round_trip_through_files(tmp_path, suffix) -> None:
    path = tmp_path / f"pairs{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps([p.to_dict() for p in PAIRS]))
    else:
        write_rows(path, [p.to_dict() for p in PAIRS])
    assert load_pairs(path) == PAIRS
    assert not list(tmp_path.glob("*.tmp-*"))


def test_chat_form_fields_are_read_as_their_last_message_of_the_role(tmp_path) -> None:
    path = tmp_path / "pairs.jsonl"
    row = {"prompt": [{"role": "user", "content": "What is 1+1?"}], "chosen": "2", "rejected": "3"}
    asked = [{"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": "Let me see."}]
    reply = [{"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": "4"}]
    path.write_text(json.dumps(row) + "\n" + json.dumps({"prompt": asked, "chosen": reply, "rejected": "5"}) + "\n")
    first, second = load_pairs(path)
    assert first.prompt == "What is 1+1?"
    assert (second.prompt, second.chosen, second.rejected) == ("What is 2+2?", "4", "5")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"prompt": "q", "chosen": "a"}', "row 2: field 'rejected' is missing"),
        ('{"prompt": "q", "chosen": 3, "rejected": "b"}', "row 2: field 'chosen' must be a string, got int"),
        ('{"prompt": "q", "chosen": "a", "rejected": "b", "margin": "big"}', "row 2: field 'margin' must be a number"),
        ("{not json", "row 2: invalid JSON"),
    ],
)
def test_bad_rows_name_file_row_and_field(tmp_path, line, message) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"prompt": "q", "chosen": "a", "rejected": "b"}\n' + line + "\n")
    with pytest.raises(TableError) as error:
        load_pairs(path)
    assert str(error.value) == f"{path}: {message}" or str(error.value).startswith(f"{path}: {message}")
    assert "\n" not in str(error.value)


def _scored_rows() -> list[dict]:
    rows = []
    for response, correct in [("c1", True), ("w1", False), ("c2", True), ("w2", False), ("w3", False), ("c1", True)]:
        rows.append({"prompt": "P1", "response": response, "correct": correct})
    rows += [
        {"prompt": "P2", "response": "only right", "correct": True},
        {"prompt": "P2", "response": "timed out", "correct": None},
        {"prompt": "P3", "response": "x", "correct": False},
        {"prompt": "P3", "response": "y", "correct": True},
    ]
    return rows


def test_pairs_from_scored_rollouts_by_hand() -> None:
    pairs = pairs_from_scored(_scored_rows(), max_pairs_per_prompt=None)
    # P1: 2 distinct correct (c1 duplicated) x 3 wrong = 6 pairs; P2 has no wrong response; P3: 1 x 1
    assert len(pairs) == 7
    p1 = {(p.chosen, p.rejected) for p in pairs if p.prompt == "P1"}
    assert p1 == {(c, w) for c in ("c1", "c2") for w in ("w1", "w2", "w3")}
    assert [(p.chosen, p.rejected) for p in pairs if p.prompt == "P3"] == [("y", "x")]
    assert [p.prompt for p in pairs] == ["P1"] * 6 + ["P3"]


def test_pairs_cap_spreads_over_responses_and_is_order_independent() -> None:
    rows = _scored_rows()
    capped = pairs_from_scored(rows, max_pairs_per_prompt=2)
    p1 = [p for p in capped if p.prompt == "P1"]
    assert len(p1) == 2
    assert {p.chosen for p in p1} == {"c1", "c2"} and len({p.rejected for p in p1}) == 2
    shuffled = rows[:]
    random.Random(7).shuffle(shuffled)
    again = pairs_from_scored(shuffled, max_pairs_per_prompt=2)
    assert sorted(map(repr, again)) == sorted(map(repr, capped))


def test_scored_rows_with_bad_correct_field_are_refused() -> None:
    with pytest.raises(TableError, match="row 1: field 'correct' must be true/false/null"):
        pairs_from_scored([{"prompt": "p", "response": "r", "correct": "yes"}], path="s.jsonl")
    with pytest.raises(TableError, match="row 1: field 'correct' is missing"):
        pairs_from_scored([{"prompt": "p", "response": "r"}], path="s.jsonl")


def test_nested_reference_field_is_read_with_a_dotted_name() -> None:
    rows = [
        {"prompt": "P", "response": "good", "correct": True, "reward_model": {"ground_truth": "7"}},
        {"prompt": "P", "response": "bad", "correct": False, "reward_model": {"ground_truth": "7"}},
    ]
    pairs = pairs_from_scored(rows, reference_field="reward_model.ground_truth")
    assert pairs == [PreferencePair("P", "good", "bad", reference="7")]
