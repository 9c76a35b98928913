"""Expressions equal as functions: a numeric identity check at many random points, in high precision.

``\\frac{1}{2} \\cot t \\ln(\\cos t) e^{-\\sec^2 t}`` and ``\\dfrac{\\cos t \\ln(\\cos t)}{2 e^{\\sec^2 t} \\sin t}``
are the same function, but ``simplify`` does not always show it. ``same_function(gold, pred)`` evaluates both sympy
expressions at ``POINTS_NEEDED`` random rational points with ``PRECISION`` significant digits (sympy's adaptive
``evalf``, complex values allowed, so ``\\ln(x^2)`` and ``2\\ln x`` differ at negative points) and says they are
equal only when every point where both are defined agrees to ``PRECISION - GUARD_DIGITS`` digits, and at least
``POINTS_NEEDED`` such points were found. It never decides on one point, never compares expressions whose free
symbols differ (``f(x)`` against ``f(y)``) or that have none (numbers are the exact path's job) or that hold step
functions (floor, ceiling, sign, piecewise: a near miss differs on too few points), and a relative
difference of 1e-6 (or 1e-40) is a difference. The points come from a seeded generator: the same pair always gets
the same verdict. Runs only inside a guarded worker process (sympy), under its deadline.
"""

from __future__ import annotations

import random
from typing import Any

__all__ = ["same_function", "POINTS_NEEDED", "PRECISION"]

POINTS_NEEDED = 12
MAX_ATTEMPTS = 40
PRECISION = 80  # significant digits of each evaluation
GUARD_DIGITS = 15  # digits allowed to differ (rounding in the last places)
MAX_SYMBOLS = 4
MAX_OPS = 400
SEED = 20240518
_BITS = int(PRECISION * 3.33) + 16


def _is_plain_expression(expr) -> bool:
    """A sympy expression of numbers, symbols and elementary functions (no sets, relations, unknown functions,
    integrals or sums, whose evaluation is not a plain number)."""
    import sympy
    from sympy.core.function import AppliedUndef

    if not isinstance(expr, sympy.Expr) or isinstance(expr, sympy.MatrixBase):
        return False
    if expr.atoms(AppliedUndef):
        return False
    unsupported = (sympy.Integral, sympy.Derivative, sympy.Sum, sympy.Product, sympy.Limit, sympy.Order)
    # step functions: a near miss (floor(x) against floor(x + 10^-4)) differs on too few points to be seen
    steps = (sympy.floor, sympy.ceiling, sympy.frac, sympy.sign, sympy.Mod, sympy.Piecewise, sympy.Heaviside)
    return not expr.has(*unsupported, *steps) and sympy.count_ops(expr) <= MAX_OPS


def _evaluate(expr, point: dict):
    """The value of ``expr`` at ``point`` as an mpmath complex, None where it is undefined or not a number."""
    import mpmath
    import sympy

    try:
        value = expr.xreplace(point).evalf(PRECISION)
        if not value.is_number or value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            return None
        with mpmath.workprec(_BITS):  # mpmath numbers keep the precision they were made with
            result = mpmath.mpc(value._to_mpmath(_BITS))
            if not mpmath.isfinite(result.real) or not mpmath.isfinite(result.imag):
                return None
            return result
    except (TypeError, ValueError, ArithmeticError, AttributeError, NotImplementedError):
        return None


def _agree(a, b) -> bool:
    import mpmath

    with mpmath.workprec(_BITS):
        scale = max(abs(a), abs(b))
        tolerance = mpmath.mpf(10) ** (GUARD_DIGITS - PRECISION)
        return abs(a - b) <= tolerance * max(scale, mpmath.mpf(10) ** -(PRECISION // 2))


def same_function(gold: Any, pred: Any) -> bool:
    """True when the sympy expressions ``gold`` and ``pred`` agree at many random points (see the module doc)."""
    import sympy

    if not _is_plain_expression(gold) or not _is_plain_expression(pred):
        return False
    symbols = sorted(gold.free_symbols, key=lambda s: s.name)
    if not symbols or len(symbols) > MAX_SYMBOLS or set(symbols) != pred.free_symbols:
        return False
    rng = random.Random(SEED)
    agreeing = 0
    for _attempt in range(MAX_ATTEMPTS):
        point = {}
        for symbol in symbols:
            numerator = rng.randint(50, 2900) * rng.choice((-1, 1))
            point[symbol] = sympy.Rational(numerator, rng.choice((997, 1009, 1013)))
        gold_value = _evaluate(gold, point)
        if gold_value is None:
            continue
        pred_value = _evaluate(pred, point)
        if pred_value is None:
            continue
        if not _agree(gold_value, pred_value):
            return False
        agreeing += 1
        if agreeing >= POINTS_NEEDED:
            return True
    return False
