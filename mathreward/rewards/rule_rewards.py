"""Rule rewards on our verifiers: ``dapo`` (+1/-1), ``binary`` (1/0), ``boxed`` (1/0) and ``format`` (a small bonus).

The correctness rewards send the whole batch through ``verifiers.verify_batch`` (a process pool with a per-item
deadline enforced from outside), so a hostile rollout costs at most ``timeout`` seconds and yields a ``timeout`` /
``error`` verdict for that row only. A call takes at most about ``ceil(n / workers) * timeout`` seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from operator import itemgetter
from typing import Any, TypeGuard

from mathreward.rewards.base import Reward, RewardResult, check_batch
from mathreward.verifiers.braces import last_box
from mathreward.verifiers.extraction import answer_marker


def _as_text(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else str(value)


def _all_text(values: Sequence[Any]) -> TypeGuard[Sequence[str]]:
    """Whether every value is a ``str`` (one pass in C)."""
    return set(map(type, values)) <= {str}


_CORRECT, _PRED, _STATUS = itemgetter(0), itemgetter(1), itemgetter(2)  # of a verdict's fields (verify_rows)


def _has_gold(gold: Any) -> bool:
    return gold is not None and (gold if type(gold) is str else _as_text(gold)).strip() != ""


class VerifierReward(Reward):
    """A reward of ``correct_score`` / ``wrong_score`` from the verifier's verdict under one extraction style.

    Every status other than "correct" (wrong, no_answer, timeout, error) gets ``wrong_score``; a row whose gold is
    missing gets ``no_gold_score`` with ``correct=None`` and status "no_gold" (it is not verified).

    ``budget`` (seconds, optional) caps the wall time of one ``score`` call whatever happens in the pool (worker
    restarts included): rows are verified in chunks, and rows whose chunk has not finished when the budget runs out
    get ``wrong_score`` with ``correct=None`` and status "timeout" (the abandoned chunk finishes in the background,
    bounded by the per-item deadlines). Without a budget a call takes about ``ceil(n_slow / workers) * timeout``.
    """

    name = "verifier"
    style = "auto"
    uses_prompts = False  # judged on response and gold only (`mathreward score` skips reading prompts)
    correct_score = 1.0
    wrong_score = 0.0

    def __init__(
        self,
        *,
        style: str | None = None,
        timeout: float = 5.0,
        workers: int | None = None,
        correct_score: float | None = None,
        wrong_score: float | None = None,
        no_gold_score: float = 0.0,
        budget: float | None = None,
        chunk_size: int = 64,
        **equivalence_options: Any,
    ) -> None:
        if style is not None:
            self.style = style
        if correct_score is not None:
            self.correct_score = float(correct_score)
        if wrong_score is not None:
            self.wrong_score = float(wrong_score)
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        self.timeout = float(timeout)
        self.workers = workers
        self.no_gold_score = float(no_gold_score)
        if budget is not None and budget <= 0:
            raise ValueError(f"budget must be positive, got {budget}")
        self.budget = budget
        self.chunk_size = max(1, int(chunk_size))
        from dataclasses import fields

        from mathreward.verifiers.compare import Options

        unknown = sorted(set(equivalence_options) - {item.name for item in fields(Options)})
        if unknown:  # checked when built, not on the first verification (a worker's traceback, after work)
            raise TypeError(f"unknown equivalence option(s): {', '.join(unknown)}")
        self.equivalence_options = equivalence_options

    def score(
        self, prompts: Sequence[str] | None, responses: Sequence[str], golds: Sequence[str | None], **fields: Any
    ) -> list[RewardResult]:
        """Verify every row with a gold answer through ``verify_batch``; rows keep their order."""
        check_batch(prompts, responses, golds, fields)
        rows, verdicts = self._verdicts(responses, golds)
        scored = dict(zip(rows, map(self._result, verdicts), strict=True))
        return [
            scored[i]
            if i in scored
            else RewardResult(self.no_gold_score, None, None, "no_gold", {"detail": "no gold answer given"})
            for i in range(len(responses))
        ]

    def score_columns(
        self, prompts: Sequence[str] | None, responses: Sequence[str], golds: Sequence[str | None], **fields: Any
    ) -> dict[str, list[Any]]:
        """``score``'s results as columns, built from the verdicts without a ``RewardResult`` per row."""
        own = (VerifierReward.score, VerifierReward._result, VerifierReward._verify)
        if self.budget is not None or (type(self).score, type(self)._result, type(self)._verify) != own:
            return super().score_columns(prompts, responses, golds, **fields)  # a budget, a subclass's own results
        check_batch(prompts, responses, golds, fields)
        rows, verdicts = self._verdicts(responses, golds, as_tuples=True)
        good, bad = self.correct_score, self.wrong_score
        correct = list(map(bool, map(_CORRECT, verdicts)))  # the tuples' fields read in C: no frame per row
        columns: dict[str, list[Any]] = {
            "score": [good if right else bad for right in correct],
            "correct": correct,
            "pred": list(map(_PRED, verdicts)),
            "status": list(map(_STATUS, verdicts)),
        }
        if len(rows) == len(responses):
            return columns
        filled = {"score": self.no_gold_score, "correct": None, "pred": None, "status": "no_gold"}
        out = {key: [value] * len(responses) for key, value in filled.items()}
        for key, values in columns.items():
            column = out[key]
            for row, value in zip(rows, values, strict=True):
                column[row] = value
        return out

    def _verdicts(
        self, responses: Sequence[str], golds: Sequence[str | None], as_tuples: bool = False
    ) -> tuple[list[int], list[Any]]:
        """The rows with a gold answer and their verdicts (None for rows the budget did not reach); ``as_tuples``:
        each verdict as the tuple of its fields (``verifiers.verify_rows``: no object per row on the fast lane)."""
        if _all_text(golds) and all(map(str.strip, golds)):  # every gold given as text (the common case)
            rows = list(range(len(golds)))
        else:
            rows = [i for i, gold in enumerate(golds) if _has_gold(gold)]
        if len(rows) == len(responses):
            texts = list(responses) if _all_text(responses) else [_as_text(r) for r in responses]
            gold_texts = list(golds) if _all_text(golds) else [_as_text(g) for g in golds]
        else:
            texts = [_as_text(responses[i]) for i in rows]
            gold_texts = [_as_text(golds[i]) for i in rows]
        if as_tuples:
            verdicts = self._verify_rows(texts, gold_texts) if rows else []
        elif self.budget is None:
            verdicts = self._verify(texts, gold_texts) if rows else []
        else:
            verdicts = self._verify_within_budget(texts, gold_texts, self.budget)
        if len(verdicts) != len(rows):
            raise RuntimeError(f"verify_batch returned {len(verdicts)} verdicts for {len(rows)} rows")
        return rows, verdicts

    def _result(self, verdict: Any) -> RewardResult:
        """A verified row's result; None (the budget ran out before the row) scores wrong with status timeout."""
        if verdict is None:
            detail = f"reward budget of {self.budget:g}s ran out before this row was verified"
            return RewardResult(self.wrong_score, None, None, "timeout", {"detail": detail})
        value = self.correct_score if verdict.correct else self.wrong_score
        return RewardResult(value, bool(verdict.correct), verdict.pred, verdict.status, {"detail": verdict.detail})

    def _verify(self, responses: list[str], golds: list[str]) -> list:
        from mathreward.verifiers import verify_batch

        return verify_batch(
            responses, golds, style=self.style, timeout=self.timeout, workers=self.workers, **self.equivalence_options
        )

    def _verify_rows(self, responses: list[str], golds: list[str]) -> list:
        from mathreward.verifiers import verify_rows

        return verify_rows(
            responses, golds, style=self.style, timeout=self.timeout, workers=self.workers, **self.equivalence_options
        )

    def _verify_within_budget(self, responses: list[str], golds: list[str], budget: float) -> list:
        """Chunks of rows, each run in a helper thread and waited for no longer than the ``budget`` (s) left."""
        deadline = time.monotonic() + float(budget)
        verdicts: list = [None] * len(responses)
        for start in range(0, len(responses), self.chunk_size):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            stop = min(start + self.chunk_size, len(responses))
            box: dict[str, Any] = {}

            def work(lo: int = start, hi: int = stop, out: dict[str, Any] = box) -> None:
                try:
                    out["verdicts"] = self._verify(responses[lo:hi], golds[lo:hi])
                except Exception as exc:  # noqa: BLE001 - reported per row below
                    out["error"] = exc

            thread = threading.Thread(target=work, name="reward-budget-chunk", daemon=True)
            thread.start()
            thread.join(remaining)
            if thread.is_alive():
                break
            if "error" in box:
                raise box["error"]
            verdicts[start:stop] = box["verdicts"]
        return verdicts

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(style={self.style!r}, correct={self.correct_score}, wrong={self.wrong_score}, "
            f"timeout={self.timeout}, workers={self.workers})"
        )


