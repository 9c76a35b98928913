"""The options of ``mathreward rm train`` as one typed object, with the defaults that learn on the README's chain.

Light (no torch): the command line reads its defaults and help from here, and ``train.train_reward_model`` takes
the object. ``lr`` and ``epochs`` left as None are chosen by the model's size (``size_defaults``): a tiny model
trained from a toy policy (the demo's, a few million parameters) needs many passes at a high rate, a pretrained LM
needs one pass at a low one.
"""

from __future__ import annotations

from dataclasses import dataclass

TEMPLATES = ("default", "reference-last", "reference-each", "reference-match", "reference-before")
SMALL_MODEL_PARAMETERS = 50_000_000  # below: the tiny-model settings of size_defaults
SMALL_MODEL_LR, SMALL_MODEL_EPOCHS = 1e-3, 6.0
LARGE_MODEL_LR, LARGE_MODEL_EPOCHS = 5e-6, 1.0


@dataclass
class TrainConfig:
    """Options of ``mathreward rm train`` (see ``reward_models/commands.py`` for their help)."""

    model: str
    out: str
    objective: str = "pairwise"
    epochs: float | None = None  # None: by model size (size_defaults)
    lr: float | None = None  # None: by model size (size_defaults)
    batch_size: int = 16
    grad_accum: int = 1
    warmup_ratio: float = 0.05
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    max_length: int = 1024
    val_split: float = 0.1
    seed: int = 0
    resume: str | None = None
    save_every: int = 0
    letter_loss: str = "two-letter"  # cross-entropy over the two verdict letters: the probability the reward reads
    template: str = "reference-before"  # judge template name (pairwise objective), see reward_models/judge_prompt.py
    response_lines: int | None = None  # the judge reads only the last N lines of each response (None: all)
    question_view: str = "problem"  # "problem": the judge reads the problem without DAPO's format instructions
    progress: bool = True


def size_defaults(parameters: int) -> tuple[float, float]:
    """(learning rate, epochs) for a model of ``parameters`` parameters, where the user gave none."""
    if parameters < SMALL_MODEL_PARAMETERS:
        return SMALL_MODEL_LR, SMALL_MODEL_EPOCHS
    return LARGE_MODEL_LR, LARGE_MODEL_EPOCHS


SIZE_DEFAULTS_HELP = (
    f"by model size: {SMALL_MODEL_EPOCHS:g} epochs at lr {SMALL_MODEL_LR:g} under "
    f"{SMALL_MODEL_PARAMETERS // 1_000_000}M parameters (the demo's tiny policy), {LARGE_MODEL_EPOCHS:g} epoch at lr "
    f"{LARGE_MODEL_LR:g} above"
)
