"""The symbolic path: sympy-backed comparison, run only inside a guarded worker process (see ``guard``).

Parsing goes through math-verify's LaTeX extraction (``LatexExtractionConfig`` only, so math-verify never reaches
sympy's ``parse_expr``) and latex2sympy2_extended; comparison through ``math_verify.verify``. Timeouts are disabled
here (``parsing_timeout=0``, ``timeout_seconds=None``) (math-verify's SIGALRM timer works only in a main thread) because the process running this is killed from
outside when its deadline passes. Every text is size-checked (``limits.check_symbolic``) before it is parsed.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from types import ModuleType

from .compare import FINAL_REASONS, Options, Outcome, compare, equation_sides
from .identity import same_function
from .limits import check_symbolic

__all__ = ["symbolic_equal", "compare_symbolic", "parse_symbolic"]

DEFAULT_SYMBOLIC_ROUNDING = 6

logging.getLogger("math_verify").setLevel(logging.ERROR)


def load_math_verify() -> ModuleType:
    """The math-verify package (imported on first use), its timeout warnings silenced."""
    import math_verify
    import math_verify.grader
    import math_verify.parser

    # We enforce deadlines from outside the process; silence the "timeout disabled" warning.
    math_verify.parser.TIMEOUT_WARNING_SHOWN = True
    math_verify.grader.TIMEOUT_WARNING_SHOWN = True
    return math_verify


@lru_cache(maxsize=2048)
def parse_symbolic(text: str) -> tuple:
    """Parse one answer (cleaned LaTeX) into math-verify's parsed form; () when it cannot be parsed."""
    check_symbolic(text)
    mv = load_math_verify()
    from latex2sympy2_extended.latex2sympy2 import NormalizationConfig

    # units=False: our own clean-up strips real units; math-verify's list reads "6ab" as 6 (a unit "ab")
    normalization = NormalizationConfig(
        basic_latex=True, units=False, malformed_operators=True, nits=True, boxed="all", equations=False
    )
    config = [mv.LatexExtractionConfig(boxed_match_priority=0, normalization_config=normalization)]
    parsed = mv.parse("$" + text + "$", extraction_config=config, fallback_mode="no_fallback", parsing_timeout=0)
    return tuple(parsed)


def _imaginary_unit(parsed: tuple) -> tuple:
    """Read a free symbol ``i`` as the imaginary unit (latex2sympy2_extended only knows ``I``)."""
    import sympy

    out = []
    for item in parsed:
        symbols = [s for s in getattr(item, "free_symbols", ()) if getattr(s, "name", "") == "i"]
        out.append(item.subs({s: sympy.I for s in symbols}) if symbols else item)
    return tuple(out)


def _mentions_i(parsed: tuple) -> bool:
    return any(getattr(s, "name", "") == "i" for item in parsed for s in getattr(item, "free_symbols", ()))


def symbolic_equal(gold: str, pred: str, options: Options) -> bool:
    """True when the two single answers are equal by sympy (through math-verify's comparison rules)."""
    gold_parsed = parse_symbolic(gold)
    pred_parsed = parse_symbolic(pred)
    if not gold_parsed or not pred_parsed:
        return False
    if _mentions_i(gold_parsed) or _mentions_i(pred_parsed):
        gold_parsed, pred_parsed = _imaginary_unit(gold_parsed), _imaginary_unit(pred_parsed)
    mv = load_math_verify()
    rounding = options.float_rounding if options.float_rounding is not None else DEFAULT_SYMBOLIC_ROUNDING
    if mv.verify(
        list(gold_parsed),
        list(pred_parsed),
        float_rounding=rounding,
        timeout_seconds=None,
        allow_set_relation_comp=True,  # "x > 2" against "(2, \\infty)" either way round
    ):
        return True
    # rewrites simplify does not close: equal as functions of the same variables at many random points
    return same_function(gold_parsed[0], pred_parsed[0])


def _same_equation(gold: str, pred: str) -> bool:
    """``y = 2x + 3`` and ``2x - y + 3 = 0``: (lhs - rhs) of one is a non-zero constant times the other's."""
    gold_sides, pred_sides = equation_sides(gold), equation_sides(pred)
    if gold_sides is None or pred_sides is None:
        return False
    import sympy

    gold_diff = parse_symbolic(f"({gold_sides[0]})-({gold_sides[1]})")
    pred_diff = parse_symbolic(f"({pred_sides[0]})-({pred_sides[1]})")
    if not gold_diff or not pred_diff:
        return False
    g, p = gold_diff[0], pred_diff[0]
    if not isinstance(g, sympy.Expr) or not isinstance(p, sympy.Expr) or g == 0 or p == 0:
        return False
    if not g.free_symbols or g.free_symbols != p.free_symbols:
        return False
    ratio = sympy.simplify(g / p)
    return bool(ratio.is_number and ratio != 0 and ratio.is_finite)


def compare_symbolic(gold: str, preds: tuple[str, ...], options: Options) -> Outcome:
    """The full comparison with the symbolic path switched on (runs in a worker process)."""
    outcome = compare(gold, preds, options, symbolic=symbolic_equal)
    if outcome.equal or outcome.reason.startswith(FINAL_REASONS):
        return outcome
    if len(preds) == 1 and _same_equation(gold, preds[0]):
        return Outcome(True, "equation match (rearranged)")
    if len(preds) == 1 and outcome.reason == "value mismatch":
        return outcome  # two single values: the whole answers were just compared
    # Shapes our structural reader does not know (x > 2 against (2, \infty), equations of curves): whole answers.
    whole_pred = ", ".join(preds)
    if symbolic_equal(gold, whole_pred, options):
        return Outcome(True, "symbolic match (whole answer)")
    return outcome
