"""The one exception base class for the user's mistakes (a bad option, file, row or field).

``mathreward``'s command line prints a ``UserError`` as one line (``mathreward <command>: error: ...``) and exits 2,
without a traceback; any other exception is a bug and keeps its traceback. Subclasses of ``ValueError``, so code
that caught ``ValueError`` before still does.
"""

from __future__ import annotations


class UserError(ValueError):
    """A one-line, user-facing problem: the command line prints it and exits 2 (no traceback)."""
