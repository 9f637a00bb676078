"""Property-based fuzzing of every operation in the project's own OpenAPI schema (schemathesis).

Each operation gets a bounded number of generated requests, valid and invalid, sent through
the WSGI app with a real access token (a refresh token where the schema asks for one). A
response fails the run when it is a 5xx, has a status code, content type, headers or body
that the schema does not document, whatever the input.
"""

import zlib

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.openapi import ACCESS_SCHEME, REFRESH_SCHEME
from accounts.tests.factories import UserFactory
from todos.tests.factories import TodoFactory

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 20
SEED = 20240613

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        # The stateful phase chains operations by links the schema does not declare.
        "phases": {"stateful": {"enabled": False}},
    }
)

# Django's application rather than config.wsgi's: importing that module bounds the statements
# of the whole test process (common.db), which only the tests of the bound itself ask for.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=CONFIG)


@pytest.fixture
def fuzz_account(settings, db, login):
    """A user with a todo and a live session, and the API's limits lifted for the run."""
    settings.AUTH_THROTTLE_RATE = "none"
    # Schemathesis addresses the WSGI app as "localhost"; whatever DJANGO_ALLOWED_HOSTS says.
    settings.ALLOWED_HOSTS = ["*"]
    user = UserFactory()
    tokens = login(user)
    # The requests run inside the test's transaction, which closing the connection at the
    # end of each WSGI request would end (on PostgreSQL). Django's test client disconnects
    # the same receivers around its requests (and connects them again after): so this
    # comes after the login above.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield {
        "user": user,
        "todo": TodoFactory(owner=user),
        "access": tokens["access"],
        "refresh": tokens["refresh"],
        "session_id": tokens["session"]["id"],
    }
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def point_at_real_objects(case, account):
    """Aim about half the generated ids at objects that exist, so that the happy paths run too."""
    parameters = case.path_parameters or {}
    generated = parameters.get("id")
    if generated is None or zlib.crc32(str(generated).encode()) % 2:
        return
    if case.path.startswith("/api/todos/"):
        parameters["id"] = account["todo"].pk
    elif case.path.startswith("/api/users/"):
        parameters["id"] = account["user"].pk
    elif case.path.startswith("/api/auth/sessions/"):
        parameters["id"] = account["session_id"]


def token_for(case, account):
    security = case.operation.definition.raw.get("security") or []
    if {REFRESH_SCHEME: []} in security and {ACCESS_SCHEME: []} not in security:
        return account["refresh"]
    return account["access"]


@schema.parametrize()
@hypothesis.settings(
    deadline=None,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_no_input_breaks_the_api(case, fuzz_account):
    point_at_real_objects(case, fuzz_account)
    # Host is the transport's, not an input of any operation: a generated one (an empty "host",
    # say) gets Django's 400 for a disallowed host before any view, which the schema need not
    # repeat for every operation (tests/test_security.py and e2e/ux.spec.ts cover that 400).
    if case.headers:
        case.headers = {name: value for name, value in case.headers.items() if name.lower() != "host"}
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token_for(case, fuzz_account)}"},
        checks=CHECKS,
    )
