"""Cut a raw model output down to the text that can hold its final answer, before any extraction.

Trainers and inference servers hand the verifier more than the answer text:

- **Chat-template tokens.** Decoding with special tokens kept (OpenRLHF's ``skip_special_tokens=False``, vLLM's kept
  stop token) leaves ``<|im_end|>``, ``</s>``, ``<|eot_id|>``, ``<|endoftext|>``, ``<end_of_turn>``,
  ``<｜end▁of▁sentence｜>`` at the end, sometimes followed by a new ``<|im_start|>user ...`` turn the model went on to
  write, with an invented assistant reply after it. ``strip_end_of_turn`` reads a text that begins with a turn marker
  (or a beginning-of-sequence token) as a decoded prompt+response and keeps its last assistant turn; any other text
  is a response, which ends at its first end-of-turn marker (the turns it went on to invent are never read). Either
  way the kept turn runs up to its first end-of-turn marker; a text without any such token comes back unchanged
  (same object), so exact reproductions of other verifiers keep their numbers.
- **Reasoning tags.** R1-style output reasons inside ``<think> ... </think>``; the final answer is what follows the
  last ``</think>``. A ``<think>`` that never closes means the model ran out of budget while reasoning: there is no
  final answer (``None``), unless ``unclosed_think="read"`` asks to read it anyway. R1-Zero-style output puts the
  answer in ``<answer> ... </answer>``: the last such block is the region.
- **Doubled backslashes.** Text that went through one JSON/str escape too many (``\\\\frac{1}{2}``,
  ``\\\\boxed{5}``): when every run of backslashes has even length and a doubled one starts a command, the runs are
  halved.

Every scan is a ``str.find``/``rfind`` or one compiled regex over the (already bounded) text: linear, no
backtracking.
"""

from __future__ import annotations

import re

__all__ = ["UNCLOSED_THINK", "answer_region", "halve_backslashes", "strip_end_of_turn"]

UNCLOSED_THINK = ("no_answer", "read")

# Tokens that end a turn, and tokens that open the next one (a turn the model went on to write ends ours).
_END_TOKENS = (
    "<|im_end|>",
    "</s>",
    "<|eot_id|>",
    "<|eom_id|>",
    "<|endoftext|>",
    "<|end_of_text|>",
    "<|end|>",
    "<end_of_turn>",
    "<eos>",
    "<｜end▁of▁sentence｜>",
    "<|im_start|>",
    "<start_of_turn>",
    "<|start_header_id|>",
    "<|user|>",
    "<｜User｜>",
)
_END_RE = re.compile("|".join(re.escape(token) for token in _END_TOKENS))
# The start of an assistant turn in a decoded prompt+response (ChatML, Llama 3, Gemma, DeepSeek, Phi).
_ASSISTANT_RE = re.compile(
    r"<\|im_start\|>\s*assistant\b|<\|start_header_id\|>\s*assistant\s*<\|end_header_id\|>"
    r"|<start_of_turn>\s*model\b|<｜Assistant｜>|<\|assistant\|>"
)
# A decoded prompt+response begins with one of these (a response never does).
_TURN_START_RE = re.compile(
    r"<\|im_start\|>|<\|start_header_id\|>|<start_of_turn>|<｜User｜>|<｜Assistant｜>|<\|user\|>|<\|system\|>"
    r"|<\|assistant\|>"
)
_BOS_RE = re.compile(r"<\|begin_of_text\|>|<｜begin▁of▁sentence｜>|<s>|<bos>")
# Tokens that carry no text anywhere: beginning of sequence, padding.
_NOISE_RE = re.compile(
    r"<\|begin_of_text\|>|<｜begin▁of▁sentence｜>|<s>|<bos>|<pad>|<\|pad\|>|<\|finetune_right_pad_id\|>"
)
_THINK_OPEN = "<think>"
_THINK_CLOSE = "</think>"
_ANSWER_OPEN_RE = re.compile(r"<answer>", re.IGNORECASE)
_ANSWER_CLOSE_RE = re.compile(r"</answer>", re.IGNORECASE)
# a run of an odd number of backslashes that is not a string escape (an escaped text keeps \" \n \t \r escapes)
_ODD_RUN_RE = re.compile(r"(?<!\\)\\(?:\\\\)*(?![\\\"ntr])")
_DOUBLED_COMMAND_RE = re.compile(r"(?<!\\)\\\\[A-Za-z]")  # "\\frac": a doubled command
_ESCAPES = {"n": "\n", "t": "\t", "r": " ", '"': '"'}
_RUN_RE = re.compile(r"(\\+)([ntr\"]?)")


def strip_end_of_turn(text: str) -> str:
    """The assistant's text without chat-template tokens: the last assistant turn when the text is a decoded
    prompt+response (it begins with a turn marker), else the response itself, up to its first end-of-turn marker; a
    text with no such token is returned as it is."""
    if "<" not in text:
        return text
    decoded_prompt = _BOS_RE.match(text.lstrip()) is not None
    if _NOISE_RE.search(text) is not None:
        text = _NOISE_RE.sub("", text)
    last_start = None
    if decoded_prompt or _TURN_START_RE.match(text.lstrip()) is not None:
        for last_start in _ASSISTANT_RE.finditer(text):  # noqa: B007 - the last one is wanted
            pass
    begin = last_start.end() if last_start is not None else 0
    while True:
        end = _END_RE.search(text, begin)
        if end is None:
            return text[begin:] if begin else text
        if text[begin : end.start()].strip():
            return text[begin : end.start()]
        begin = end.end()  # a marker before any content ("<|im_end|>" right after the turn start) is skipped


def answer_region(text: str, unclosed_think: str = "no_answer") -> str | None:
    """The part of a response that holds its final answer (see the module docstring); None when it has none."""
    if unclosed_think not in UNCLOSED_THINK:
        raise ValueError(f"unclosed_think must be one of {UNCLOSED_THINK}, got {unclosed_think!r}")
    text = strip_end_of_turn(text)
    if "<" in text:
        close = text.rfind(_THINK_CLOSE)
        open_ = text.rfind(_THINK_OPEN)
        if close >= 0 and close > open_:
            text = text[close + len(_THINK_CLOSE) :]
        elif open_ >= 0:
            if unclosed_think == "no_answer":
                return None
            text = text[:open_] + " " + text[open_ + len(_THINK_OPEN) :]
        text = _last_answer_block(text)
    return halve_backslashes(text)


def _last_answer_block(text: str) -> str:
    """The content of the last ``<answer>`` block (up to ``</answer>`` or the end), else the text itself."""
    opened = None
    for opened in _ANSWER_OPEN_RE.finditer(text):  # noqa: B007 - the last one is wanted
        pass
    if opened is None:
        return text
    closed = _ANSWER_CLOSE_RE.search(text, opened.end())
    inner = text[opened.end() : closed.start() if closed is not None else len(text)]
    return inner if inner.strip() else text


def halve_backslashes(text: str) -> str:
    """``\\\\frac{1}{2}`` -> ``\\frac{1}{2}`` when the whole text is escaped once too often (every run of
    backslashes has even length and a doubled one starts a command); any other text comes back unchanged."""
    if "\\\\" not in text or _DOUBLED_COMMAND_RE.search(text) is None or _ODD_RUN_RE.search(text) is not None:
        return text
    return _RUN_RE.sub(_halve, text)


def _halve(match: re.Match[str]) -> str:
    run, after = match.group(1), match.group(2)
    if len(run) % 2 and after:
        return "\\" * (len(run) // 2) + _ESCAPES[after]  # a string escape of the escaped text: \n, \"
    return "\\" * (len(run) // 2) + after
