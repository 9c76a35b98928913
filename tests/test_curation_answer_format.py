"""A rewritten problem says one thing: its own format instructions go, and rounded values are never rewritten.

Literal phrasings (from MATH, OlympiadBench and DAPO-Math-17k) always run; the checks over the real datasets in
``$MATHREWARD_DATA`` skip without it.
"""

from __future__ import annotations

import re

import pytest

from mathreward.curation.answer_format import (
    format_phrases,
    restate_format,
    rounding_request,
    sentences,
    upstream_rewrite_start,
)
from mathreward.curation.curate import curate
from mathreward.curation.loading import load_records

# (problem, the problem after an integer rewrite replaced its answer's form; None: unchanged)
RESTATED: list[tuple[str, str | None]] = [
    ("What is the probability? Express your answer as a common fraction.", "What is the probability?"),
    ("Find the area. Express your answer in terms of $\\pi$.", "Find the area."),
    ("$$x^2=3$$ Express your answer in simplest radical form.", "$$x^2=3$$"),
    (
        "What is the probability that both win? (Express your answer as a fraction.)",
        "What is the probability that both win?",
    ),
    ("What is the ratio of $a$ to $b$? Answer as a fraction in lowest terms.", "What is the ratio of $a$ to $b$?"),
    ("Add 313.9 to 12.6. Express the result as a decimal.", "Add 313.9 to 12.6."),
    ("Compute $2.5 + 1.25$. Your answer should be a decimal.", "Compute $2.5 + 1.25$."),
    ("Find $x$. Express your answer in the form $a\\sqrt{b}$.", "Find $x$."),
    ("Find it. Express your answer as a common fraction in simplest radical form.", "Find it."),
    ("How tall is it? Express your answer in the simplest radical form.", "How tall is it?"),
    ("Find $k$. Express your answer as an improper fraction.", "Find $k$."),
    ("Find $k$. Express your answer in simplest fractional form.", "Find $k$."),
    ("Find $k$. Express your answer as a mixed number.", "Find $k$."),
    # a format phrase inside the question is cut out
    ("What is $\\frac{9}{2}$ expressed as a decimal?", "What is $\\frac{9}{2}$?"),
    ("It is $(x+b)^2+c$. What is $b+c$ (as a decimal)?", "It is $(x+b)^2+c$. What is $b+c$?"),
    ("What is $\\sqrt{53}$ in simplest radical form?", "What is $\\sqrt{53}$?"),
    (
        "What is the distance (in inches) on the map, expressed as a fraction?",
        "What is the distance (in inches) on the map?",
    ),
    ("What is the surface area, in terms of $\\pi$, of the solid?", "What is the surface area of the solid?"),
    (
        "How many square units, expressed in simplest radical form, are in the area?",
        "How many square units are in the area?",
    ),
    (
        "What simplified common fraction is equivalent to $0.0\\overline{57}$?",
        "What number is equivalent to $0.0\\overline{57}$?",
    ),
    ("The ratio is equal to what common fraction?", "The ratio is equal to what number?"),
    ("Find $x$, and express your answer as a common fraction.", "Find $x$."),
    (
        "Simplify $\\frac{2}{\\sqrt{6}}$ and write your answer in simplest radical form.",
        "Simplify $\\frac{2}{\\sqrt{6}}$.",
    ),
    ("As an improper fraction, for how long is it above $6$ meters?", "For how long is it above $6$ meters?"),
    ("In simple radical form, what is the perimeter of $ABCDP$?", "What is the perimeter of $ABCDP$?"),
    (
        "What is the probability, expressed as a common fraction, that it is red?",
        "What is the probability that it is red?",
    ),
    ("If $k$ can be represented as a terminating decimal, find the sum of all $k$.", None),  # a property
    # a conversion is restated to point at the new form
    ("Write $\\frac{3}{20}$ as a decimal.", "Write $\\frac{3}{20}$ in the form given below."),
    ("Write 2.25 as a mixed number.", "Write 2.25 in the form given below."),
    ("Convert $\\frac{7}{2}$ to a mixed number.", "Convert $\\frac{7}{2}$ into the form given below."),
    (
        "Express $0.\\overline{36}$ as a common fraction in lowest terms.",
        "Express $0.\\overline{36}$ in the form given below.",
    ),
    (
        "Express $\\left(\\frac{16}{625}\\right)^{\\frac14}$ a common fraction.",
        "Express $\\left(\\frac{16}{625}\\right)^{\\frac14}$ in the form given below.",
    ),
    # an instruction after a semicolon goes with its clause
    (
        "Find the sum $0.1_2-0.01_2+\\ldots$; give your answer as a fraction in which both are in base 10.",
        "Find the sum $0.1_2-0.01_2+\\ldots$.",
    ),
    # no format instruction: nothing changes
    ("What fraction of the books are math books?", "What fraction of the books are math books?"),
    ("Give your answer in base 10.", "Give your answer in base 10."),
    ("What must be added so that the result reduces to a fraction of the form $\\frac{B}{x - 1}$?", None),
    ("Express $\\sqrt{48}$ in the form $a\\sqrt{b}$.", "Express $\\sqrt{48}$ in the form $a\\sqrt{b}$."),
    (
        "Let $x = 2.5$. Find the area of the square in the form $\\pi r^2$.",
        "Let $x = 2.5$. Find the area of the square in the form $\\pi r^2$.",
    ),
]


