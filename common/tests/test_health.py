"""/api/health/: 200 while the database answers, 503 when it does not."""

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_health_is_ok_when_the_database_answers(api_client):
    response = api_client.get("/api/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


class DeadConnection:
    def cursor(self):
        raise OperationalError("connection refused")


def test_health_is_503_when_the_database_does_not_answer(api_client, monkeypatch):
    monkeypatch.setattr("accounts.views.connection", DeadConnection())

    response = api_client.get("/api/health/")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["code"] == "database_unavailable"
    assert "detail" in body


def test_health_needs_no_token_and_ignores_a_bad_one(api_client, monkeypatch):
    monkeypatch.setattr("accounts.views.connection", DeadConnection())
    response = api_client.get("/api/health/", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 503
