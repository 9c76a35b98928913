"""DAPO dynamic sampling: mixed-accuracy groups only, exact batch fill, clear error after max draws."""

from __future__ import annotations

import itertools

import pytest

from mathreward.rl.dynamic_sampling import DynamicSamplingError, dynamic_sample, has_mixed_accuracy


def make_draw(patterns):
    """Each draw returns 3 groups; a group is (label, accuracies) with accuracies cycling through ``patterns``."""
    cycle = itertools.cycle(patterns)
    counter = itertools.count()

    def draw():
        return [(next(counter), next(cycle)) for _ in range(3)]

    return draw


def test_has_mixed_accuracy() -> None:
    assert has_mixed_accuracy([True, False, False])
    assert has_mixed_accuracy([1.0, 0.0])
    assert not has_mixed_accuracy([True, True, True])
    assert not has_mixed_accuracy([False, None, False])
    assert not has_mixed_accuracy([True])  # a group of one has no spread


def test_fills_exactly_and_keeps_only_mixed_groups() -> None:
    draw = make_draw([[1, 0, 1, 0], [1, 1, 1, 1], [0, 0, 0, 0], [0, 1, 1, 1]])
    result = dynamic_sample(draw, 4, accuracies_of=lambda g: g[1], max_num_gen_batches=10)
    assert len(result.groups) == 4
    assert all(has_mixed_accuracy(acc) for _, acc in result.groups)
    # groups 0..8 over three draws of 3; mixed are 0, 3, 4, 7, 8 -> 5 kept, truncated to exactly 4
    assert result.num_draws == 3 and result.num_generated == 9 and result.num_kept == 5
    assert [label for label, _ in result.groups] == [0, 3, 4, 7]
    assert result.keep_rate == pytest.approx(5 / 9)
    assert len(result.dropped) == 4


def test_filters_on_raw_accuracy_not_shaped_reward() -> None:
    # groups carry shaped rewards that differ, but their raw accuracies are all equal: all dropped
    groups = [{"scores": [-1.0, -1.3, -2.0], "correct": [False, False, False]}]
    with pytest.raises(DynamicSamplingError):
        dynamic_sample(lambda: groups, 1, accuracies_of=lambda g: g["correct"], max_num_gen_batches=2)


def test_errors_after_max_draws_with_clear_message() -> None:
    calls = []

    def draw():
        calls.append(1)
        return [("easy", [1, 1, 1, 1])] * 3

    with pytest.raises(DynamicSamplingError, match=r"after 3 generation batches only 0 of 2 .* too hard or too easy"):
        dynamic_sample(draw, 2, accuracies_of=lambda g: g[1], max_num_gen_batches=3)
    assert len(calls) == 3


def test_zero_means_unlimited() -> None:
    # one mixed group only every 25th group (about every 8 draws): needs far more than 10 draws
    patterns = [[1, 1]] * 24 + [[1, 0]]
    result = dynamic_sample(make_draw(patterns), 4, accuracies_of=lambda g: g[1], max_num_gen_batches=0)
    assert len(result.groups) == 4 and result.num_draws > 10


def test_train_at_the_limit_returns_the_mixed_groups_found() -> None:
    # one mixed group in every 4 draws of 3: after 6 draws 1 group found (of 4 wanted), a short batch
    patterns = [[1, 1]] * 11 + [[1, 0]]
    result = dynamic_sample(
        make_draw(patterns), 4, accuracies_of=lambda g: g[1], max_num_gen_batches=6, on_limit="train"
    )
    assert [label for label, _ in result.groups] == [11]
    assert result.num_draws == 6 and result.num_generated == 18 and result.num_kept == 1


def test_train_at_the_limit_still_errors_without_a_mixed_group() -> None:
    with pytest.raises(DynamicSamplingError, match="after 2 generation batches only 0 of 4"):
        dynamic_sample(make_draw([[1, 1]]), 4, accuracies_of=lambda g: g[1], max_num_gen_batches=2, on_limit="train")
    with pytest.raises(ValueError, match="on_limit must be one of"):
        dynamic_sample(make_draw([[1, 0]]), 1, accuracies_of=lambda g: g[1], on_limit="continue")
