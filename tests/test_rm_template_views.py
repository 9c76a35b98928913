"""Judge templates and views: what the judge (and the Bradley-Terry baseline) read, hand-worked."""

from __future__ import annotations

import pytest

from mathreward.reward_models.judge_prompt import TEMPLATES, JudgeTemplate, named_template

DAPO_STYLE = (
    "Solve the math problem. The last line of your response should be of the form Answer: $Answer.\n\n"
    "Ann has 2 pens. Ann finds 1 more. How many pens does Ann have now?\n\n"
    'Remember to put your answer on its own line after "Answer:".'
)


def test_views_keep_the_final_lines_and_the_bare_problem() -> None:
    template = named_template("reference-last", response_lines=1, question_view="problem")
    text = template.render(DAPO_STYLE, "2 + 1 = 3\nAnswer: 3", "2 + 1 = 4\n\nSo the total is 4.", "3")
    assert text == (
        "Question: Ann has 2 pens. Ann finds 1 more. How many pens does Ann have now?\n"
        "Response A: ... Answer: 3\n"
        "Response B: ... So the total is 4.\n"
        "Reference answer: 3\n"
        "Better response:"
    )
    # a response that fits is shown as is, and a view applied twice changes nothing (truncation re-renders)
    assert template.view_response("Answer: 3") == "Answer: 3"
    assert template.view_response(template.view_response("a\nb\nc")) == "... c"
    assert named_template("default").render("Q", "a\nb", "c", None) == TEMPLATES["default"][1].format(
        prompt="Q", response_a="a\nb", response_b="c"
    )


def test_question_view_keeps_questions_without_instructions() -> None:
    template = named_template("default", question_view="problem")
    assert template.view_question("What is 2+3?") == "What is 2+3?"
    assert template.view_question("Intro.\n\nWhat is 2+3?") == "Intro.\n\nWhat is 2+3?"  # no $Answer: kept


def test_reference_match_ends_with_the_reference_and_labels_each_response() -> None:
    template = named_template("reference-match", response_lines=1)
    assert template.render("Q", "1 + 1 = 2\nAnswer: 2", "Answer: 3", "2") == (
        "Question: Q\nResponse A: ... Answer: 2 A\nResponse B: Answer: 3 B\n"
        "The better response has the reference answer 2"
    )


def test_views_round_trip_through_the_saved_config_and_bad_names_fail() -> None:
    template = named_template("reference-each", response_lines=2, question_view="problem")
    assert JudgeTemplate.from_dict(template.to_dict()) == template
    with pytest.raises(ValueError, match="unknown judge template"):
        named_template("longest")
    with pytest.raises(ValueError, match="question_view"):
        named_template("default", question_view="summary")
    with pytest.raises(ValueError, match="response_lines"):
        named_template("default", response_lines=0)


def test_bradley_terry_baseline_reads_the_same_views() -> None:
    from mathreward.reward_models.bt_model import BTRewardModel, render_single
    from mathreward.reward_models.tiny_lm import train_tokenizer

    tok = train_tokenizer(["Question: Ann has 2 pens. Response: Answer: 3"] * 5, vocab_size=280)
    bt = BTRewardModel(None, tok, max_length=None, response_lines=1, question_view="problem")
    assert bt.text(DAPO_STYLE, "2 + 1 = 3\nAnswer: 3", "3") == render_single(
        "Ann has 2 pens. Ann finds 1 more. How many pens does Ann have now?", "... Answer: 3", "3"
    )
    assert bt.config_dict()["response_lines"] == 1 and bt.config_dict()["question_view"] == "problem"
