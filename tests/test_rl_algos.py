"""The RL formulas against the hand-worked numbers of docs/design/methods.md, masks and gradient signs."""

from __future__ import annotations

import pytest
import torch

from mathreward.rl import algos


def close(actual, expected, tol=1e-5):
    return torch.allclose(torch.as_tensor(actual, dtype=torch.float32), torch.tensor(expected), atol=tol)


# ------------------------------------------------------------------------------------------ GAE

REWARDS = torch.tensor([[0.0, 0.0, 1.0]])
VALUES = torch.tensor([[0.5, 0.6, 0.7]])
MASK = torch.ones(1, 3)


def test_gae_lambda_095_worked_example() -> None:
    adv, ret = algos.gae(REWARDS, VALUES, MASK, gamma=1.0, lam=0.95)
    assert close(adv, [[0.46575, 0.385, 0.3]])
    assert close(ret, [[0.96575, 0.985, 1.0]])


def test_gae_lambda_1_is_monte_carlo() -> None:
    adv, ret = algos.gae(REWARDS, VALUES, MASK, gamma=1.0, lam=1.0)
    assert close(adv, [[0.5, 0.4, 0.3]])
    assert close(ret, [[1.0, 1.0, 1.0]])
    assert close(algos.monte_carlo_returns(REWARDS, MASK), [[1.0, 1.0, 1.0]])


def test_gae_masked_padding_carries_nothing_and_rows_are_independent() -> None:
    # row 0: the worked example padded with two masked tokens; row 1: a one-token response.
    rewards = torch.tensor([[0.0, 0.0, 1.0, 5.0, 5.0], [2.0, 9.0, 9.0, 9.0, 9.0]])
    values = torch.tensor([[0.5, 0.6, 0.7, 3.0, 3.0], [0.5, 7.0, 7.0, 7.0, 7.0]])
    mask = torch.tensor([[1.0, 1, 1, 0, 0], [1.0, 0, 0, 0, 0]])
    adv, ret = algos.gae(rewards, values, mask, lam=0.95)
    assert close(adv[0], [0.46575, 0.385, 0.3, 0, 0])
    assert close(ret[0], [0.96575, 0.985, 1.0, 0, 0])
    assert close(adv[1], [1.5, 0, 0, 0, 0]) and close(ret[1], [2.0, 0, 0, 0, 0])


def test_gae_gamma_discounts() -> None:
    adv, _ = algos.gae(REWARDS, torch.zeros(1, 3), MASK, gamma=0.5, lam=1.0)
    assert close(adv, [[0.25, 0.5, 1.0]])


def test_gae_per_sequence_lambda_tensor() -> None:
    rewards = REWARDS.repeat(2, 1)
    values = VALUES.repeat(2, 1)
    adv, _ = algos.gae(rewards, values, torch.ones(2, 3), lam=torch.tensor([0.95, 1.0]))
    assert close(adv[0], [0.46575, 0.385, 0.3]) and close(adv[1], [0.5, 0.4, 0.3])


def test_extended_gae_bootstraps_truncated_responses() -> None:
    # A truncated response: no reward yet; V(s_T) = 0.9 continues the recursion instead of 0.
    rewards = torch.zeros(1, 3)
    plain, _ = algos.gae(rewards, VALUES, MASK, lam=1.0)
    boot, ret = algos.gae(rewards, VALUES, MASK, lam=1.0, bootstrap=torch.tensor([0.9]))
    assert close(plain, [[-0.5, -0.6, -0.7]])
    assert close(boot, [[0.4, 0.3, 0.2]])  # 0.9 - V_t
    assert close(ret, [[0.9, 0.9, 0.9]])
    # lambda 0.95: delta = [0.1, 0.1, 0.2]; A_2 = 0.2, A_1 = 0.1 + 0.95*0.2 = 0.29, A_0 = 0.1 + 0.95*0.29 = 0.3755
    boot95, _ = algos.gae(rewards, VALUES, MASK, lam=0.95, bootstrap=torch.tensor([0.9]))
    assert close(boot95, [[0.3755, 0.29, 0.2]])
    # bootstrap 0 (a finished response) equals ordinary GAE
    same, _ = algos.gae(REWARDS, VALUES, MASK, lam=0.95, bootstrap=torch.tensor([0.0]))
    assert close(same, [[0.46575, 0.385, 0.3]])


