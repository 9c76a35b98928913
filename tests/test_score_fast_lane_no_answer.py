"""The fast lane on rows without an answer marker or box (style auto): rollouts cut at the length limit or giving up.

The lane reads them with ``extraction.plain_fallback`` (the auto fallback, its math spans found by string searches),
checks with ``commitment.plain_review`` that nothing after the answer retracts it or offers another value, and
compares the commonest shapes itself. Every verdict it gives must be the full path's, row by row: generated
reasoning cut at random points, eval-set solutions cut at random points (when the shared data is there), formulas of
every shape the lane compares against many golds, and random texts of math delimiters.
"""

from __future__ import annotations

import json
import random
import shlex
import shutil
import sysconfig
from pathlib import Path

import pytest

from mathreward.verifiers import Verdict, extract, fast_lane, verify_batch
from mathreward.verifiers.commitment import (
    Review,
    answer_stands_after,
    answer_stands_read,
    plain_review,
    review,
    visible_text,
)
from mathreward.verifiers.extraction import (
    COMPILED_READER,
    Extraction,
    plain_fallback,
    plain_fallback_in_python,
    plain_reading,
)
from mathreward.verifiers.fast_lane import fast_verdict
from mathreward.verifiers.languages import MARKER_WORDS

WORDS = (
    "we consider the equation and substitute the value so that the sum of the terms is equal to the product "
    "therefore by the lemma each case gives a factor which we check again carefully then simplify"
).split()
OPERATORS = ["\\times", "\\cdot", "+", "-"]
ENDINGS = ["", "\n\nI am not sure.", "\n\nI could not finish.", "\n\nLet me reconsider the last step"]


LINES = [  # reasoning lines with math; {a} and {b} are random integers below 100
    "Then ${a} \\times {b} = {product}$, so we keep {sum}.",
    "\\[ x^2 - {a}x + {b} = 0 \\]",
    "Hence ${a} + {b} = {sum}$ and ${b} - {a} = {difference}$.",
    "We get ${a} \\cdot {b}$ of them, with {b} left over.",
    "The area is ${a}$ and $x = {b}$.",
    "It costs ${a} per item, so {sum} for three.",
    "Let $f(x) = x^2 + {a}x$ and check $f({b})$.",
]


def _line(rng: random.Random) -> str:
    if rng.random() < 0.4:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize() + "."
    a, b = rng.randint(0, 99), rng.randint(0, 99)
    return rng.choice(LINES).format(a=a, b=b, product=a * b, sum=a + b, difference=b - a)