@pytest.mark.parametrize(("problem", "expected"), RESTATED)
def test_format_instructions_are_removed_or_restated(problem: str, expected: str | None) -> None:
    text, changes = restate_format(problem)
    expected = problem if expected is None else expected  # None: nothing changes
    assert text == expected
    assert bool(changes) == (text != problem)
    assert not format_phrases(text)


ROUNDING = [
    ("Express your answer as a decimal to the nearest tenth.", "rounded"),
    ("Round your answer to the nearest tenth of a cent.", "rounded"),
    ("What is $x$, rounded to two decimal places?", "rounded"),
    ("Give $r$ correct to one decimal place.", "rounded"),
    ("Express the mass to three significant figures.", "rounded"),
    ("(Round your answer to the nearest integer.)", "rounded"),
    ("Approximately how many liters are there?", "approximate"),
    ("Estimate the value of $\\sqrt{50}$.", "approximate"),
    ("A wavelength of approximately $7\\times 10^{-7}$ m. What is $a+b$?", "approximate"),
    ("Seat 5 people at a round table. How many ways?", None),
    ("Find the nearest perfect square to 50.", None),
    ("He walks to the next nearest vertex. What is the probability?", None),
    ("In every round, the leader moves. What fraction of rounds?", None),
]


@pytest.mark.parametrize(("problem", "expected"), ROUNDING)
def test_rounded_and_approximate_requests(problem: str, expected: str | None) -> None:
    assert rounding_request(problem) == expected


def test_sentences_keep_math_spans_and_give_the_text_back() -> None:
    text = "Let $x = 2.5. y$ be real. Is \\(a. $b\\) it? Yes!  Then $$z. $y$.$$ Express your answer as a fraction."
    pieces = list(sentences(text))
    assert "".join(pieces) == text
    assert pieces[0] == "Let $x = 2.5. y$ be real."
    assert pieces[1] == " Is \\(a. $b\\) it?"
    assert pieces[3] == "  Then $$z. $y$.$$"
    assert pieces[-1].strip() == "Express your answer as a fraction."


# -- the real phrasings -------------------------------------------------------------------------------------------

CONTRADICTING = re.compile(
    r"common fraction|as a fraction|as a decimal|radical form|mixed number|in terms of \$?\\?pi|improper fraction|"
    r"in simplest form|lowest terms|fractional form",
    re.IGNORECASE,
)
BODY_END = "The original answer is in the form"


