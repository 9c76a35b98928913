"""Shared pytest configuration: shared data is located.

The code is imported as the installed package ``mathreward`` (``pip install -e .``), never from the repository root.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real public datasets beside the checkout; tests using it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session", autouse=True)
def verifier_workers_ready(request: pytest.FixtureRequest) -> None:
    """Start the verifier's worker pool once per session, before any test, when a test of the verifiers runs: one
    ``verify`` call charges worker start-up to its own deadline, so a short deadline in the first symbolic test of a
    session on a loaded machine would otherwise read as a timeout."""
    names = {Path(str(item.fspath)).name for item in request.session.items}
    if any(name.startswith(("test_verif", "test_extraction")) for name in names):
        from mathreward.verifiers.guard import default_pool

        default_pool().warm_up(1)
