"""Rule-based checking of a model's final answer against a gold answer: exact, fast and safe on hostile output.

``verify(response, gold)`` extracts the final answer (``extraction``), compares it with the exact fast path
(``compare``/``exact``: integers, decimals, fractions, radicals, pi, shapes; no sympy) and, when that cannot decide,
with sympy in a guarded worker process (``symbolic``/``guard``) that is killed at the deadline.
"""

from .core import Verdict, is_equivalent, verify, verify_batch
from .extraction import Extraction, extract, extract_answer, read_gold
from .parsing import ParsedAnswer, parse_answer

__all__ = [
    "Extraction",
    "ParsedAnswer",
    "Verdict",
    "extract",
    "extract_answer",
    "is_equivalent",
    "parse_answer",
    "read_gold",
    "verify",
    "verify_batch",
]