@pytest.mark.parametrize(
    ("filename", "at_least"),
    [
        ("math500_test.jsonl", 30),
        ("math_test_5000_with_solutions.parquet", 350),
        ("dapo_math_17k_first_block.parquet", 350),
    ],
)
def test_every_real_format_instruction_is_restated(shared_data, filename: str, at_least: int) -> None:
    """Each dataset's problems with a format instruction (DAPO's before its own rewrite sentence): after restating,
    no instruction is left, other than in the few problems that define their objects with those words."""
    bodies = [r["problem_raw"].split(BODY_END)[0] for r in load_records([str(shared_data / filename)])]
    with_instruction = [body for body in bodies if CONTRADICTING.search(body)]
    assert len(with_instruction) >= at_least
    left = [body for body in with_instruction if format_phrases(restate_format(body)[0])]
    print(f"{filename}: {len(with_instruction)} problems with a format phrase, {len(left)} keep one")
    assert len(left) <= 0.02 * len(with_instruction)  # "for simplified fractions p/q", "the decimal form of ..."


@pytest.mark.parametrize(
    "filename",
    ["math500_test.jsonl", "olympiadbench_oe_to_maths_en_comp.jsonl", "math_test_5000_with_solutions.parquet"],
)
def test_rewritten_problems_say_one_thing(shared_data, tmp_path, filename: str) -> None:
    report, result = curate([str(shared_data / filename)], tmp_path / "out.parquet", progress=False, near_dup=False)
    rewritten = [r for r in result.kept if r["transform"] != "keep"]
    assert len(rewritten) > {"math500": 90, "olympiadbench": 100, "math": 1000}[filename.split("_")[0]]
    for row in rewritten:
        body = row["problem"].split(BODY_END)[0]
        assert rounding_request(body) is None, row["problem"]
        assert not CONTRADICTING.search(body), row["problem"]
        assert not format_phrases(body), row["problem"]
    if filename.startswith("math500"):
        assert report["rows_out"] / report["rows_in"] >= 0.86
        assert report["reject_reasons"]["rounded_value"] == 2  # Juan's stamps and the walk to the nearest hundredth
    mixed = [r for r in result.kept if re.fullmatch(r"-?\d+\s*\\[dt]?frac\s*\{?\d+\}?\s*\{?\d+\}?", r["answer"])]
    assert len(mixed) >= {"math500": 2, "olympiadbench": 0, "math": 14}[filename.split("_")[0]]
    for row in mixed:  # mixed numbers, with and without braces: m + n of the improper fraction
        whole, numerator, denominator = (int(x) for x in re.findall(r"\d+", row["answer"])[:3])
        improper = whole * denominator + numerator
        assert row["gt"] == str(improper + denominator), row


def test_a_datasets_own_rewrite_is_held_to_the_same_rules() -> None:
    """DAPO-Math-17k's rewritten problems keep the integer it asks for; their leftover instructions go, and one
    whose integer rests on a rounded value is rejected."""
    from mathreward.curation.steps import Classify, IntegerTransform

    def run(problem: str, answer: str) -> dict:
        return IntegerTransform().process_row(Classify().process_row({"answer": answer, "problem": problem}))

    dapo = (
        "What fraction of the marbles will be red? Express your answer as a fraction in simplest form. "
        "The original answer is in the form \\(\\frac{k}{m}\\). Please find the value of k + m."
    )
    record = run(dapo, "5")
    assert record["gt"] == "5" and record["transform"] == "keep"
    assert record["problem"] == (
        "What fraction of the marbles will be red? The original answer is in the form \\(\\frac{k}{m}\\). "
        "Please find the value of k + m."
    )
    rounded = "Calculate an approximate answer by using $\\pi=3.14$. The answer is in the form $k$. Find $k$."
    assert run(rounded, "31")["reject"] == "approximate_value"
    assert run("Round to the nearest tenth. What is $x$?", "3")["gt"] == "3"  # no dataset rewrite: an integer stays


def test_dapo_block_rewrites_say_one_thing(shared_data) -> None:
    report, result = curate(
        [str(shared_data / "dapo_math_17k_first_block.parquet")], None, progress=False, near_dup=False
    )
    upstream = [r for r in result.kept if upstream_rewrite_start(r["problem"]) is not None]
    assert len(upstream) > 1200
    for row in upstream:
        body = row["problem"][: upstream_rewrite_start(row["problem"])]
        assert not CONTRADICTING.search(body) and rounding_request(body) is None, row["problem"]
    assert report["format_instructions_restated"] > 200
    assert report["reject_reasons"]["rounded_value"] + report["reject_reasons"]["approximate_value"] == 5
