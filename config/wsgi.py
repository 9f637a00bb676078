"""WSGI entry point, used by gunicorn (``gunicorn config.wsgi``) and runserver."""

import os

from django.core.wsgi import get_wsgi_application

from common import db

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# This process serves requests: each statement of theirs gets DB_STATEMENT_TIMEOUT_SECONDS
# (common.db). Management commands never load this module, and run unbounded.
db.bound_requests()

application = get_wsgi_application()

# Load the signing keys now: a missing, unreadable or unfit key stops the server at start
# (gunicorn: "Worker failed to boot") with the keyring's message, not at the first request.
from accounts.keys import keyring  # noqa: E402 - needs the app registry that the line above loads

keyring.current()
