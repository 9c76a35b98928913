"""Answers the symbolic path reads nothing in, decided without sympy.

A rollout cut at the length limit just after a display opener (``... check by.\\n\\[``) or a lone backslash
(``... consider.\\n\\``) leaves the auto fallback an answer such as ``and which by. \\[`` or, once the clean-up drops
the backslash, ``consider.``. The exact path cannot place it and used to send it to the symbolic path, which reads
nothing there, so ``symbolic.symbolic_equal`` is False whatever the gold:

- ``symbolic.parse_symbolic`` wraps the answer in ``$...$`` for math-verify. With no ``$``, no ``]`` and no command but
  the one ``\\[``, math-verify finds no other LaTeX match in it (no ``\\]``, ``\\)``, ``$$``, ``\\boxed``, ``\\frac``,
  `` [...] `` after "answer"), so it reads the wrapper's whole content or nothing.
- latex2sympy2_extended's normalisation keeps the ``\\[`` and every ``.``: none of its rewrites touch them (``sqrt``,
  the one word it turns into a command that takes in the next character, is refused here).
- Its lexer has no token that begins with ``\\[``: reading stops there with a syntax error. A ``.`` outside a number
  is a PERIOD token, and no rule of its parser takes a PERIOD (nor any token at all by a wildcard): a syntax error
  too. A number never ends in a period (``5.`` is the number 5, then a period), and prose has no digit to make one.
- After a failed parse, math-verify tries the last side of an equation alone: no ``=`` follows the ``\\[``.

The exact path gives that verdict itself (``compare._never_equal``: "value mismatch").
``tests/test_verifiers_never_constant.py`` pins it against the symbolic path.
"""

from __future__ import annotations

__all__ = ["symbolic_unreadable", "cut_after_display_opener", "prose_with_period"]

MAX_CHARS = 400
_PROSE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ,.")


def _plain_enough(text: str) -> bool:
    """No second LaTeX match for math-verify and no rewrite that moves a character (see the module's docstring)."""
    return len(text) <= MAX_CHARS and "$" not in text and "]" not in text and "sqrt" not in text


def cut_after_display_opener(text: str) -> bool:
    """A cleaned answer whose one backslash is a ``\\[`` with no ``=`` after it (``and which by. \\[``,
    ``equation. \\[ x``)."""
    at = text.find("\\[")
    return at >= 0 and text.count("\\") == 1 and "=" not in text[at:] and _plain_enough(text)


def prose_with_period(text: str) -> bool:
    """A cleaned answer of ASCII letters, spaces, commas and periods, with a period (``consider.``,
    ``we carefully the.``, ``e.g``)."""
    return "." in text and _PROSE_CHARS.issuperset(text) and _plain_enough(text)


def symbolic_unreadable(text: str) -> bool:
    """Whether the symbolic path reads nothing in this cleaned single answer (one of the two shapes above)."""
    return cut_after_display_opener(text) or prose_with_period(text)