class DapoReward(VerifierReward):
    """DAPO's rule reward: +1 if the final ``Answer:`` line is equivalent to the gold, else -1 (no answer too)."""

    name = "dapo"
    style = "dapo"
    correct_score = 1.0
    wrong_score = -1.0


class BinaryReward(VerifierReward):
    """1 if the final answer (``Answer:`` line or box, whichever comes last, else the fallback) is right, else 0."""

    name = "binary"
    style = "auto"


class BoxedReward(VerifierReward):
    """1 if the last ``\\boxed{}`` / ``\\fbox{}`` is equivalent to the gold, else 0."""

    name = "boxed"
    style = "boxed"


_TEMPLATE_LABEL = "Answer:"  # the DAPO template's label, written exactly so: no markdown, no other word or language
_TAIL_CHARS = 4096
_MAX_ANSWER_CHARS = 300


def _last_line(text: str) -> str:
    tail = text[-_TAIL_CHARS:].rstrip()
    return tail.rsplit("\n", 1)[-1].strip()


def final_answer_format(response: str, style: str = "auto") -> str | None:
    """The answer of a well-formed final line, or None.

    Well-formed means the last non-empty line is ``Answer: X`` (styles "dapo"/"auto") or contains a balanced
    ``\\boxed{X}`` (styles "boxed"/"auto"), with a non-empty X of at most 300 characters.
    """
    if style not in ("dapo", "boxed", "auto"):
        raise ValueError(f"format style must be 'dapo', 'boxed' or 'auto', got {style!r}")
    line = _last_line(_as_text(response))
    answer: str | None = None
    if style in ("dapo", "auto"):
        marker = answer_marker(line, ("answer",))  # the verifiers' own reader of answer labels
        if marker is not None and line[: marker[1]].rstrip() == _TEMPLATE_LABEL:
            answer = line[marker[1] :].strip() or None
    if answer is None and style in ("boxed", "auto"):
        answer = last_box(line) or None  # the verifiers' own box finder
    if answer is None or len(answer) > _MAX_ANSWER_CHARS:
        return None
    return answer


class FormatReward(Reward):
    """``bonus`` (default 0.1) when the response ends with a well-formed answer line or box, else 0.

    It judges format only: ``correct`` is None, ``status`` is "formatted" or "unformatted"; no gold is needed.
    """

    name = "format"
    uses_prompts = False

    def __init__(self, bonus: float = 0.1, style: str = "auto", penalty: float = 0.0) -> None:
        final_answer_format("", style)  # validates the style
        self.bonus = float(bonus)
        self.penalty = float(penalty)
        self.style = style

    def score(
        self, prompts: Sequence[str] | None, responses: Sequence[str], golds: Sequence[str | None], **fields: Any
    ) -> list[RewardResult]:
        """Check the final line of every response; no verification, no pool."""
        check_batch(prompts, responses, golds, fields)
        results = []
        for response in responses:
            answer = final_answer_format(response, self.style)
            if answer is None:
                results.append(RewardResult(self.penalty, None, None, "unformatted", {}))
            else:
                results.append(RewardResult(self.bonus, None, answer, "formatted", {}))
        return results
