import io
import logging

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def static_client(settings):
    """A Django client whose WhiteNoise serves static files from the finders, as `runserver` would.

    The tests run without `collectstatic`; WhiteNoise reads its settings when the
    middleware is built, which a new client does on its first request.
    """
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    return Client()


@pytest.fixture
def stderr_log():
    """Capture what the configured ``stderr`` handler writes; return a function that gives its lines."""
    handler = next(handler for handler in logging.getLogger("django").handlers if handler.name == "stderr")
    written = io.StringIO()
    previous = handler.setStream(written)
    try:
        yield lambda: written.getvalue().splitlines()
    finally:
        handler.setStream(previous)
