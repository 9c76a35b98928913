"""The judge format: how a prompt and two responses become one text whose next token is the verdict "A" or "B".

The reward model never sees the verdict letter inside its input. Training and inference both feed the rendered judge
text and read the logits of the *next* token at the last position; the two letters are resolved once per tokenizer to
single token ids (with or without a leading space, whichever the tokenizer makes a single token after the template).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

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
# Leading-space variants tried in order: " A" reads naturally after "Better response:"; "A" is the fallback for
# tokenizers where " A" is two tokens.
LETTER_PREFIXES = (" ", "")
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

    def render(self, prompt: str, response_a: str, response_b: str, reference: str | None = None) -> str:
        """The judge text for one ordered pair; its next token should be the letter of the better response."""
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

    def resolve_letters(self, tokenizer) -> JudgeTemplate:
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
