"""Temperature calibration: one scalar T minimising the validation NLL, found by golden-section search on log T."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

EPS = 1e-12
MIN_TEMPERATURE, MAX_TEMPERATURE = 0.05, 20.0  # the search interval of fit_temperature
NEARLY_ALWAYS_RIGHT = 0.95  # validation accuracy from which a temperature at the lower bound is no warning


def nll(p_chosen: np.ndarray) -> float:
    """Mean negative log-likelihood of the preferred response, -mean(log p(chosen better))."""
    p = np.clip(np.asarray(p_chosen, dtype=np.float64), EPS, 1.0)
    return float(-np.log(p).mean()) + 0.0 if p.size else float("nan")


def golden_section_min(f: Callable[[float], float], low: float, high: float, iterations: int = 60) -> float:
    """Argmin of a unimodal ``f`` on [low, high] by golden-section search."""
    ratio = (math.sqrt(5) - 1) / 2
    a, b = low, high
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(iterations):
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = f(d)
    return (a + b) / 2


def fit_temperature(
    probability_at: Callable[[float], np.ndarray],
    *,
    min_temperature: float = MIN_TEMPERATURE,
    max_temperature: float = MAX_TEMPERATURE,
) -> dict:
    """Fit T minimising ``nll(probability_at(T))``; returns ``{temperature, nll_before, nll_after}``.

    ``probability_at(T)`` gives P(chosen better) on the validation pairs at temperature T. NLL in T is unimodal for
    logit scaling of a single sigmoid; for the order-averaged pairwise probability it is in practice, and the search
    never returns a T worse than T = 1 (it falls back to 1 then).
    """
    before = nll(probability_at(1.0))
    log_t = golden_section_min(
        lambda x: nll(probability_at(math.exp(x))), math.log(min_temperature), math.log(max_temperature)
    )
    temperature = math.exp(log_t)
    after = nll(probability_at(temperature))
    if not after <= before:
        temperature, after = 1.0, before
    return {"temperature": temperature, "nll_before": before, "nll_after": after}


def judge_warning(temperature: float, accuracy: float | None, pairs: int) -> str | None:
    """One line saying that a trained judge learned nothing useful, else None: its accuracy on the ``pairs``
    validation pairs is within two standard errors of chance (0.5), or its calibration temperature ended at a bound of
    the search: at the upper one its verdicts carry no signal; at the lower one its raw probabilities are nearly flat
    (not a problem for a judge right on nearly every pair, which any sharpening helps)."""
    problems = []
    chance_band = 2 * math.sqrt(0.25 / pairs) if pairs else 0.0
    if accuracy is not None and pairs and chance_band >= 0.5:  # even a judge right on every pair is within it
        return (
            f"{pairs} validation pairs are too few to tell the reward model from chance "
            "(use more pairs or a larger --val-split)"
        )
    if accuracy is not None and pairs and accuracy - 0.5 <= chance_band:
        problems.append(f"validation accuracy {accuracy:.3f} on {pairs} pairs is at chance")
    if temperature >= MAX_TEMPERATURE * 0.99:
        problems.append(f"the calibration temperature ended at its {MAX_TEMPERATURE:g} cap")
    advice = " (try more --epochs or another --lr)"
    if problems:
        return "the reward model learned nothing useful: " + "; ".join(problems) + advice
    if temperature <= MIN_TEMPERATURE * 1.01 and (accuracy is None or accuracy < NEARLY_ALWAYS_RIGHT):
        right = "" if accuracy is None else f", validation accuracy {accuracy:.3f}"
        return (
            f"the reward model is barely trained: its calibration temperature ended at its {MIN_TEMPERATURE:g} floor "
            f"(nearly flat probabilities{right})" + advice
        )
    return None
