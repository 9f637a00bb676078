"""Tests that run real gunicorn servers on 127.0.0.1 against a dedicated database.

They talk to the servers over HTTP only: the test process itself needs no database, so the
root conftest's per-test cache clearing is replaced here by nothing.
"""

import pytest


@pytest.fixture(autouse=True)
def _fast_and_isolated():
    """Override the root fixture: the servers, not this process, hold the state."""
    yield
