"""Browser-session middleware (common/pages_middleware.py): for the admin and pages, not for /api/."""

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_admin_keeps_its_csrf_protection_and_session():
    client = Client(enforce_csrf_checks=True)
    response = client.get("/admin/login/")
    assert response.status_code == 200 and "csrftoken" in response.cookies
    # Without the token the login form is refused, as Django's own middleware refuses it.
    assert client.post("/admin/login/", {"username": "a@example.com", "password": "x"}).status_code == 403

    user = UserFactory(is_staff=True, is_superuser=True)
    user.set_password("admin-Passw0rd-long")
    user.save()
    token = response.cookies["csrftoken"].value
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": user.email, "password": "admin-Passw0rd-long", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302 and "sessionid" in response.cookies
    assert client.get("/admin/").status_code == 200  # the session's user


def test_the_api_ignores_the_session_and_sets_no_cookie(client):
    user = UserFactory()
    client.force_login(user)  # a browser session of an admin page, sent along with API calls
    response = client.get("/api/users/me/")
    assert response.status_code == 401  # tokens only: the session cookie is no credential here
    assert not response.cookies
