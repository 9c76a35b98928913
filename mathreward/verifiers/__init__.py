"""Rule-based checking of a model's final answer against a gold answer: exact, fast and safe on hostile output.

``verify(response, gold)`` extracts the final answer, compares it with the exact path (no sympy) and, when that
cannot decide, with sympy in a guarded worker process that is killed at the deadline. The modules, by stage:

- read (find the answer in a response, unwrap a gold): ``turns`` (the text that can hold the final answer),
  ``extraction`` (answer line, boxes, math spans, last number), ``braces`` (brace matching, box finding),
  ``languages`` (answers written in other languages), ``choices`` (multiple-choice letters), ``commitment``
  (hedges, retractions and hidden text around the answer).
- clean (one answer's text before parsing): ``limits`` (size bounds, hostile input refused), ``normalize``
  (LaTeX/plain clean-up), ``symbols`` (symbol variants), ``forms`` (numbers with words or remarks around them),
  ``patterns`` (the small regexes several stages share: a command, a control character, a word).
- shapes (what kind of answer): ``structure`` (value, list, set, tuple/interval, union, matrix, equation),
  ``set_builder`` (set-builder notation as intervals), ``parsing`` (``parse_answer``: a bounded, classified parse).
- values (exact arithmetic without sympy): ``exact`` (rationals, roots, powers of pi), ``exact_value`` (one
  answer's exact value, for curation), ``angles`` (degrees against multiples of pi), ``parameters`` (general
  solutions with another parameter name), ``polynomial`` (answers that can never equal a constant),
  ``unreadable`` (answers the symbolic path reads nothing in).
- decide (gold against prediction): ``compare`` (structural comparison), ``verdict`` (``Verdict`` and the exact
  check), ``fast_lane`` (the commonest rows without extraction), ``core`` (``verify``, ``verify_batch``,
  ``verify_rows``, ``is_equivalent``).
- isolate (sympy, deadlines): ``deadline`` (the whole-call deadline in-process), ``guard`` (the pool of worker
  processes killed at the deadline), ``_worker`` (a worker's body), ``symbolic`` (the sympy path, in a worker only),
  ``identity`` (functions equal at many random points).
"""

from .core import Verdict, is_equivalent, verify, verify_batch, verify_rows
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
    "verify_rows",
]
