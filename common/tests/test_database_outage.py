"""A database that cannot be reached, in-process: every layer that turns it into a 503, and its log.

Three layers answer 503 with ``Retry-After`` instead of a 500, and each would hide the removal of
another: DRF's exception handler (``common.exceptions``) for DRF views, the middleware
(``common.middleware``) for the others, and ``handler500`` (``common.views``) for what escapes
both. So each test takes the nearer layers away and asks with a client that raises what reaches
Django's last resort: a layer that stopped answering fails its own test.

The outage is real: the default connection points at a PostgreSQL port that refuses connections
(bound here, never listened on) or at a SQLite file in a directory that does not exist.
"""

import logging
import socket

import pytest
from django.db import connection
from django.test import Client

from common import outages

MIDDLEWARE = "common.middleware.DatabaseUnavailableMiddleware"
CAUSE = {"postgresql": "Connection refused", "sqlite": "unable to open database file"}


class UnreachableDatabase:
    """Point the default connection at a database that cannot be reached, until ``restore()``.

    The open connection is set aside, not closed: closing an in-memory SQLite test database
    would destroy it.
    """

    def __init__(self, tmp_path):
        self.saved_settings = dict(connection.settings_dict)
        self.saved_connection = connection.connection
        self.holder = None
        connection.connection = None
        if connection.vendor == "postgresql":
            # Bound, so that no other process takes the port; not listening, so it refuses.
            self.holder = socket.socket()
            self.holder.bind(("127.0.0.1", 0))
            connection.settings_dict.update(HOST="127.0.0.1", PORT=str(self.holder.getsockname()[1]))
        else:
            connection.settings_dict["NAME"] = str(tmp_path / "missing" / "db.sqlite3")

    def restore(self):
        if self.holder is None and connection.settings_dict == self.saved_settings:
            return
        if connection.connection is not None:
            connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(self.saved_settings)
        connection.connection = self.saved_connection
        if self.holder is not None:
            self.holder.close()
            self.holder = None


# No test transaction: the connection is set aside, which the one holding it would not survive.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def unreachable_database(tmp_path):
    outages.database.reset()
    database = UnreachableDatabase(tmp_path)
    try:
        yield database
    finally:
        database.restore()
        outages.database.reset()


@pytest.fixture
def without_the_middleware(settings):
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != MIDDLEWARE]


def assert_api_503(response):
    assert response.status_code == 503, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "service_unavailable" and response.json()["detail"]
    assert int(response["Retry-After"]) > 0


def assert_page_503(response):
    assert response.status_code == 503, response.content[:500]
    assert response["Content-Type"].startswith("text/html")
    assert b"temporarily unavailable" in response.content
    assert int(response["Retry-After"]) > 0


def api_calls(client):
    body = {"email": "down@example.com", "password": "a-Passw0rd-that-is-long"}
    yield client.post("/api/auth/login/", body, content_type="application/json")
    yield client.post("/api/auth/register/", body, content_type="application/json")
    yield client.post("/api/auth/password/reset/", {"email": body["email"]}, content_type="application/json")


def admin_login(client):
    return client.post("/admin/login/", {"username": "down@example.com", "password": "x", "next": "/admin/"})


def test_drf_views_answer_503_by_themselves(unreachable_database, without_the_middleware):
    # No middleware behind them: a DRF view whose handler let the error through would raise here.
    for response in api_calls(Client()):
        assert_api_503(response)


def test_other_views_answer_503_through_the_middleware(unreachable_database, settings):
    settings.ROOT_URLCONF = "common.tests.outage_urls"
    client = Client()  # raises what reaches handler500, so only the middleware can answer
    assert_page_503(admin_login(client))
    assert_api_503(client.get("/api/plain-count/"))


def test_handler500_answers_503_for_what_no_nearer_layer_caught(
    unreachable_database, without_the_middleware, settings
):
    settings.ROOT_URLCONF = "common.tests.outage_urls"
    client = Client(raise_request_exception=False)
    assert_page_503(admin_login(client))
    assert_api_503(client.get("/api/plain-count/"))


def test_the_health_check_answers_503(unreachable_database, client):
    response = client.get("/api/health/")
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    assert response.json()["status"] == "unavailable" and response.json()["database"] == "unavailable"


def test_the_plain_view_works_while_the_database_does(settings):
    # The view the middleware and handler500 tests rely on really needs the database.
    settings.ROOT_URLCONF = "common.tests.outage_urls"
    assert Client().get("/api/plain-count/").json() == {"users": 0}


def parse(line):
    """Return (level, logger, message) of a line in the text format of config.settings.LOGGING."""
    _date, _time, level, logger, _pid, message = line.split(" ", 5)
    return level, logger, message


def refuse_every_kind(client):
    """Send one request that each layer refuses; return how many were refused."""
    responses = [
        *api_calls(client),
        admin_login(client),
        client.get("/api/health/"),
        client.get("/api/plain-count/"),
    ]
    assert {response.status_code for response in responses} == {503}
    return len(responses)


def test_an_outage_is_logged_when_it_begins_and_when_it_ends_not_per_request(
    unreachable_database, settings, stderr_log
):
    settings.ROOT_URLCONF = "common.tests.outage_urls"
    client = Client(raise_request_exception=False)
    refused = refuse_every_kind(client) + refuse_every_kind(client)

    lines = [parse(line) for line in stderr_log()]
    assert len(lines) == 1, lines  # nothing per request: no django.request ERROR, no traceback
    level, logger, message = lines[0]
    assert (level, logger) == ("ERROR", "common.outages")
    assert message.startswith("Database unavailable (OperationalError: ")
    assert CAUSE[connection.vendor] in message

    unreachable_database.restore()
    assert client.get("/api/health/").status_code == 200
    assert client.get("/api/health/").status_code == 200
    lines = [parse(line) for line in stderr_log()]
    assert len(lines) == 2, lines  # the end, once
    level, logger, message = lines[1]
    assert (level, logger) == ("WARNING", "common.outages")
    assert message.startswith("Database is back after ")
    assert message.endswith(f"; {refused} requests refused meanwhile")


@pytest.fixture
def debug_logging():
    loggers = [logging.getLogger(), logging.getLogger("django")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


def test_at_debug_a_refused_request_writes_one_line(
    unreachable_database, settings, stderr_log, debug_logging
):
    settings.ROOT_URLCONF = "common.tests.outage_urls"
    client = Client(raise_request_exception=False)
    refuse_every_kind(client)  # the outage's beginning
    before = len(stderr_log())
    refused = refuse_every_kind(client)

    lines = [parse(line) for line in stderr_log()[before:]]
    assert len(lines) == refused, lines
    assert {(level, logger) for level, logger, _ in lines} == {("DEBUG", "django.request")}
    assert all(message.startswith("Service Unavailable: /") for _, _, message in lines)


def test_a_bug_still_logs_its_traceback_every_time(settings, stderr_log):
    settings.ROOT_URLCONF = "common.tests.crash_urls"
    client = Client(raise_request_exception=False)
    for _ in range(2):
        assert client.post("/api/crash/", {}, content_type="application/json").status_code == 500
    text = "\n".join(stderr_log())
    assert text.count("Traceback (most recent call last)") == 2
    assert text.count("ERROR django.request") == 2
