"""The registry: names, lazy entries, custom registration, and a light import."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mathreward.rewards import Reward, RewardResult, available_rewards, build_reward, register_lazy, register_reward


def test_builtin_names() -> None:
    assert {"dapo", "dapo-verl", "boxed", "binary", "format", "pairwise", "weighted", "overlong"} <= set(
        available_rewards()
    )
    assert build_reward("DAPO_VERL").name == "dapo-verl"  # case and '_' insensitive


def test_unknown_name_lists_the_available_ones() -> None:
    with pytest.raises(KeyError, match="available: .*dapo"):
        build_reward("nope")


def test_register_custom_reward_and_lazy_entry() -> None:
    @register_reward("test-length")
    class LengthReward(Reward):
        name = "test-length"

        def score(self, prompts, responses, golds, **fields):
            return [RewardResult(float(len(r)), None, None, "scored", {}) for r in responses]

    assert build_reward("test-length").score(None, ["ab", "abc"], [None, None])[1].score == 3.0
    register_lazy("test-lazy-format", "mathreward.rewards.rule_rewards:FormatReward")
    assert build_reward("test-lazy-format", bonus=0.5).score_one(None, "Answer: 1", None).score == 0.5
    with pytest.raises(ValueError):
        register_lazy("bad", "no_colon")


def test_factory_must_return_a_reward() -> None:
    register_reward("test-not-a-reward")(lambda: object())
    with pytest.raises(TypeError, match="not a rewards.Reward"):
        build_reward("test-not-a-reward")


def test_batch_length_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError, match="golds has 1 rows but responses has 2"):
        build_reward("format").score(None, ["a", "b"], ["1"])


def test_import_is_light() -> None:
    code = (
        "import sys\n"
        "import mathreward.rewards, mathreward.rewards.compose, mathreward.rewards.verl, mathreward.rewards.trl\n"
        "import mathreward.rewards.dapo_verl, mathreward.rewards.rule_rewards\n"
        "import mathreward.rewards.openrlhf, mathreward.scoring.commands\n"
        "heavy = [m for m in ('torch', 'transformers', 'fastapi', 'sympy', 'trl') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_build_from_options_passes_only_accepted_keywords() -> None:
    from mathreward.rewards import build_reward_from_options

    assert build_reward_from_options("dapo-verl", timeout=3.0, workers=2, budget=None).name == "dapo-verl"
    assert build_reward_from_options("format", bonus=0.5, timeout=3.0).bonus == 0.5
    dapo = build_reward_from_options("dapo", timeout=3.0, workers=1, budget=None)
    assert (dapo.timeout, dapo.workers, dapo.budget) == (3.0, 1, None)


def test_fit_options_is_the_one_check_of_reward_options() -> None:
    from mathreward.rewards.catalog import fit_options, taken_options
    from mathreward.rewards.rule_rewards import FormatReward

    assert taken_options(FormatReward) == ("bonus", "style", "penalty")
    assert taken_options(lambda **options: None) is None
    # loose options (a command line's --timeout) go where the factory takes them; None values are dropped
    assert fit_options(
        FormatReward, "format", {"bonus": 0.5, "timeout": 3.0, "style": None}, optional=("timeout",)
    ) == {"bonus": 0.5}
    with pytest.raises(TypeError) as caught:
        fit_options(FormatReward, "format", {"bonuss": 1, "timeout": 3.0}, optional=("timeout",), origin=" (from X)")
    assert str(caught.value) == "reward 'format' takes no option 'bonuss' (from X); its options: bonus, style, penalty"

    def needs_model(model_path: str, timeout: float = 5.0) -> Reward:
        raise AssertionError("never built by the check")

    with pytest.raises(TypeError, match="reward 'pairwise-like': missing a required argument: 'model_path'"):
        fit_options(needs_model, "pairwise-like", {"timeout": 1.0})
    assert fit_options(lambda **options: None, "any", {"a": 1, "b": None}) == {"a": 1}


def test_import_path_names() -> None:
    reward = build_reward("mathreward.rewards.rule_rewards:FormatReward", bonus=0.2)
    assert reward.score_one(None, "Answer: 3", None).score == 0.2
    with pytest.raises(KeyError, match="cannot import reward factory"):
        build_reward("mathreward.rewards.nothing_here:Nope")