def test_extended_gae_bootstrap_with_padding_reads_after_last_real_token() -> None:
    rewards = torch.zeros(1, 4)
    values = torch.tensor([[0.5, 0.6, 0.7, 8.0]])
    mask = torch.tensor([[1.0, 1, 1, 0]])
    boot, _ = algos.gae(rewards, values, mask, lam=1.0, bootstrap=torch.tensor([0.9]))
    assert close(boot, [[0.4, 0.3, 0.2, 0.0]])


def test_decoupled_gae_uses_lambda_1_for_critic_targets() -> None:
    actor, critic_returns = algos.gae(REWARDS, VALUES, MASK, lam=0.95, lam_critic=1.0)
    assert close(actor, [[0.46575, 0.385, 0.3]])
    assert close(critic_returns, [[1.0, 1.0, 1.0]])


def test_decoupled_gae_matches_two_single_lambda_passes() -> None:
    rewards = torch.tensor([[0.0, 0.2, 1.0, 0.0], [0.5, 0.0, 0.0, 0.0]])
    values = torch.tensor([[0.5, 0.6, 0.7, 0.1], [0.3, 0.2, 0.9, 0.4]])
    mask = torch.tensor([[1.0, 1.0, 1.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    lam = torch.tensor([0.8, 0.95])
    boot = torch.tensor([0.0, 0.9])
    actor, critic = algos.gae(rewards, values, mask, gamma=0.9, lam=lam, lam_critic=1.0, bootstrap=boot)
    assert torch.equal(actor, algos.gae(rewards, values, mask, gamma=0.9, lam=lam, bootstrap=boot)[0])
    assert torch.equal(critic, algos.gae(rewards, values, mask, gamma=0.9, lam=1.0, bootstrap=boot)[1])


def test_length_adaptive_lambda() -> None:
    lam = algos.length_adaptive_lambda(torch.tensor([100, 1000, 10, 20, 0]), alpha=0.05)
    assert close(lam, [0.8, 0.98, 0.0, 0.0, 0.0])
    assert close(algos.length_adaptive_lambda([40]), [0.5])


# ------------------------------------------------------------------------------------------ GRPO


def test_grpo_advantage_worked_example() -> None:
    adv = algos.grpo_advantage(torch.tensor([1.0, 0.0, 0.0, 1.0]), [0, 0, 0, 0])
    assert close(adv, [0.86603, -0.86603, -0.86603, 0.86603], tol=1e-4)


def test_grpo_advantage_groups_singletons_and_no_std() -> None:
    scores = torch.tensor([1.0, 0.0, 0.0, 1.0, 3.0, 2.0, 2.0])
    groups = ["a", "a", "a", "a", "b", "c", "c"]
    adv = algos.grpo_advantage(scores, groups)
    assert close(adv[:4], [0.86603, -0.86603, -0.86603, 0.86603], tol=1e-4)
    assert adv[4] == 0.0  # a group of one
    assert close(adv[5:], [0.0, 0.0])  # equal rewards -> 0, no division blow-up
    drgrpo = algos.grpo_advantage(scores, torch.tensor([0, 0, 0, 0, 1, 2, 2]), norm_by_std=False)
    assert close(drgrpo, [0.5, -0.5, -0.5, 0.5, 0.0, 0.0, 0.0])


# ------------------------------------------------------------------------------------------ policy loss


@pytest.mark.parametrize(
    ("advantage", "ratio", "dual_clip", "expected"),
    [
        (1.0, 1.5, 3.0, -1.28),
        (1.0, 0.5, 3.0, -0.5),
        (-1.0, 0.5, 3.0, 0.8),
        (-1.0, 5.0, 3.0, 3.0),
        (-1.0, 5.0, None, 5.0),
    ],
)
def test_policy_loss_worked_examples(advantage, ratio, dual_clip, expected) -> None:
    old = torch.zeros(1, 1)
    logp = torch.log(torch.tensor([[ratio]]))
    loss, stats = algos.policy_loss(logp, old, torch.tensor([[advantage]]), torch.ones(1, 1), dual_clip=dual_clip)
    assert loss.item() == pytest.approx(expected, abs=1e-5)
    assert set(stats) >= {"clip_fraction", "dual_clip_fraction", "approx_kl"}


def test_policy_loss_clip_fraction_and_masking() -> None:
    logp = torch.log(torch.tensor([[1.5, 0.5, 0.5, 1.0]]))
    adv = torch.tensor([[1.0, 1.0, -1.0, 1.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0, 0.0]])
    loss, stats = algos.policy_loss(logp, torch.zeros(1, 4), adv, mask)
    # tokens: -1.28 (clipped), -0.5 (unclipped), 0.8 (clipped), masked
    assert loss.item() == pytest.approx((-1.28 - 0.5 + 0.8) / 3, abs=1e-5)
    assert stats["clip_fraction"] == pytest.approx(2 / 3)
    # a [batch] advantage broadcasts over tokens
    loss_b, _ = algos.policy_loss(logp[:, :2], torch.zeros(1, 2), torch.tensor([1.0]), torch.ones(1, 2))
    assert loss_b.item() == pytest.approx((-1.28 - 0.5) / 2, abs=1e-5)


def test_policy_loss_log_ratio_is_clamped() -> None:
    loss, _ = algos.policy_loss(torch.tensor([[500.0]]), torch.zeros(1, 1), torch.tensor([[-1.0]]), torch.ones(1, 1))
    assert torch.isfinite(loss) and loss.item() == pytest.approx(float(torch.exp(torch.tensor(20.0))), rel=1e-5)


def test_policy_loss_gradient_signs() -> None:
    # positive advantage inside the clip range: descending the loss raises logp; negative advantage lowers it.
    for advantage, sign in ((1.0, -1.0), (-1.0, 1.0)):
        logp = torch.zeros(1, 1, requires_grad=True)
        loss, _ = algos.policy_loss(logp, torch.zeros(1, 1), torch.tensor([[advantage]]), torch.ones(1, 1))
        loss.backward()
        assert torch.sign(logp.grad).item() == sign
    # clipped region (A > 0, ratio 1.5 > 1 + eps_high): no gradient
    logp = torch.log(torch.tensor([[1.5]])).requires_grad_(True)
    loss, _ = algos.policy_loss(logp, torch.zeros(1, 1), torch.tensor([[1.0]]), torch.ones(1, 1))
    loss.backward()
    assert logp.grad.item() == 0.0
    # dual-clipped region: constant loss, no gradient
    logp = torch.log(torch.tensor([[5.0]])).requires_grad_(True)
    loss, _ = algos.policy_loss(logp, torch.zeros(1, 1), torch.tensor([[-1.0]]), torch.ones(1, 1), dual_clip=3.0)
    loss.backward()
    assert logp.grad.item() == 0.0


# ------------------------------------------------------------------------------------------ aggregation


def test_aggregation_worked_example() -> None:
    values = torch.tensor([[1.0, 1.0, 1.0, 1.0], [4.0, 0.0, 0.0, 0.0]])
    mask = torch.tensor([[1.0, 1, 1, 1], [1.0, 0, 0, 0]])
    assert algos.aggregate(values, mask, "token-mean").item() == pytest.approx(1.6)
    assert algos.aggregate(values, mask, "seq-mean-token-mean").item() == pytest.approx(2.5)
    assert algos.aggregate(values, mask, "seq-mean-token-sum").item() == pytest.approx(4.0)
    assert algos.aggregate(values, mask, "seq-mean-token-sum-norm").item() == pytest.approx(8 / 4)
    assert algos.aggregate(values, mask, "seq-mean-token-sum-norm", constant=16).item() == pytest.approx(0.5)
    with pytest.raises(ValueError, match="unknown aggregation"):
        algos.aggregate(values, mask, "nope")


# ------------------------------------------------------------------------------------------ KL, value, entropy, NLL


def test_kl_penalties() -> None:
    logp = torch.tensor([[0.0, 1.0, -30.0]])
    ref = torch.tensor([[0.0, 0.0, 0.0]])
    assert close(algos.kl_penalty(logp, ref, "k1"), [[0.0, 1.0, -30.0]])
    assert close(algos.kl_penalty(logp, ref, "k2"), [[0.0, 0.5, 450.0]])
    k3 = algos.kl_penalty(logp, ref, "k3")
    assert close(k3[:, :2], [[0.0, float(torch.exp(torch.tensor(-1.0))) - 1 + 1]])
    assert k3[0, 2].item() == 10.0  # clamped
    assert torch.equal(algos.kl_penalty(logp, ref, "low_var_kl"), k3)
    with pytest.raises(ValueError):
        algos.kl_penalty(logp, ref, "k9")


def test_value_loss_clipping() -> None:
    values = torch.tensor([[1.0, 0.0]])
    old = torch.tensor([[0.0, 0.0]])
    returns = torch.tensor([[1.0, 2.0]])
    loss, stats = algos.value_loss(values, old, returns, torch.ones(1, 2), clip_eps=0.2)
    # token 0: unclipped 0, clipped (0.2 - 1)^2 = 0.64 -> 0.32; token 1: both 4 -> 2
    assert loss.item() == pytest.approx((0.32 + 2.0) / 2)
    assert stats["value_clip_fraction"] == pytest.approx(0.5)
    loss_nc, _ = algos.value_loss(values, old, returns, torch.ones(1, 2), clip_eps=None)
    assert loss_nc.item() == pytest.approx((0.0 + 2.0) / 2)


def test_positive_nll_loss_uses_only_correct_responses() -> None:
    logp = torch.tensor([[-1.0, -3.0], [-10.0, -10.0]], requires_grad=True)
    mask = torch.ones(2, 2)
    loss = algos.positive_nll_loss(logp, mask, torch.tensor([True, False]))
    assert loss.item() == pytest.approx(2.0)
    loss.backward()
    assert logp.grad[1].abs().sum() == 0 and (logp.grad[0] < 0).all()
    assert algos.positive_nll_loss(logp, mask, torch.tensor([False, False])).item() == 0.0


def test_outcome_rewards_sit_on_last_token_and_estimators_registered() -> None:
    rewards = algos.outcome_token_rewards(torch.tensor([1.0, -1.0]), torch.tensor([[1.0, 1, 1], [1.0, 0, 0]]))
    assert close(rewards, [[0, 0, 1.0], [-1.0, 0, 0]])
    assert {"gae", "grpo", "grpo-no-std", "vc-ppo", "vapo"} <= set(algos.ADVANTAGE_ESTIMATORS)
    assert {"k1", "k2", "k3", "low_var_kl"} <= set(algos.KL_PENALTIES)
    assert len(algos.AGGREGATIONS) == 4 and "ppo-clip" in algos.POLICY_LOSSES


def test_vapo_estimator_uses_length_adaptive_lambda() -> None:
    class Cfg:
        lambda_alpha = 0.05
        lam_critic = 1.0
        gamma = 1.0

    mask = torch.ones(1, 40)  # length 40 -> lambda 1 - 1/(0.05*40) = 0.5
    values = torch.linspace(0.1, 0.5, 40)[None]
    inputs = algos.AdvantageInputs(scores=torch.tensor([1.0]), mask=mask, group_ids=[0], values=values)
    adv, returns = algos.compute_advantages("vapo", inputs, Cfg())
    expected, _ = algos.gae(algos.outcome_token_rewards(torch.tensor([1.0]), mask), values, mask, lam=0.5)
    assert torch.allclose(adv, expected) and close(returns, torch.ones(1, 40).tolist())
