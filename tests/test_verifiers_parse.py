"""parse_answer classification, the exact reader, and the promises about what is never called on model text."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

import pytest

from mathreward.verifiers import parse_answer
from mathreward.verifiers.exact import Refused, Unsupported, Value, parse_plain_number, parse_value

KINDS = [
    ("34", "integer", Fraction(34)),
    ("-7", "integer", Fraction(-7)),
    ("034", "integer", Fraction(34)),
    ("1,000", "integer", Fraction(1000)),
    ("22099999999999998951424", "integer", Fraction(22099999999999998951424)),
    ("0.5", "decimal", Fraction(1, 2)),
    ("50\\%", "decimal", Fraction(1, 2)),
    ("\\frac{3}{4}", "fraction", Fraction(3, 4)),
    ("\\dfrac{6}{8}", "fraction", Fraction(3, 4)),
    ("3/4", "fraction", Fraction(3, 4)),
    ("-\\frac{1}{3}", "fraction", Fraction(-1, 3)),
    ("2\\sqrt{3}", "radical", None),
    ("\\frac{3\\sqrt2}{4}", "radical", None),
    ("11-2\\sqrt6", "radical", None),
    ("\\frac{\\pi}{3}", "pi_multiple", None),
    ("2\\pi", "pi_multiple", None),
    ("x^2+1", "expression", None),
    ("\\sqrt{2}+\\pi", "expression", None),
    ("(1,2)", "tuple", None),
    ("\\{1,2\\}", "set", None),
    ("1, 2, 3", "tuple", None),  # a bare list: several values in the order written (curation's "several values")
    ("[1,2)", "interval", None),
    ("(-\\infty, 3)", "interval", None),
    ("(1,2)\\cup(3,4)", "interval", None),
    ("\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "matrix", None),
    ("y=2x+1", "equation", None),
    ("x > 2", "equation", None),
    ("\\text{Evelyn}", "text", None),
    ("(B)", "choice", None),
    ("\\textbf{(C)}", "choice", None),
    ("", "unparseable", None),
    ("9^{9^{9^9}}", "unparseable", None),
    ("\\frac{1}{0}", "unparseable", None),
    ("{" * 3000 + "1" + "}" * 3000, "unparseable", None),
]


@pytest.mark.parametrize(("text", "kind", "value"), KINDS, ids=[k[0][:30] for k in KINDS])
def test_parse_answer_kinds(text, kind, value):
    parsed = parse_answer(text)
    assert parsed.kind == kind
    if value is not None:
        assert parsed.value == value


def test_parse_answer_values_are_sympy_for_non_rationals():
    import sympy

    assert parse_answer("2\\sqrt{3}").value == 2 * sympy.sqrt(3)
    assert parse_answer("\\frac{\\pi}{3}").value == sympy.pi / 3
    assert str(parse_answer("x^2+1").value) == "x**2 + 1"
    assert parse_answer("[1,2)").value == sympy.Interval.Ropen(1, 2)
    assert parse_answer("\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}").value == sympy.Matrix([[1, 2], [3, 4]])
    assert parse_answer("(1,\\frac12)").value == sympy.Tuple(1, sympy.Rational(1, 2))


def test_exact_reader_values():
    assert parse_value("2\\sqrt3") == parse_value("\\sqrt{12}")
    assert parse_value("\\sqrt{\\frac{1}{2}}") == parse_value("\\frac{\\sqrt{2}}{2}")
    assert parse_value("(1+\\sqrt2)^2") == parse_value("3+2\\sqrt2")
    assert parse_value("\\frac{\\pi}{2}") == parse_value("\\frac{1}{2}\\pi")
    assert parse_value("2\\frac{1}{2}").as_fraction() == Fraction(5, 2)
    assert parse_value("2^{-2}").as_fraction() == Fraction(1, 4)
    assert parse_value("10!").as_fraction() == 3628800
    assert parse_value("\\sqrt{999999999999}") == Value({(111111111111, 0): Fraction(3)})  # 9 * 111111111111
    assert parse_plain_number("1.5e3") == 1500
    assert parse_plain_number(".4") == Fraction(2, 5)
    assert parse_plain_number("1,000") is None
    assert [parse_plain_number(text) for text in ("034", "-034", "+5", "-0", "٣٤")] == [34, -34, 5, 0, 34]
    assert type(parse_plain_number("-034")) is Fraction


@pytest.mark.parametrize("text", ["10^{10^{10}}", "9^{9^{9^9}}", "2^{1000000}", "5000!", "(2^{9999})^{9999}"])
def test_exact_reader_refuses_huge_values(text):
    with pytest.raises(Refused):
        parse_value(text)


@pytest.mark.parametrize("text", ["x+1", "\\sqrt[3]{2}", "\\frac{1}{1+\\sqrt2}", "3 4", "e^2", "\\frac{1}{0}", "(((1"])
def test_exact_reader_leaves_the_rest_to_the_symbolic_path(text):
    with pytest.raises(Unsupported):
        parse_value(text)


def test_fast_path_never_imports_sympy():
    code = (
        "import sys\n"
        "from mathreward.verifiers import verify, is_equivalent, parse_answer\n"
        "assert verify('Answer: 034', '34').correct\n"
        "assert verify('so \\\\boxed{\\\\dfrac{3\\\\sqrt{2}}{4}}', '\\\\frac{3}{4}\\\\sqrt2').correct\n"
        "assert verify('x = 4, -8, -10', '4,-8,-10').correct\n"
        "assert not verify('Answer: 3, 4', '34').correct\n"
        "assert is_equivalent('\\\\{1,2\\\\}', '\\\\{2,1\\\\}')\n"
        "assert parse_answer('\\\\frac{3}{4}').kind == 'fraction'\n"
        "assert 'sympy' not in sys.modules and 'math_verify' not in sys.modules, 'sympy imported'\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_symbolic_path_never_calls_parse_expr_or_sympify_on_answer_text(monkeypatch):
    """math-verify runs with LatexExtractionConfig only, so its parse_expr branch never runs; the only strings that
    reach sympy's string parser are number tokens of latex2sympy2_extended's lexer (sympy.Number("12"))."""
    import re

    import math_verify.parser
    import sympy.core.sympify
    import sympy.parsing.sympy_parser

    from mathreward.verifiers import symbolic
    from mathreward.verifiers.compare import Options

    pairs = [
        ("x^2+2x+1", ("(x+1)^2",)),
        ("\\{1,2\\}", ("\\{2,1\\}",)),
        ("y=2x", ("y = x + x",)),
        ("1+i", ("i+1",)),
        ("0", ("__import__('os').system('true')",)),
        ("0", ("x**2 + lambda: 1",)),
        ("0", ("exec('1')",)),
    ]
    # first run unguarded: sympy modules imported lazily sympify their own constants ("yotta") at import time
    for gold, preds in pairs:
        symbolic.compare_symbolic(gold, preds, Options())
    seen: list[str] = []
    original = sympy.parsing.sympy_parser.parse_expr

    def guarded_parse_expr(text, *args, **kwargs):
        seen.append(text)
        if not re.fullmatch(r"[0-9.]+", text):
            raise AssertionError(f"parse_expr called on answer text: {text!r}")
        return original(text, *args, **kwargs)

    def forbidden(*args, **kwargs):
        raise AssertionError("math-verify's plain-expression parser was used")

    monkeypatch.setattr(math_verify.parser, "parse_expr", forbidden)
    monkeypatch.setattr(sympy.parsing.sympy_parser, "parse_expr", guarded_parse_expr)
    monkeypatch.setattr(sympy.core.sympify, "parse_expr", guarded_parse_expr, raising=False)
    symbolic.parse_symbolic.cache_clear()
    results = [symbolic.compare_symbolic(gold, preds, Options()).equal for gold, preds in pairs]
    assert results == [True, True, True, True, False, False, False]
    assert all(re.fullmatch(r"[0-9.]+", text) for text in seen)
    symbolic.parse_symbolic.cache_clear()
