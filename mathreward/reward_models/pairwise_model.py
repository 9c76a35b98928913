"""The generative pairwise reward model: a causal LM that answers "A" or "B" to a judge prompt.

P(a better than b) is read from the softmax over the two letter logits at the last position and averaged over both
orders, p = (p(A | a, b) + 1 - p(A | b, a)) / 2, so p(a, b) + p(b, a) = 1. A fitted temperature divides the letter
logit difference before the softmax (calibration).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from mathreward.devices import inference_dtype, resolve_device
from mathreward.reward_models.checkpoint_files import (
    SavedRewardModel,
    load_tokenizer,
    read_rm_config,
)
from mathreward.reward_models.data import Refs, Texts
from mathreward.reward_models.encoding import encode_left_padded, fit_responses
from mathreward.reward_models.judge_prompt import JudgeTemplate


def order_probability(diff_ab: np.ndarray, diff_ba: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Order-averaged P(a better than b) from letter logit differences (logit A - logit B) of both orders."""
    p_ab = 1.0 / (1.0 + np.exp(-np.asarray(diff_ab, dtype=np.float64) / temperature))
    p_ba = 1.0 / (1.0 + np.exp(-np.asarray(diff_ba, dtype=np.float64) / temperature))
    return 0.5 + 0.5 * (p_ab - p_ba)


class PairwiseRM(SavedRewardModel):
    """A causal LM judging ordered response pairs through the next-token logits of two letters."""

    objective = "pairwise"

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        template: JudgeTemplate | None = None,
        *,
        temperature: float = 1.0,
        max_length: int | None = 1024,
        calibration: dict | None = None,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.template = (template or JudgeTemplate()).resolve_letters(tokenizer)
        self.temperature = float(temperature)
        self.max_length = max_length
        self.calibration = calibration or {}

    @classmethod
    def from_pretrained(
        cls,
        path_or_hub_id: str | Path,
        device: str | torch.device | None = None,
        dtype: str | torch.dtype | None = None,
    ) -> PairwiseRM:
        """Load a trained model folder (or any causal LM, local dir or hub id, with the default template).

        On a GPU the weights load in bf16 (fp16 where bf16 is unsupported) unless ``dtype`` says otherwise.
        """
        from transformers import AutoModelForCausalLM

        device = resolve_device(device)
        config = read_rm_config(path_or_hub_id) if Path(str(path_or_hub_id)).is_dir() else {}
        if config.get("objective", "pairwise") != "pairwise":
            raise ValueError(f"{path_or_hub_id}: is a {config['objective']!r} reward model, not a pairwise one")
        tokenizer = load_tokenizer(path_or_hub_id)
        model = AutoModelForCausalLM.from_pretrained(str(path_or_hub_id), dtype=inference_dtype(device, dtype))
        # transformers' PreTrainedModel.to is decorated with functools.wraps, whose typeshed type (_Wrapped) has no
        # __get__: pyright sees it unbound and takes `device` for `self`. At run time it is an ordinary method.
        model.to(device).eval()  # pyright: ignore[reportArgumentType]
        template = JudgeTemplate.from_dict(config["template"]) if "template" in config else None
        return cls(
            model,
            tokenizer,
            template,
            temperature=config.get("temperature", 1.0),
            max_length=config.get("max_length", 1024),
            calibration=config.get("calibration"),
        )

    def config_dict(self) -> dict:
        """What is saved next to the weights: objective, template, temperature, max length, calibration record."""
        return {
            "objective": self.objective,
            "template": self.template.to_dict(),
            "temperature": self.temperature,
            "max_length": self.max_length,
            "calibration": self.calibration,
        }

    def judge_text(self, prompt: str, response_a: str, response_b: str, reference: str | None = None) -> str:
        """The judge text for one ordered pair, responses shortened to fit ``max_length`` tokens."""
        return fit_responses(
            self.tokenizer,
            lambda a, b: self.template.render(prompt, a, b, reference),
            response_a,
            response_b,
            self.max_length,
        )

    def letter_logits(self, texts: list[str]) -> torch.Tensor:
        """``[n, 2]`` float32 logits of the letters A, B as the next token after each judge text (no grad)."""
        batch = encode_left_padded(self.tokenizer, texts, self.device)
        with torch.no_grad():
            logits = self.model(**batch).logits[:, -1, :]
        return logits[:, self.template.letter_token_ids].float()

    def order_logit_diffs(
        self, prompts: Texts, responses_a: Texts, responses_b: Texts, references: Refs = None, *, batch_size: int = 16
    ) -> tuple[np.ndarray, np.ndarray]:
        """Raw (uncalibrated) logit A - logit B for the order (a, b) and for the order (b, a), per item.

        Items are processed in a canonical orientation (the pair of texts in sorted order) so that scoring (a, b)
        and (b, a) in the same batch context run the very same forward passes; this is what makes
        p(a, b) + p(b, a) == 1 hold exactly, not just up to float error.
        """
        n = len(prompts)
        if not (len(responses_a) == len(responses_b) == n) or (references is not None and len(references) != n):
            raise ValueError("prompts, responses_a, responses_b (and references) must have the same length")
        refs: list[str | None] = list(references) if references is not None else [None] * n
        diff_ab = np.zeros(n, dtype=np.float64)
        diff_ba = np.zeros(n, dtype=np.float64)
        for start in range(0, n, batch_size):
            items = range(start, min(n, start + batch_size))
            texts, swapped = [], []
            for i in items:
                first, second = responses_a[i], responses_b[i]
                swap = second < first
                if swap:
                    first, second = second, first
                swapped.append(swap)
                texts.append(self.judge_text(prompts[i], first, second, refs[i]))
                texts.append(self.judge_text(prompts[i], second, first, refs[i]))
            logits = self.letter_logits(texts).double().cpu().numpy()
            diffs = logits[:, 0] - logits[:, 1]
            for k, i in enumerate(items):
                forward, backward = diffs[2 * k], diffs[2 * k + 1]
                diff_ab[i], diff_ba[i] = (backward, forward) if swapped[k] else (forward, backward)
        return diff_ab, diff_ba

    def prob_batch(
        self, prompts: Texts, responses_a: Texts, responses_b: Texts, references: Refs = None, *, batch_size: int = 16
    ) -> list[float]:
        """P(a better than b) per item, order-averaged and temperature-calibrated."""
        diff_ab, diff_ba = self.order_logit_diffs(prompts, responses_a, responses_b, references, batch_size=batch_size)
        probs = []
        for i in range(len(prompts)):
            # Compute in the canonical orientation and mirror, so p(b, a) is exactly 1 - p(a, b).
            if responses_b[i] < responses_a[i]:
                probs.append(1.0 - float(order_probability(diff_ba[i], diff_ab[i], self.temperature)))
            else:
                probs.append(float(order_probability(diff_ab[i], diff_ba[i], self.temperature)))
        return probs

    def prob(self, prompt: str, response_a: str, response_b: str, reference: str | None = None) -> float:
        """P(``response_a`` better than ``response_b``) for one prompt."""
        return self.prob_batch([prompt], [response_a], [response_b], [reference])[0]
