"""The small regular expressions that several verifier stages share, each written once.

All are linear on any input (no nested repeats), so they may see rollout text.
"""

from __future__ import annotations

import re

COMMAND_RE = re.compile(r"\\[A-Za-z]+")  # a LaTeX command: \frac, \text
# Control characters other than tab and newline: readers replace each by a space, so positions are kept and digits
# never join.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
LONG_WORD_RE = re.compile(r"[A-Za-z]{3,}")  # a run of three or more letters: prose rather than a variable
SPACE_THOUSANDS_RE = re.compile(r"[+-]?\d{1,3}(?: \d{3})+(?:[.,]\d+)?")  # "1 000 000", "12 345.5"
PLUS_MINUS_RE = re.compile(r"\\[pm]m(?![A-Za-z])")  # \pm or \mp
