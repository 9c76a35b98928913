"""Benchmark: our verifier on math-verify's own test cases (the peer suite), read from a math-verify checkout.

Every ``@pytest.mark.parametrize`` case of the checkout's ``tests/`` that holds ``gold``, ``pred`` and ``expected``
is run as ``verify(pred, gold)`` (the prediction is a response, the gold an answer) and counted as agreeing when
``correct == bool(expected)``. A case that carries its own comparison setting runs with ours for the same idea:
``precision`` as ``float_rounding``, ``strict=False`` as ``rename_variables=True``; a setting we have no option for
(``allow_set_relation_comp``) is not passed. Prints the count and each disagreement with our detail, so a rule that
trades a peer case for another behaviour shows here.

    python bench/peer_suite_bench.py MATH_VERIFY_CHECKOUT [--timeout 10]

The test files are read from the checkout at run time (nothing of them is kept here); math-verify must be installed
because its test modules import it.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import sys
from pathlib import Path


def equivalence_options(row: dict) -> dict:
    """Our equivalence options for a peer case's own comparison settings (see the module docstring)."""
    options = {}
    if isinstance(row.get("precision"), int):
        options["float_rounding"] = row["precision"]
    if row.get("strict") is False:
        options["rename_variables"] = True
    return options


def peer_cases(checkout: Path) -> list[tuple[str, str, str, bool, dict]]:
    """(test name, gold, pred, expected, our equivalence options) of every parametrized case with those three
    fields."""
    sys.path.insert(0, str(checkout))
    cases = []
    for path in sorted((checkout / "tests").glob("test_*.py")):
        spec = importlib.util.spec_from_file_location(f"tests.{path.stem}", path)
        if spec is None or spec.loader is None:
            continue
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # noqa: BLE001 - a module that cannot load is reported, the others still count
            print(f"skipped {path.name}: {type(exc).__name__}: {exc}")
            continue
        for name, function in inspect.getmembers(module, inspect.isfunction):
            for mark in getattr(function, "pytestmark", []):
                if mark.name != "parametrize" or not isinstance(mark.args[0], str):
                    continue
                fields = [field.strip() for field in mark.args[0].split(",")]
                for values in mark.args[1]:
                    row = dict(zip(fields, getattr(values, "values", values), strict=False))
                    if {"gold", "pred", "expected"} <= set(row) and not isinstance(row["expected"], str):
                        test = f"{path.stem}::{name}"
                        cases.append((test, row["gold"], row["pred"], bool(row["expected"]), equivalence_options(row)))
    return cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path, help="a math-verify source checkout (holds tests/)")
    parser.add_argument("--timeout", type=float, default=10.0, help="per-case verification timeout (default 10)")
    args = parser.parse_args(argv)
    from mathreward.verifiers import verify

    cases = peer_cases(args.checkout)
    agree = 0
    for test, gold, pred, expected, options in cases:
        verdict = verify(pred, gold, timeout=args.timeout, **options)
        if verdict.correct == expected:
            agree += 1
            continue
        setting = f" {options}" if options else ""
        print(
            f"disagree {test}{setting}: gold {gold[:60]!r} pred {pred[-80:]!r} expected {int(expected)}: {verdict.detail}"
        )
    print(f"peer suite: {agree}/{len(cases)} cases agree")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
