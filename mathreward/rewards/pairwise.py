"""The pairwise reward model as a reward: P(response better than an anchor response), as in Pairwise-PPO.

Anchor rules, per row:
- ``fields["references"][i]`` (a reference solution) when present and non-empty, if ``anchor="reference"`` (then the
  ``references`` field itself is required: a call without it raises ``MissingReferences``);
- otherwise the first response of the row's group (``fields["group_ids"]``; without group ids the whole batch is one
  group). The anchor response itself gets p = 0.5 by symmetry without calling the model.
The score is p (``output="prob"``) or 2p - 1 (``output="centered"``, the default: 0 means "as good as the anchor").

``answer_gate`` (an extraction style such as ``"dapo"``; default off) is a format gate, as rule-based format rewards
are paired with reward models: a response with no final answer in that style gets p = 0 (score -1 centered) and fails
the verdict without a judgement; the judge still decides every answered response. Under long RL the judge alone lets
the policy drift to answers without the answer line (docs/benchmarks/rl-sweeps.md); the gate closes that door.

Against a reference anchor (a correct solution) a correct response ties (p near 0.5) and a wrong one loses (p near
0), so ``extras["judged_correct"]`` = p >= ``verdict_threshold`` (default 0.25, halfway) is the judge's own pass/fail:
the RL trainer's dynamic sampling filters on it, and its disagreement with the verifier is logged.

Identical rows (same prompt, response, anchor and gold) are judged once per call: late in RL most of a group's
responses are the same short answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mathreward.errors import UserError
from mathreward.rewards.base import Reward, RewardResult, check_batch

ANCHORS = ("reference", "first")


class MissingReferences(UserError):
    """A pairwise reward anchored on references was called without the ``references`` field."""


OUTPUTS = ("centered", "prob")


class PairwiseReward(Reward):
    """Reward from a trained generative pairwise reward model (``mathreward rm train``)."""

    name = "pairwise"

    def __init__(
        self,
        model_path: str | None = None,
        anchor: str = "reference",
        output: str = "centered",
        batch_size: int = 16,
        device: str | None = None,
        verdict_threshold: float = 0.25,
        answer_gate: str | None = None,
        *,
        model=None,
    ) -> None:
        """Load the model from ``model_path`` (a folder or hub id), or use an already built ``PairwiseRM``."""
        from mathreward.verifiers.extraction import STYLES

        if answer_gate is not None and answer_gate not in STYLES:
            raise ValueError(f"answer_gate must be one of {STYLES} or None, got {answer_gate!r}")
        if anchor not in ANCHORS:
            raise ValueError(f"anchor must be one of {ANCHORS}, got {anchor!r}")
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
        if model is None:
            if model_path is None:
                raise ValueError("PairwiseReward needs model_path (or a loaded model=)")
            from mathreward.reward_models.pairwise_model import PairwiseRM

            model = PairwiseRM.from_pretrained(model_path, device=device)
        self.model = model
        self.anchor = anchor
        self.output = output
        self.batch_size = batch_size
        self.verdict_threshold = float(verdict_threshold)
        self.answer_gate = answer_gate

    def _unanswered(self, responses: Sequence[str]) -> set[int]:
        """Rows the answer gate fails: no final answer in the ``answer_gate`` style (none without a gate)."""
        if self.answer_gate is None:
            return set()
        from mathreward.verifiers.extraction import extract_answer

        return {i for i, text in enumerate(responses) if extract_answer(text, self.answer_gate) is None}

    def _to_score(self, p: float) -> float:
        return 2.0 * p - 1.0 if self.output == "centered" else p

    def score(
        self, prompts: Sequence[str] | None, responses: Sequence[str], golds: Sequence[str | None], **fields: Any
    ) -> list[RewardResult]:
        """One result per response: score from p_win against the row's anchor (extras: p_win, anchor kind)."""
        prompt_list = check_batch(prompts, responses, golds, fields)
        n = len(responses)
        references = fields.get("references")
        if references is None and self.anchor == "reference":
            raise MissingReferences(
                "the pairwise reward with anchor='reference' needs references= (one reference solution per row; "
                "`mathreward score --reference-field FIELD`), or build it with anchor='first'"
            )
        references = references or [None] * n
        group_ids = fields.get("group_ids") or [0] * n
        first_of_group: dict[Any, int] = {}
        for i, group in enumerate(group_ids):
            first_of_group.setdefault(group, i)

        p_win: list[float] = [0.5] * n  # rows in `todo` are judged below; the others are their group's anchor
        kinds: list[str] = [""] * n
        todo: list[int] = []
        anchors: list[str] = [""] * n
        gated = self._unanswered(responses)
        for i in range(n):
            reference = references[i]
            if i in gated:
                p_win[i], kinds[i] = 0.0, "gate"  # no final answer: loses without a judgement
            elif self.anchor == "reference" and isinstance(reference, str) and reference.strip():
                anchors[i], kinds[i] = reference, "reference"
                todo.append(i)
            elif first_of_group[group_ids[i]] == i:
                p_win[i], kinds[i] = 0.5, "self"  # the anchor against itself: 0.5 by symmetry
            else:
                anchors[i], kinds[i] = responses[first_of_group[group_ids[i]]], "first"
                todo.append(i)
        if todo:
            # One judgement per distinct (prompt, response, anchor, gold): RL groups repeat the same short answer.
            slot_of: dict[tuple[str, str, str, str | None], int] = {}
            slots = [
                slot_of.setdefault((prompt_list[i], responses[i], anchors[i], golds[i]), len(slot_of)) for i in todo
            ]
            distinct = list(slot_of)
            probs = self.model.prob_batch(
                [key[0] for key in distinct],
                [key[1] for key in distinct],
                [key[2] for key in distinct],
                [key[3] for key in distinct],
                batch_size=self.batch_size,
            )
            for i, slot in zip(todo, slots, strict=True):
                p_win[i] = probs[slot]
        return [
            RewardResult(
                score=self._to_score(float(p)),
                correct=None,
                pred=None,
                status="ok",
                extras={
                    "p_win": float(p),
                    "anchor": kind,
                    **({"judged_correct": p >= self.verdict_threshold} if kind == "reference" else {}),
                    **({"judged_correct": False} if kind == "gate" else {}),
                },
            )
            for p, kind in zip(p_win, kinds, strict=True)
        ]
