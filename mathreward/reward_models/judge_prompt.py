"""The judge format: how a prompt and two responses become one text whose next token is the verdict "A" or "B".

The reward model never sees the verdict letter inside its input. Training and inference both feed the rendered judge
text and read the logits of the *next* token at the last position; the two letters are resolved once per tokenizer to
single token ids (with or without a leading space, whichever the tokenizer makes a single token after the template).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

DEFAULT_WITH_REFERENCE = (
    "Compare two responses to a math question.\n"
    "Question: {prompt}\n"
    "Reference answer: {reference}\n"
    "Response A: {response_a}\n"
    "Response B: {response_b}\n"
    "Which response is better? Reply with A or B.\n"
    "Better response:"
)
DEFAULT_WITHOUT_REFERENCE = (
    "Compare two responses to a math question.\n"
    "Question: {prompt}\n"
    "Response A: {response_a}\n"
    "Response B: {response_b}\n"
    "Which response is better? Reply with A or B.\n"
    "Better response:"
)
# "reference-last": the responses first, then the reference answer right before the verdict, and no boilerplate. The
# comparison a judge must make (which response's final answer is the reference?) then ends next to the verdict
# position; small models learn it in far fewer steps (docs/benchmarks/2026-12-05-demo.md has the numbers).
REFERENCE_LAST_WITH_REFERENCE = (
    "Question: {prompt}\n"
    "Response A: {response_a}\n"
    "Response B: {response_b}\n"
    "Reference answer: {reference}\n"
    "Better response:"
)
REFERENCE_LAST_WITHOUT_REFERENCE = (
    "Question: {prompt}\nResponse A: {response_a}\nResponse B: {response_b}\nBetter response:"
)
# "reference-each": the reference answer right after each response, so each response's final answer and the reference
# sit a few tokens apart (a local comparison), then the verdict.
REFERENCE_EACH_WITH_REFERENCE = (
    "Question: {prompt}\n"
    "Response A: {response_a}\n"
    "Reference answer: {reference}\n"
    "Response B: {response_b}\n"
    "Reference answer: {reference}\n"
    "Better response:"
)
# "reference-before": the reference answer right before each response, as the Bradley-Terry text has it, so each
# response's final answer is compared with a reference a few tokens back; the verdict follows the second response.
REFERENCE_BEFORE_WITH_REFERENCE = (
    "Question: {prompt}\n"
    "Reference answer: {reference}\n"
    "Response A: {response_a}\n"
    "Reference answer: {reference}\n"
    "Response B: {response_b}\n"
    "Better response:"
)
# "reference-match": each response is followed by its own letter, and the text ends with the reference answer, so the
# verdict letter is the token that follows the response ending in that answer: what an induction (copy-by-content)
# head of a pretrained LM predicts. Use with --response-lines 1 (the final answer line).
REFERENCE_MATCH_WITH_REFERENCE = (
    "Question: {prompt}\n"
    "Response A: {response_a} A\n"
    "Response B: {response_b} B\n"
    "The better response has the reference answer {reference}"
)
# Leading-space variants tried in order: " A" reads naturally after "Better response:"; "A" is the fallback for
# tokenizers where " A" is two tokens.
LETTER_PREFIXES = (" ", "")
TRUNCATION_LEAD = "... "
_PROBE = {"prompt": "What is 1+1?", "reference": "2", "response_a": "Answer: 2", "response_b": "Answer: 3"}


@dataclass
class JudgeTemplate:
    """Text templates of the judge prompt and the two verdict letters.

    ``with_reference`` is used when a pair carries a reference answer, ``without_reference`` otherwise. Both are
    ``str.format`` templates with the fields ``prompt``, ``response_a``, ``response_b`` (and ``reference``); the
    substituted texts are never parsed as templates, so braces in model output are harmless.
    """

    with_reference: str = DEFAULT_WITH_REFERENCE
    without_reference: str = DEFAULT_WITHOUT_REFERENCE
    letters: tuple[str, str] = ("A", "B")
    letter_prefix: str = " "
    letter_token_ids: list[int] = field(default_factory=list)
    response_lines: int | None = None  # show only the last N non-empty lines of each response (None: all of it)
    question_view: str = "full"  # "full", or "problem": the DAPO answer-format instructions around it removed

    def view_response(self, response: str) -> str:
        """The part of a response the judge reads: all of it, or its last ``response_lines`` lines (the final answer
        and the working just before it), marked with a leading ``...`` when lines were cut."""
        if self.response_lines is None:
            return response
        lines = [line for line in response.split("\n") if line.strip()]
        if len(lines) <= self.response_lines:
            return response
        return TRUNCATION_LEAD + "\n".join(lines[-self.response_lines :])

    def view_question(self, prompt: str) -> str:
        """The question the judge reads (``question_view="problem"`` drops DAPO-style instruction paragraphs)."""
        if self.question_view == "full":
            return prompt
        if self.question_view != "problem":
            raise ValueError(f"unknown question_view {self.question_view!r}; use 'full' or 'problem'")
        paragraphs = prompt.split("\n\n")
        if len(paragraphs) > 1 and "$Answer" in paragraphs[0]:
            paragraphs = paragraphs[1:]
        if len(paragraphs) > 1 and paragraphs[-1].lstrip().startswith("Remember to put your answer"):
            paragraphs = paragraphs[:-1]
        return "\n\n".join(paragraphs)

    def render(self, prompt: str, response_a: str, response_b: str, reference: str | None = None) -> str:
        """The judge text for one ordered pair; its next token should be the letter of the better response."""
        prompt = self.view_question(prompt)
        response_a, response_b = self.view_response(response_a), self.view_response(response_b)
        if reference is not None and reference != "":
            return self.with_reference.format(
                prompt=prompt, reference=reference, response_a=response_a, response_b=response_b
            )
        return self.without_reference.format(prompt=prompt, response_a=response_a, response_b=response_b)

    def to_dict(self) -> dict:
        """JSON-serialisable form (saved next to the model weights)."""
        data = asdict(self)
        data["letters"] = list(self.letters)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> JudgeTemplate:
        """Inverse of :meth:`to_dict`."""
        data = dict(data)
        data["letters"] = tuple(data.get("letters", ("A", "B")))
        return cls(**data)

    def resolve_letters(self, tokenizer: Any) -> JudgeTemplate:
        """Fix ``letter_prefix`` and ``letter_token_ids`` so each letter is exactly one token after the template.

        For each prefix variant, the probe judge text is tokenized with and without the letter appended; the
        variant is accepted when the text's tokens are an unchanged prefix and exactly one token follows, for both
        letters, and the two tokens differ. Raises ``ValueError`` when no variant works.
        """
        for text in (self.render(**_PROBE), self.render(**{**_PROBE, "reference": None})):
            base = tokenizer(text, add_special_tokens=True)["input_ids"]
            chosen = None
            for prefix in LETTER_PREFIXES:
                ids = []
                for letter in self.letters:
                    full = tokenizer(text + prefix + letter, add_special_tokens=True)["input_ids"]
                    if len(full) == len(base) + 1 and full[: len(base)] == base:
                        ids.append(full[-1])
                if len(ids) == 2 and ids[0] != ids[1]:
                    chosen = (prefix, ids)
                    break
            if chosen is None:
                raise ValueError(
                    f"judge template: neither {[p + self.letters[0] for p in LETTER_PREFIXES]} is a single token "
                    "after the template with this tokenizer; change the template's last line or the letters"
                )
            if self.letter_token_ids and list(chosen[1]) != list(self.letter_token_ids):
                raise ValueError("judge template: the two templates resolve the letters to different token ids")
            self.letter_prefix, self.letter_token_ids = chosen[0], list(chosen[1])
        return self


TEMPLATES = {
    "default": (DEFAULT_WITH_REFERENCE, DEFAULT_WITHOUT_REFERENCE),
    "reference-last": (REFERENCE_LAST_WITH_REFERENCE, REFERENCE_LAST_WITHOUT_REFERENCE),
    "reference-each": (REFERENCE_EACH_WITH_REFERENCE, REFERENCE_LAST_WITHOUT_REFERENCE),
    "reference-match": (REFERENCE_MATCH_WITH_REFERENCE, REFERENCE_LAST_WITHOUT_REFERENCE),
    "reference-before": (REFERENCE_BEFORE_WITH_REFERENCE, REFERENCE_LAST_WITHOUT_REFERENCE),
}


def named_template(name: str, *, response_lines: int | None = None, question_view: str = "full") -> JudgeTemplate:
    """A fresh :class:`JudgeTemplate` from the registry (``default``, ``reference-last``) with the given views."""
    if name not in TEMPLATES:
        raise ValueError(f"unknown judge template {name!r}; choose from {sorted(TEMPLATES)}")
    if response_lines is not None and response_lines < 1:
        raise ValueError("response_lines must be at least 1 (or None for whole responses)")
    with_reference, without_reference = TEMPLATES[name]
    template = JudgeTemplate(with_reference, without_reference, response_lines=response_lines)
    template.question_view = question_view
    template.view_question("")  # refuses an unknown view now rather than at the first pair
    return template