def _cut_rows(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        body = "\n".join(_line(rng) for _ in range(rng.randint(8, 24)))
        if rng.random() < 0.5:
            rows.append(body[: rng.randint(len(body) // 2, len(body))])
        else:
            rows.append(body + rng.choice(ENDINGS))
    return rows


def _assert_lane_is_full_path(responses: list[str], golds: list[str]) -> int:
    """Every row the lane answers gets the full path's verdict; returns how many it answered."""
    lane = [fast_verdict(response, gold, "auto") for response, gold in zip(responses, golds, strict=True)]
    rows = [row for row, verdict in enumerate(lane) if verdict is not None]
    with fast_lane.disabled():
        full = verify_batch([responses[r] for r in rows], [golds[r] for r in rows], style="auto", workers=1, timeout=10)
    for row, verdict in zip(rows, full, strict=True):
        assert lane[row] == verdict, (responses[row][-200:], golds[row])
    return len(rows)


REASONING = "We consider the equation.\nThen $40 \\times 27 = 1080$, so we keep 67.\n"
SPAN, NUMBER = "path=math_span", "path=last_number"
CUT = "Sum the consider equation sum gives is and which by.\n"  # then the cut, right after a display opener
ANSWERED = [  # (response, gold, pred, detail): right when the detail says "match" or "numeric"
    (REASONING, "1080", "40 \\times 27 = 1080", f"{SPAN}; value match"),
    (REASONING + "\nI am not sure.", "67", "40 \\times 27 = 1080", f"{SPAN}; value mismatch"),
    ("So $40 \\times 27 = 1081$.", "1081", "40 \\times 27 = 1081", f"{SPAN}; false equation: its sides differ"),
    ("We solve\n\\[ x^2 - 5x + 6 = 0 \\]\nI could not finish.", "0", "x^2 - 5x + 6 = 0", f"{SPAN}; value match"),
    ("We consider\nThen $40 \\times", "40", "40 \\times", f"{NUMBER}; value mismatch"),
    ("We consider\nThen $40 \\ti", "40", "40 \\ti", f"{NUMBER}; value mismatch"),
    ("We consider\nThen $40 \\times 27", "1080", "40 \\times 27", f"{NUMBER}; numeric"),
    ("We solve\n\\[ x^2 - 5x +", "6", "\\[ x^2 - 5x +", f"{NUMBER}; value mismatch"),
    ("We solve\n\\[ x^2 - 5x + 6 = 0 \\", "0", "\\[ x^2 - 5x + 6 = 0 \\", f"{NUMBER}; value match"),
    ("We keep 12 of the 40 apples", "12", "40", f"{NUMBER}; numeric mismatch"),
    ("So we keep 12", "12", "12", f"{NUMBER}; numeric"),
    ("Then $x = 5$, so", "5", "x = 5", f"{SPAN}; value match"),
    ("Then $\\frac{3}{4}$ of it", "0.75", "\\frac{3}{4}", f"{SPAN}; numeric"),
    # cut right after a display opener or a lone backslash: the symbolic path reads nothing there (``unreadable``)
    (REASONING + CUT + "\\[", "67", "and which by.\n\\[", f"{NUMBER}; value mismatch"),
    (REASONING + CUT + "\\[ ", "1080", "and which by.\n\\[", f"{NUMBER}; value mismatch"),
    (REASONING + CUT + "\\[ x", "0", "and which by.\n\\[ x", f"{NUMBER}; value mismatch"),
    (REASONING + CUT + "\\", "67", "and which by.\n\\", f"{NUMBER}; value mismatch"),
]
LONG_CUT = (  # its answer is longer than fast_lane.MAX_COMPARED_CHARS: prose cut after its one "\\[" is compared
    "Then $15 \\times 81 = 1215$, so we keep 96.\nFactor gives that of sum each that equal substitute sum.\n"
    "The value each the sum we factor equation gives product we which the again.\n"
    "Gives product the the case terms carefully the.\n"
    "The and check case terms lemma we equal value value carefully so each.\n"
    "The then carefully we the value we each gives equal gives which value equal.\n"
    "Sum terms sum substitute equation a.\nThe terms product simplify a the.\n\\[ "
)
ANSWERED.append(
    (
        LONG_CUT,
        "96",
        ".\nSum terms sum substitute equation a.\nThe terms product simplify a the.\n\\[",
        f"{NUMBER}; value mismatch",
    )
)


@pytest.mark.parametrize(("response", "gold", "pred", "detail"), ANSWERED)
def test_lane_answers_rows_without_an_answer(response: str, gold: str, pred: str, detail: str) -> None:
    correct = detail.endswith((" match", " numeric")) and "mismatch" not in detail
    expected = Verdict(correct, pred, "correct" if correct else "wrong", detail)
    assert fast_verdict(response, gold, "auto") == expected
    with fast_lane.disabled():
        assert verify_batch([response], [gold], style="auto", workers=1, timeout=10) == [expected]


@pytest.mark.parametrize(
    "response",
    [
        "Then $x - x$ is what we keep\nThen $x - x",  # a polynomial whose terms cancel is a constant
        "Then $5 = 5$\n% then 6",  # hidden text (a LaTeX comment line): the full path decides
        "Then \\(40 \\times 27 = 1080\\), so",  # delimiters the quick scan leaves to the scanner
        "Then $$40 \\times 27 = 1080$$ so",
        "Then $40 \\times 27 = 1080$, ∎",  # not ASCII
        "The answer is $40 \\times 27 = 1080$",  # an answer phrase
        "Result: $40$, Antwort: $41$",  # a label
        "Then $\\boxed{40}$ and $41$",
        "\x0cThen $40 \\times 27 = 1080$",  # a control character
        "",
    ],
)
def test_lane_leaves_what_it_is_not_sure_of_to_the_full_path(response: str) -> None:
    assert fast_verdict(response, "1080", "auto") is None


@pytest.mark.parametrize(
    ("response", "answer"),
    [
        ("We keep 40. Wait, actually 41 is it.", "40"),  # a retraction before a digit
        ("We keep 40 (or maybe 41), and we stop.", "40"),  # a hedge right after the answer
        ("We keep 40. Other possible answers: 41.", "40"),  # another value offered in the next sentence
    ],
)
def test_plain_review_leaves_retractions_and_hedges_to_review(response: str, answer: str) -> None:
    extraction = Extraction(answer, "last_number", (answer,))
    assert review(response, extraction, "auto") != Review(extraction)
    assert not plain_review(response, extraction)


def test_lane_equals_full_path_on_cut_rollouts() -> None:
    responses = _cut_rows(seed=0, count=400)
    rng = random.Random(1)
    golds = [str(rng.choice([0, 1, 12, 1080, rng.randint(0, 10**6), -rng.randint(1, 99)])) for _ in responses]
    golds[::7] = ["3/4"] * len(golds[::7])  # golds that are not integers take the full path's own comparison
    answered = _assert_lane_is_full_path(responses, golds)
    assert answered >= 0.8 * len(responses)  # most generated shapes are the lane's


def test_lane_answers_rollouts_cut_after_a_display_opener() -> None:
    """Cut right after "\\[" (or a lone backslash): the rows on the lane, with the full path's verdict, which no longer
    waits for sympy (``unreadable``; the symbolic path's own verdict is pinned in test_verifiers_never_constant)."""
    rng = random.Random(4)
    responses = []
    for _ in range(300):
        lines = [_line(rng) for _ in range(rng.randint(8, 24))]
        lines = [line for line in lines if "$f(" not in line]  # $f(61)$ goes to sympy (a function's value)
        responses.append("\n".join(lines) + "\n" + rng.choice(["\\[", "\\[ ", "\\[ x", "\\"]))
    golds = [str(rng.randint(0, 10**6)) for _ in responses]
    assert _assert_lane_is_full_path(responses, golds) >= len(responses) - 1
    with fast_lane.disabled():
        full = verify_batch(responses, golds, style="auto", workers=1, timeout=10)
    assert not [verdict.detail for verdict in full if "symbolic" in verdict.detail]
    cut = [v for v in full if (v.pred or "").endswith(("\\[", "\\[ x", "\\")) and v.detail.endswith("; value mismatch")]
    assert len(cut) > 50


def test_lane_equals_full_path_on_formulas_of_every_shape() -> None:
    rng = random.Random(2)
    formulas = []
    for _ in range(150):
        a, b = rng.randint(0, 99), rng.randint(0, 99)
        poly = f"{rng.choice(['x', 'x^2', '3x^2', '-x^3'])} {rng.choice('+-')} {rng.choice(['x', '5x', '7'])}"
        formulas += [
            f"{a} {rng.choice(OPERATORS)} {b} = {rng.choice([a * b, a + b, a - b, b])}",
            f"{a} {rng.choice(OPERATORS)} {b}",
            f"{poly} = {rng.choice([0, a, -b])}",
        ]
    golds = ["0", "7", "12", "-5", "99", "1080"]
    responses, gold_rows = [], []
    for formula in formulas:
        for cut in range(1, len(formula) + 1, 3):  # the formula cut inside its math, as at the length limit
            responses.append(f"We compute it.\nThen ${formula[:cut]}")
            gold_rows.append(rng.choice(golds))
        responses += [f"We compute it.\nThen ${formula}$, so we stop.", f"We solve\n\\[ {formula} \\]\nI am not sure."]
        gold_rows += [rng.choice(golds), rng.choice(golds)]
    answered = _assert_lane_is_full_path(responses, gold_rows)
    assert answered >= 0.8 * len(responses)


def test_lane_equals_full_path_on_cut_solutions(shared_data: Path) -> None:
    solutions = []
    for name in ("math500_test.jsonl", "minerva_math.jsonl"):
        if (shared_data / name).exists():
            for line in (shared_data / name).open(encoding="utf-8"):
                record = json.loads(line)
                solutions.append((record["solution"], str(record.get("answer", "") or "")))
    if not solutions:
        pytest.skip("no eval-set solutions in the shared data")
    rng = random.Random(3)
    responses, golds = [], []
    for _ in range(600):
        solution, answer = rng.choice(solutions)
        responses.append(solution[: rng.randint(1, len(solution))] + rng.choice(ENDINGS))
        golds.append(answer if rng.random() < 0.5 else str(rng.randint(0, 200)))
    assert _assert_lane_is_full_path(responses, golds) > 50


def test_plain_fallback_equals_extract_on_random_math_texts() -> None:
    pieces = ["$", "$", "\\[", "\\]", " ", "\n", "\t", "1", "23", "a", "x", " is ", "\\times", ".", ",", "5 cm", "="]
    pieces += ["\\", "[", "]", "  \\alpha", "$5 each", "?", ";", "We keep", "\n\n"]
    rng = random.Random(4)
    compared = 0
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
        found = plain_fallback(text)
        if found is not None:
            compared += 1
            assert found == extract(text, "auto"), text
    assert compared > 5_000


HOSTILE = [
    "$1 ",
    "$a$ ",
    "$ \\alpha ",
    "\\[ x ",
    "\\[x\\]",
    "1",
    "word ",
    "We keep 5. ",
    "$5 apples and ",
    "x is $1$ and ",
]


def test_lane_equals_full_path_on_hostile_texts_of_the_whole_tail() -> None:
    """Texts as long as the extraction tail, made of one repeated piece: the lane reads them in one linear pass each
    (spans, sentences, the fallback's start going back to the text's start) and says what the full path says."""
    responses = [(piece * (32_768 // len(piece) + 1))[:32_768] for piece in HOSTILE]
    assert _assert_lane_is_full_path(responses, ["5"] * len(responses)) >= len(responses) // 2


# ---------------------------------------------------------------------------------------- the compiled reader

needs_compiled = pytest.mark.skipif(not COMPILED_READER, reason="the compiled reader is not built here")


def test_the_reader_is_compiled_where_a_c_compiler_is() -> None:
    """An install with a C compiler and Python's headers builds the compiled reader (hatch_build.py): the tests
    below then run against it, not only against its Python twin."""
    compiler = sysconfig.get_config_var("CC")
    include = sysconfig.get_paths().get("include")
    if not (compiler and shutil.which(shlex.split(compiler)[0]) and include and Path(include, "Python.h").exists()):
        pytest.skip("no C compiler or Python headers here: the package is pure Python")
    assert COMPILED_READER


def _plain_texts(seed: int, count: int) -> list[str]:
    """Random texts of the pieces the compiled reader reads (delimiters, amounts, verbs, sentence ends), some after
    a long plain prefix so that the reading starts inside the text."""
    pieces = ["$", "$", "\\[", "\\]", " ", "\n", "\t", "1", "23", "a", "x", " is ", "\\times", ".", ",", "5 cm"]
    pieces += ["=", "\\", "[", "]", "  \\alpha", "$5 each", "?", ";", "We keep", "\n\n", "! ", ". ", ".\t", "$7"]
    pieces += [" equals", "are", "_", "*", "`", "$ \\frac", "9" * 31, " so", "becomes", "Was", "$4,", "$4 ab", ":"]
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 50)))
        if rng.random() < 0.3:
            text = "We get 5 and $x$ here. " * rng.randint(10, 40) + text
        texts.append(text)
    return texts


@needs_compiled
def test_compiled_reading_is_the_python_reading() -> None:
    """Where the compiled reader answers, its answer is the Python reader's, its review step gives what
    ``plain_review`` gives, and nothing in the text is hidden: on cut rollouts, random texts and hostile ones."""
    texts = _cut_rows(41, 2000) + _plain_texts(5, 40_000)
    texts += [(piece * (32_768 // len(piece) + 1))[:32_768] for piece in HOSTILE]
    read = 0
    paths = [0, 0]
    for text in texts:
        reading = plain_reading(text)
        if reading is None:
            continue
        read += 1
        start, end, last_number, place = reading[:4]
        answer = text[start:end]
        found = plain_fallback_in_python(text)
        paths[last_number] += 1
        assert found == Extraction(answer, "last_number" if last_number else "math_span", (answer,)), text
        assert plain_fallback(text) == found
        stands = plain_review(text, found)
        assert stands == (place < 0 or answer_stands_after(text, place)), text
        assert stands == (place < 0 or answer_stands_read(text, *reading[3:])), text
        assert visible_text(text) is text
    assert read > 1_000 and min(paths) > 100


@needs_compiled
@pytest.mark.parametrize(
    "spoiler",
    ["%", "<b>", "\\phantom{1}", "\\color{red}", "Answer", "aNsWeR", "\\boxed{1}", "\\fbox{1}", "\x07", "\r", "é"]
    + ["$$x$$", "\\(x\\)", "\\\\", "\\$5", "It costs $5."]
    + [f"{word.title()}: " for word in MARKER_WORDS if word.isascii()],
)
def test_compiled_reader_leaves_what_it_does_not_follow(spoiler: str) -> None:
    """Texts the compiled reader does not read (hidden text, an answer word or box, control or non-ASCII
    characters, other delimiters, a price) are left to the Python reader, which reads them its own way."""
    text = "Then $3 \\times 4 = 12$, so we keep 7.\nWe check it."
    assert plain_reading(text) == (6, 21, 0, 21, 35, 22, -1, -1, -1)
    cut = "Then $3 \\times 4 = 12$, so we keep 7.\nThen $5 \\times 6"
    assert plain_reading(cut) == (44, 54, 1, -1, -1, -1, -1, -1, -1)  # "5 \\times 6": the sentence's expression
    assert plain_reading(spoiler + "\n" + text) is None
    assert plain_fallback(spoiler + "\n" + text) == plain_fallback_in_python(spoiler + "\n" + text)
