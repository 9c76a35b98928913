"""Answer formats of real models and real trainers (issue 12): chat-template tokens, answer sentences, golds given as
worked solutions, reasoning-model tags and doubled backslashes. Every table holds adversarial rows: a number in the
reasoning (or in a later turn, or inside <think>) that equals the gold while the stated answer differs scores wrong.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mathreward.verifiers import extract, read_gold, verify
from mathreward.verifiers.extraction import STYLES
from mathreward.verifiers.turns import answer_region, halve_backslashes, strip_end_of_turn

END_TOKENS = ["<|im_end|>", "</s>", "<|eot_id|>", "<|endoftext|>", "<end_of_turn>", "<｜end▁of▁sentence｜>"]


@pytest.mark.parametrize("token", END_TOKENS)
@pytest.mark.parametrize("style", STYLES)
def test_end_of_turn_token_is_stripped_under_every_style(token: str, style: str) -> None:
    response = "Adding the parts gives 425.\n\\boxed{425}\nAnswer: 425" + token
    assert extract(response, style).answer == "425"
    assert verify(response, "425", style=style).status == "correct"
    assert verify(response, "426", style=style).status == "wrong"


# (response, gold, expected status)
TURN_CASES = [
    ("Answer: 425<|im_end|>", "425", "correct"),
    ("Answer: 425<|im_end|><|endoftext|>", "425", "correct"),
    ("The answer is \\boxed{12}</s><pad><pad>", "12", "correct"),
    ("<s>Answer: 7</s>", "7", "correct"),
    # the model went on to write the next user turn: that turn is not the answer
    ("Answer: 425\n<|im_start|>user\nNext question. Answer: 7", "425", "correct"),
    ("Answer: 425\n<|im_start|>user\nNext question. Answer: 7", "7", "wrong"),
    ("So $x = 5$. <|im_start|>user\nWhat is $3+4$? The answer is 7.", "7", "wrong"),
    # a decoded prompt + response (OpenRLHF): the assistant turn is read, never the prompt
    (
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nIs it 5? Answer: 5<|im_end|>\n"
        "<|im_start|>assistant\nIt is 4.\nAnswer: 4<|im_end|>",
        "4",
        "correct",
    ),
    (
        "<|im_start|>user\nIs it 5? Answer: 5<|im_end|>\n<|im_start|>assistant\nIt is 4.\nAnswer: 4<|im_end|>",
        "5",
        "wrong",
    ),
    (
        "<|start_header_id|>user<|end_header_id|>\n\nAnswer: 9<|eot_id|><|start_header_id|>assistant<|end_header_id|>"
        "\n\nAnswer: 8<|eot_id|>",
        "8",
        "correct",
    ),
    ("<start_of_turn>user\nAnswer: 9<end_of_turn>\n<start_of_turn>model\nAnswer: 8<end_of_turn>", "9", "wrong"),
    ("<|im_start|>assistant\n<|im_end|>", "4", "no_answer"),
    ("x < 3 and y > 2, so the answer is 2.", "2", "correct"),
]


@pytest.mark.parametrize(("response", "gold", "status"), TURN_CASES)
def test_chat_turns(response: str, gold: str, status: str) -> None:
    assert verify(response, gold).status == status


def test_text_without_chat_tokens_is_untouched() -> None:
    text = "Answer: 3, 4 <not a token> x<3"
    assert strip_end_of_turn(text) is text


def test_dapo_verl_keeps_verl_numbers_and_drops_chat_tokens() -> None:
    from mathreward.rewards.dapo_verl import DapoVerlReward, compute_score

    reward = DapoVerlReward()
    plain = ["Answer: 425", "Answer: 3, 4", "**Answer:** 34", "Answer: 034"]
    golds = ["425", "34", "34", "34"]
    scores = [r.score for r in reward.score(None, plain, golds)]
    assert scores == [compute_score(r, g)["score"] for r, g in zip(plain, golds, strict=True)] == [1, 1, -1, -1]
    tokens = [r.score for r in reward.score(None, [t + "<|im_end|>" for t in plain], golds)]
    assert tokens == scores


# (response, gold, expected status) - Minerva / lm-eval answer sentences and their relatives
SENTENCE_CASES = [
    ("Final Answer: The final answer is 14400. I hope it is correct.", "14400", "correct"),
    ("Final Answer: The final answer is 14400. I hope it is correct.", "1440", "wrong"),
    ("Final Answer: The final answer is $28 \\%$. I hope it is correct.", "28\\%", "correct"),
    ("Final Answer: The final answer is 12,000,023. I hope it is correct. <|im_start|>user", "12000023", "correct"),
    ("Final Answer: The largest $n$ is 34.", "34", "correct"),
    ("Final Answer: The largest $n$ is 34.", "n", "wrong"),
    ("Trying 35 fails. Final Answer: The largest $n$ is 34.", "35", "wrong"),
    ("The answer is $x = 3$.", "3", "correct"),
    ("The answer is $x = 3$.", "x", "wrong"),
    ("**Final answer:** 12,000,023.", "12000023", "correct"),
    ("Final Answer: The volume of $ABCDEFGH$ is 120. I hope it is correct.", "120", "correct"),
    ("Final Answer: The maximum number of points in the domain of $f(x)$ is 19. <|im_start|>user", "19", "correct"),
    ("Final Answer: The volume is 5 times 24, so 120.", "120", "correct"),
    ("Final Answer: The volume is 5 times 24, so 120.", "5", "wrong"),
    ("Final Answer: Jane started growing Sphere 3 hours ago. I hope it is correct.", "3", "correct"),
    ("Sphere grew for 8 hours. Final Answer: Jane started growing Sphere 3 hours ago.", "8", "wrong"),
    ('Final Answer: The final answer is \\"$12 $ and $13 $\\". I hope it is correct.', "12\\text{ and }13", "correct"),
    ("Final Answer: The final answer is 5. I hope it is correct.", "6", "wrong"),
]


@pytest.mark.parametrize(("response", "gold", "status"), SENTENCE_CASES)
def test_answer_sentences(response: str, gold: str, status: str) -> None:
    assert verify(response, gold).status == status


# (gold as stored, what read_gold makes of it)
SOLUTION_GOLDS = [
    ("We add the two parts, so the total is $3 + 4 = \\boxed{7}$.", "7"),
    ("First we try $\\boxed{2}$ as a guess, which fails; the real value is $\\boxed{5}$ as shown.", "5"),
    (
        "The area is $\\pi r^2 = 9\\pi$ by the formula. Final Answer: The final answer is $9\\pi$. I hope it is correct.",
        "9\\pi",
    ),
    ("Each part is checked in turn, which gives the result.\nAnswer: $\\frac{3}{4}$", "\\frac{3}{4}"),
    # short golds of several boxes are their parts; boxes with unrelated words between them are not
    ("\\boxed{1} papers and \\boxed{2} bins", "1, 2"),
    ("$\\boxed{35 cm} ++++++ \\boxed{4}$", "35 cm, 4"),
    ("\\boxed{1} no no no no no \\boxed{2}", "2"),
    # a box never closed, doubled backslashes of escaped text
    ("\\boxed{W(n) = 1 \\text{ and } W(n) = -1", "W(n) = 1 \\text{ and } W(n) = -1"),
    ("$\\\\left(\\\\frac{1}{5},\\\\frac{1}{6}\\\\right)$", "\\left(\\frac{1}{5},\\frac{1}{6}\\right)"),
    ("\\boxed{x+11} or \\boxed{11+x}", "x+11, 11+x"),
]


@pytest.mark.parametrize(("gold", "expected"), SOLUTION_GOLDS)
def test_gold_given_as_a_solution(gold: str, expected: str) -> None:
    assert read_gold(gold) == expected


# (response, gold, expected status)
SOLUTION_GOLD_VERDICTS = [
    ("Answer: 7", "We add the two parts, so the total is $3 + 4 = \\boxed{7}$.", "correct"),
    ("Answer: 4", "We add the two parts, so the total is $3 + 4 = \\boxed{7}$.", "wrong"),  # 4 is in the solution
    (
        "\\boxed{28\\%}",
        "so we lose $10\\%$ then $20\\%$. Final Answer: The final answer is $28 \\%$. I hope it is correct.",
        "correct",
    ),
    (
        "\\boxed{10\\%}",
        "so we lose $10\\%$ then $20\\%$. Final Answer: The final answer is $28 \\%$. I hope it is correct.",
        "wrong",
    ),
    ("\\boxed{1, 2}", "\\boxed{1} papers and \\boxed{2} bins", "correct"),
    ("\\boxed{1, 2}", "\\boxed{1} no no no no no \\boxed{2}", "wrong"),
    ("\\boxed{11+x}", "We get $\\boxed{x+11}$ or $\\boxed{11+x}$.", "correct"),
    ("\\boxed{12+x}", "We get $\\boxed{x+11}$ or $\\boxed{11+x}$.", "wrong"),
]


@pytest.mark.parametrize(("response", "gold", "status"), SOLUTION_GOLD_VERDICTS)
def test_verdicts_against_solution_golds(response: str, gold: str, status: str) -> None:
    assert verify(response, gold).status == status


# (response, gold, expected status) - R1 / R1-Zero output
REASONING_CASES = [
    ("<think>Let me try 7. Actually it is 9.</think> The answer is 9.", "9", "correct"),
    ("<think>Let me try 7. Actually it is 9.</think> The answer is 9.", "7", "wrong"),
    ("<think>First guess \\boxed{7}.</think> So the answer is 9.", "7", "wrong"),
    ("Reasoning without the opening tag.</think>\n\n\\boxed{5}", "5", "correct"),
    ("<think>long reasoning that ran out of budget \\boxed{7}", "7", "no_answer"),
    ("<think>x</think>", "5", "no_answer"),
    (
        "<think>28 lollipops, 2 per bag</think> <answer> So, 28 ÷ 2 = 14 bags. Therefore, Jean can fill 14 bags with "
        "2 lollipops in each bag. </answer>",
        "14",
        "correct",
    ),
    (
        "<think>28 lollipops, 2 per bag</think> <answer> So, 28 ÷ 2 = 14 bags. Therefore, Jean can fill 14 bags with "
        "2 lollipops in each bag. </answer>",
        "2",
        "wrong",
    ),
    ("<answer>\\boxed{3}</answer> then <answer>\\boxed{4}</answer>", "4", "correct"),
    ("<answer>\\boxed{3}</answer> then <answer>\\boxed{4}</answer>", "3", "wrong"),
    ("<think>a</think><answer>Answer: 17</answer><|im_end|>", "17", "correct"),
    ("<think>a</think><answer>The largest $n$ is 34.</answer>", "34", "correct"),
    ("<answer>\n\n</answer> So the answer is 6.", "6", "correct"),
]


@pytest.mark.parametrize(("response", "gold", "status"), REASONING_CASES)
def test_reasoning_model_formats(response: str, gold: str, status: str) -> None:
    assert verify(response, gold).status == status


def test_unclosed_think_can_be_read_on_request() -> None:
    response = "<think>long reasoning that ran out of budget, but \\boxed{7}"
    assert verify(response, "7").status == "no_answer"
    assert verify(response, "7", unclosed_think="read").status == "correct"
    assert extract(response, "boxed", unclosed_think="read").answer == "7"
    assert answer_region(response) is None
    with pytest.raises(ValueError, match="unclosed_think"):
        verify(response, "7", unclosed_think="maybe")


# (text, halved)
DOUBLED = [
    ("\\\\frac{1}{2}", "\\frac{1}{2}"),
    ('$\\\\boxed{5}$ so \\n \\"x\\"', '$\\boxed{5}$ so \n "x"'),
    ("\\\\begin{pmatrix}1\\\\\\\\2\\\\end{pmatrix}", "\\begin{pmatrix}1\\\\2\\end{pmatrix}"),
    # genuine LaTeX is left alone: single commands, row breaks
    ("\\begin{pmatrix}1\\\\2\\end{pmatrix}", "\\begin{pmatrix}1\\\\2\\end{pmatrix}"),
    ("1 \\\\ 2", "1 \\\\ 2"),
    ("\\frac{1}{2} \\\\frac", "\\frac{1}{2} \\\\frac"),
]


@pytest.mark.parametrize(("text", "halved"), DOUBLED)
def test_doubled_backslashes(text: str, halved: str) -> None:
    assert halve_backslashes(text) == halved


def test_doubled_backslashes_end_to_end() -> None:
    assert verify("\\\\boxed{\\\\frac{1}{2}}", "\\frac12").status == "correct"
    assert verify("\\\\boxed{\\\\frac{1}{3}}", "\\frac12").status == "wrong"
    assert verify("\\boxed{\\left(3, \\frac{\\pi}{2}\\right)}", "$(3, \\\\frac{\\\\pi}{2})$").status == "correct"


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "response",
    [
        "<|im_start|>" * 200_000 + "Answer: 5",
        "<|im_start|>assistant\n" * 100_000 + "Answer: 5",
        "x<|im_end|>" * 200_000,
        "\\\\" * 500_000 + "frac",
        "\\" * 1_000_001 + "frac",
        "<think>" * 200_000 + "</think>5",
        "<answer>" * 200_000,
        "Final Answer: The " + "is " * 5000 + "5.",
        "The " + "with 3 " * 50_000 + "bags.",
    ],
)
def test_hostile_formats_terminate(response: str) -> None:
    for style in STYLES:
        found = extract(response, style)
        assert found.answer is None or len(found.answer) <= 1024
    assert isinstance(read_gold(response), str)


def _cli() -> list[str]:
    script = shutil.which("mathreward")
    return [script] if script else [sys.executable, "-m", "mathreward"]


@pytest.mark.parametrize(
    ("gold", "response", "pred"),
    [
        ("14400", "Final Answer: The final answer is 14400. I hope it is correct.", "14400"),
        ("34", "Final Answer: The largest $n$ is 34.", "34"),
    ],
)
def test_cli_verify_reads_answer_sentences(tmp_path: Path, gold: str, response: str, pred: str) -> None:
    result = subprocess.run(
        [*_cli(), "verify", "--gold", gold, "--response", response],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    verdict = json.loads(result.stdout)
    assert (verdict["correct"], verdict["status"], verdict["pred"]) == (True, "correct", pred)


@pytest.mark.parametrize(
    ("flags", "expected"),
    [([], (False, "no_answer", None)), (["--unclosed-think", "read"], (True, "correct", "5"))],
)
def test_cli_verify_unclosed_think_option(tmp_path: Path, flags: list[str], expected: tuple) -> None:
    result = subprocess.run(
        [*_cli(), "verify", "--gold", "5", "--response", "<think>so the answer is 5", *flags],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    verdict = json.loads(result.stdout)
    assert (verdict["correct"], verdict["status"], verdict["pred"]) == expected
