"""Shared pytest configuration: the optional public datasets are located (``$MATHREWARD_DATA``).

The code is imported as the installed package ``mathreward`` (``pip install -e .``), never from the repository root.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DATA_VARIABLE = "MATHREWARD_DATA"  # names the folder of real public datasets (docs/getting-started.md)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real public datasets that ``$MATHREWARD_DATA`` names; tests using it skip without it."""
    folder = os.environ.get(DATA_VARIABLE, "")
    if not folder or not Path(folder).is_dir():
        pytest.skip(f"no public datasets: set {DATA_VARIABLE} to their folder (docs/getting-started.md)")
    return Path(folder)


@pytest.fixture(scope="session", autouse=True)
def verifier_workers_ready(request: pytest.FixtureRequest) -> None:
    """Start the verifier's worker pool once per session, before any test, when a test of the verifiers runs: one
    ``verify`` call charges worker start-up to its own deadline, so a short deadline in the first symbolic test of a
    session on a loaded machine would otherwise read as a timeout."""
    names = {Path(str(item.fspath)).name for item in request.session.items}
    if any(name.startswith(("test_verif", "test_extraction")) for name in names):
        from mathreward.verifiers.guard import default_pool

        default_pool().warm_up(1)
