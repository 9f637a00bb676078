"""/api/health/: 200 while the database answers ("degraded" while only Redis does not), 503 otherwise.

The database outage itself is tested against a real PostgreSQL cluster that is stopped under a
running server (tests_cross_process/test_database_outage.py).
"""

import time

import pytest

from testing.servers import free_port

pytestmark = pytest.mark.django_db


def test_health_is_ok_when_everything_answers(api_client, settings):
    response = api_client.get("/api/health/")

    assert response.status_code == 200
    expected_redis = "ok" if settings.REDIS_URL else "not_configured"
    assert response.json() == {"status": "ok", "database": "ok", "redis": expected_redis}


def test_health_is_degraded_not_down_while_redis_refuses(api_client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there

    started = time.monotonic()
    response = api_client.get("/api/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "redis": "unavailable"}
    assert time.monotonic() - started < 1


def test_health_needs_no_token_and_ignores_a_bad_one(api_client):
    response = api_client.get("/api/health/", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 200
