"""The Bradley-Terry baseline: a scalar head on the last token of the same base model.

``AutoModelForSequenceClassification`` with ``num_labels=1`` built from the causal LM checkpoint (its LM head is
dropped, a fresh linear ``score`` head is added), trained with -log sigmoid(s_chosen - s_rejected) as in TRL's
RewardTrainer. P(a better than b) = sigmoid((s_a - s_b) / T).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from mathreward.devices import inference_dtype, resolve_device
from mathreward.reward_models.checkpoint_files import SavedRewardModel, load_tokenizer, read_rm_config
from mathreward.reward_models.data import Refs, Texts
from mathreward.reward_models.encoding import encode_left_padded

BT_WITH_REFERENCE = "Question: {prompt}\nReference answer: {reference}\nResponse: {response}\nEnd of response."
BT_WITHOUT_REFERENCE = "Question: {prompt}\nResponse: {response}\nEnd of response."


def render_single(prompt: str, response: str, reference: str | None = None) -> str:
    """The text a Bradley-Terry model scores for one response."""
    if reference is not None and reference != "":
        return BT_WITH_REFERENCE.format(prompt=prompt, reference=reference, response=response)
    return BT_WITHOUT_REFERENCE.format(prompt=prompt, response=response)


def build_bt_model(base_path: str | Path, tokenizer: Any, dtype: torch.dtype = torch.float32) -> Any:
    """A sequence-classification model with one output from a causal LM checkpoint (new ``score`` head)."""
    from transformers import AutoModelForSequenceClassification
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # the "lm_head unexpected / score missing" load report is the intended outcome
    try:
        model = AutoModelForSequenceClassification.from_pretrained(str(base_path), num_labels=1, dtype=dtype)
    finally:
        hf_logging.set_verbosity(verbosity)
    model.config.pad_token_id = tokenizer.pad_token_id
    return model


class BTRewardModel(SavedRewardModel):
    """Scalar reward model scoring one response at a time; pair probabilities from score differences."""

    objective = "bt"

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        temperature: float = 1.0,
        max_length: int | None = 1024,
        calibration: dict | None = None,
        response_lines: int | None = None,
        question_view: str = "full",
    ):
        from mathreward.reward_models.judge_prompt import JudgeTemplate

        self.model = model
        self.tokenizer = tokenizer
        # The same views of question and response as the pairwise judge's (a fair baseline reads the same text).
        self.views = JudgeTemplate(response_lines=response_lines, question_view=question_view)
        self.temperature = float(temperature)
        self.max_length = max_length
        self.calibration = calibration or {}

    @classmethod
    def from_pretrained(
        cls, path: str | Path, device: str | torch.device | None = None, dtype: str | torch.dtype | None = None
    ) -> BTRewardModel:
        """Load a folder written by ``mathreward rm train --objective bt``."""
        from transformers import AutoModelForSequenceClassification

        device = resolve_device(device)
        config = read_rm_config(path)
        if config.get("objective") != "bt":
            raise ValueError(f"{path}: not a Bradley-Terry reward model (objective {config.get('objective')!r})")
        tokenizer = load_tokenizer(path)
        model = AutoModelForSequenceClassification.from_pretrained(str(path), dtype=inference_dtype(device, dtype))
        model.to(device).eval()
        return cls(
            model,
            tokenizer,
            temperature=config.get("temperature", 1.0),
            max_length=config.get("max_length", 1024),
            calibration=config.get("calibration"),
            response_lines=config.get("response_lines"),
            question_view=config.get("question_view", "full"),
        )

    def config_dict(self) -> dict:
        """What is saved next to the weights."""
        return {
            "objective": self.objective,
            "temperature": self.temperature,
            "max_length": self.max_length,
            "calibration": self.calibration,
            "response_lines": self.views.response_lines,
            "question_view": self.views.question_view,
        }

    def text(self, prompt: str, response: str, reference: str | None = None) -> str:
        """The scored text, the response's tail cut to fit ``max_length`` tokens."""
        prompt, response = self.views.view_question(prompt), self.views.view_response(response)
        text = render_single(prompt, response, reference)
        if self.max_length is None or len(self.tokenizer(text)["input_ids"]) <= self.max_length:
            return text
        room = self.max_length - len(self.tokenizer(render_single(prompt, "", reference))["input_ids"]) - 2
        ids = self.tokenizer(response, add_special_tokens=False)["input_ids"][: max(1, room)]
        return render_single(prompt, self.tokenizer.decode(ids) + " ...", reference)

    def scores(
        self,
        prompts: list[str],
        responses: list[str],
        references: Sequence[str | None] | None = None,
        *,
        batch_size: int = 16,
    ) -> np.ndarray:
        """Raw scalar rewards, one per (prompt, response)."""
        refs: Sequence[str | None] = references if references is not None else [None] * len(prompts)
        out = []
        for start in range(0, len(prompts), batch_size):
            texts = [
                self.text(p, r, ref)
                for p, r, ref in zip(
                    prompts[start : start + batch_size],
                    responses[start : start + batch_size],
                    refs[start : start + batch_size],
                    strict=True,
                )
            ]
            batch = encode_left_padded(self.tokenizer, texts, self.device)
            with torch.no_grad():
                out.append(self.model(**batch).logits[:, 0].double().cpu().numpy())
        return np.concatenate(out) if out else np.zeros(0)

    def score_diffs(
        self, prompts: Texts, responses_a: Texts, responses_b: Texts, references: Refs = None, *, batch_size: int = 16
    ) -> np.ndarray:
        """s(a) - s(b) per item (uncalibrated)."""
        n = len(prompts)
        refs: list[str | None] = list(references) if references is not None else [None] * n
        both = self.scores(list(prompts) * 2, list(responses_a) + list(responses_b), refs * 2, batch_size=batch_size)
        return both[:n] - both[n:]

    def prob_batch(
        self, prompts: Texts, responses_a: Texts, responses_b: Texts, references: Refs = None, *, batch_size: int = 16
    ) -> list[float]:
        """P(a better than b) = sigmoid((s_a - s_b) / T)."""
        diffs = self.score_diffs(prompts, responses_a, responses_b, references, batch_size=batch_size)
        return [float(1.0 / (1.0 + np.exp(-d / self.temperature))) for d in diffs]

    def prob(self, prompt: str, response_a: str, response_b: str, reference: str | None = None) -> float:
        """P(``response_a`` better than ``response_b``)."""
        return self.prob_batch([prompt], [response_a], [response_b], [reference])[0]
