"""Every /api/auth/ endpoint against API.md: success and failure paths."""

import pytest
from django.core.cache import cache

from accounts.models import DeviceSession, RevokeReason, SecurityEvent, User
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.helpers import LOGOUT_URL, bearer, change_password, claims, get_sessions, refresh

pytestmark = pytest.mark.django_db

REGISTER_URL = "/api/auth/register/"
LOGIN_URL = "/api/auth/login/"


def assert_token_response(body, user_email):
    assert set(body) == {
        "access",
        "refresh",
        "token_type",
        "expires_in",
        "refresh_expires_in",
        "session",
        "user",
    }
    assert body["token_type"] == "Bearer"
    assert 0 < body["expires_in"] <= 300
    assert 0 < body["refresh_expires_in"] <= 604800
    assert set(body["session"]) == {"id", "device_name"}
    assert set(body["user"]) == {"id", "email", "first_name", "last_name"}
    assert body["user"]["email"] == user_email
    access, refresh_claims = claims(body["access"]), claims(body["refresh"])
    assert access["token_type"] == "access"
    assert refresh_claims["token_type"] == "refresh"
    for payload in (access, refresh_claims):
        assert {"exp", "iat", "jti", "user_id", "sid"} <= set(payload)
        assert payload["sid"] == body["session"]["id"]
        assert str(payload["user_id"]) == str(body["user"]["id"])


# --- register ------------------------------------------------------------------------------


def test_register_creates_user_and_session(api_client):
    response = api_client.post(
        REGISTER_URL,
        {"email": "New@Example.com", "password": PASSWORD, "device_name": "laptop", "first_name": "Grace"},
        format="json",
        HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0",
    )
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert_token_response(body, "new@example.com")
    assert body["user"]["first_name"] == "Grace"
    assert body["session"]["device_name"] == "laptop"
    session = DeviceSession.objects.get(pk=body["session"]["id"])
    assert session.user_agent.startswith("Mozilla/5.0")
    assert session.ip_address == "127.0.0.1"
    # Only the jti is kept, never the token.
    assert session.refresh_jti == claims(body["refresh"])["jti"]
    assert body["refresh"] not in str(DeviceSession.objects.values().get(pk=session.pk))


def test_register_derives_device_name_from_user_agent(api_client):
    response = api_client.post(
        REGISTER_URL,
        {"email": "ua@example.com", "password": PASSWORD},
        format="json",
        HTTP_USER_AGENT="Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605 Version/17.0 Safari/605",
    )
    assert response.json()["session"]["device_name"] == "Safari on macOS"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"password": PASSWORD}, "email"),
        ({"email": "a@example.com"}, "password"),
        ({"email": "a@example.com", "password": "short"}, "password"),
        ({"email": "a@example.com", "password": "12345678901"}, "password"),
        ({"email": "a@example.com", "password": "password123"}, "password"),
        ({"email": "similar.name@example.com", "password": "similar.name"}, "password"),
        ({"email": "a@example.com", "password": PASSWORD, "first_name": "x" * 151}, "first_name"),
    ],
)
def test_register_rejects_invalid_input(api_client, payload, field):
    response = api_client.post(REGISTER_URL, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not User.objects.exists()


def test_register_rejects_duplicate_email_whatever_its_case(api_client, user):
    response = api_client.post(
        REGISTER_URL, {"email": user.email.upper(), "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert "email" in response.json()
    assert User.objects.count() == 1


def test_register_lost_race_on_email_is_400_not_500(api_client, monkeypatch):
    # Two registrations pass validation together; the unique index refuses the second.
    UserFactory(email="race@example.com")
    monkeypatch.setattr("accounts.serializers.RegisterSerializer.validate_email", lambda self, v: v.lower())
    response = api_client.post(
        REGISTER_URL, {"email": "race@example.com", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"email": ["A user with this email already exists."]}


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "email=a%40example.com&password=x"),
        ("text/plain", '{"email": "a@example.com"}'),
        ("multipart/form-data; boundary=xx", "--xx--"),
    ],
)
@pytest.mark.parametrize("url", [REGISTER_URL, LOGIN_URL])
def test_auth_endpoints_accept_json_only(api_client, url, content_type, body):
    response = api_client.generic("POST", url, body, content_type=content_type)
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_malformed_json_is_400(api_client):
    response = api_client.generic("POST", LOGIN_URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


# --- login ---------------------------------------------------------------------------------


def test_login_returns_tokens_for_a_new_session(api_client, user):
    response = api_client.post(
        LOGIN_URL, {"email": user.email.upper(), "password": PASSWORD, "device_name": "phone"}, format="json"
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert_token_response(response.json(), user.email)
    assert DeviceSession.objects.filter(user=user, device_name="phone").count() == 1
    assert SecurityEvent.objects.filter(type="login", user=user).count() == 1
    user.refresh_from_db()
    assert user.last_login is not None


def test_each_login_is_its_own_session(login, user):
    first, second = login(user, device_name="a"), login(user, device_name="b")
    assert first["session"]["id"] != second["session"]["id"]
    assert DeviceSession.objects.filter(user=user).count() == 2


def test_login_failures_look_the_same(api_client, user):
    wrong = api_client.post(LOGIN_URL, {"email": user.email, "password": "wrong-password"}, format="json")
    unknown = api_client.post(LOGIN_URL, {"email": "nobody@example.com", "password": PASSWORD}, format="json")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "authentication_failed"
    assert wrong["WWW-Authenticate"] == unknown["WWW-Authenticate"] == 'Bearer realm="api"'
    events = SecurityEvent.objects.filter(type="login_failed")
    assert events.count() == 2
    assert events.get(user=user).detail["email"] == user.email
    assert events.get(user=None).detail["email"] == "nobody@example.com"
    assert not DeviceSession.objects.exists()


def test_inactive_user_cannot_log_in(api_client):
    user = UserFactory(is_active=False)
    response = api_client.post(LOGIN_URL, {"email": user.email, "password": PASSWORD}, format="json")
    assert response.status_code == 401


@pytest.mark.parametrize(
    "payload", [{}, {"email": "a@example.com"}, {"password": "x"}, {"email": "", "password": ""}]
)
def test_login_missing_fields_is_400(api_client, payload):
    response = api_client.post(LOGIN_URL, payload, format="json")
    assert response.status_code == 400


def test_login_and_register_share_a_throttle_per_ip(api_client, user, settings):
    settings.AUTH_THROTTLE_RATE = "3/min"
    cache.clear()
    for _ in range(2):
        assert (
            api_client.post(LOGIN_URL, {"email": user.email, "password": "bad"}, format="json").status_code
            == 401
        )
    assert api_client.post(REGISTER_URL, {"email": "x"}, format="json").status_code == 400
    response = api_client.post(LOGIN_URL, {"email": user.email, "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60
    # Another client IP has its own allowance.
    other = api_client.post(
        LOGIN_URL, {"email": user.email, "password": PASSWORD}, format="json", REMOTE_ADDR="10.1.2.3"
    )
    assert other.status_code == 200


def test_forwarded_for_is_ignored_without_trusted_proxies(api_client, user, settings):
    settings.AUTH_THROTTLE_RATE = "1/min"
    cache.clear()
    api_client.post(LOGIN_URL, {"email": user.email, "password": PASSWORD}, format="json")
    spoofed = api_client.post(
        LOGIN_URL,
        {"email": user.email, "password": PASSWORD},
        format="json",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert spoofed.status_code == 429


def test_forwarded_for_is_used_behind_a_trusted_proxy(api_client, user, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    body = api_client.post(
        LOGIN_URL,
        {"email": user.email, "password": PASSWORD},
        format="json",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    ).json()
    assert DeviceSession.objects.get(pk=body["session"]["id"]).ip_address == "203.0.113.9"


def test_throttle_can_be_disabled(api_client, user, settings):
    settings.AUTH_THROTTLE_RATE = "none"
    for _ in range(15):
        response = api_client.post(LOGIN_URL, {"email": user.email, "password": "bad"}, format="json")
        assert response.status_code == 401


def test_password_change_is_throttled_per_user(api_client, user, login, settings):
    """A stolen access token must not buy unlimited guesses at the current password."""
    settings.AUTH_THROTTLE_RATE = "3/min"
    tokens = login(user)
    statuses = []
    for _ in range(4):
        response = change_password(
            api_client, tokens["access"], "another-Passw0rd-ok", current_password="a-wrong-guess"
        )
        statuses.append(response.status_code)
    assert statuses == [400, 400, 400, 429]
    assert response.json()["code"] == "throttled" and int(response["Retry-After"]) > 0
    # Per user, not per IP: another user from the same address is not held back.
    other = UserFactory()
    other_tokens = login(other)
    response = change_password(
        api_client, other_tokens["access"], "another-Passw0rd-ok", current_password="a-wrong-guess"
    )
    assert response.status_code == 400


def test_api_events_all_say_source_api(api_client, user, login):
    tokens = login(user)
    api_client.post(LOGIN_URL, {"email": user.email, "password": "bad"}, format="json")
    change_password(api_client, tokens["access"], "another-Passw0rd-ok")
    events = SecurityEvent.objects.order_by("pk")
    assert [(e.type, e.source, e.detail.get("new_device", False)) for e in events] == [
        ("login", "api", True),  # the user's first session: one event, flagged
        ("login_failed", "api", False),
        ("session_revoked", "api", False),
        ("login", "api", False),
    ]


# --- refresh -------------------------------------------------------------------------------


def test_refresh_returns_a_new_pair(api_client, user, login):
    tokens = login(user)
    response = refresh(api_client, tokens["refresh"])
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"access", "refresh", "token_type", "expires_in", "refresh_expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["refresh"] != tokens["refresh"]
    assert claims(body["refresh"])["sid"] == tokens["session"]["id"]
    assert get_sessions(api_client, body["access"]).status_code == 200


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer a b", "Basic dXNlcjpwYXNz", "Bearer not-a-jwt", "Bearer a.b.c"],
)
def test_refresh_without_a_valid_token_is_401(api_client, header):
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = api_client.post("/api/auth/refresh/", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert {"detail", "code"} <= set(response.json())


def test_refresh_ignores_tokens_in_body_query_and_cookies(api_client, user, login):
    token = login(user)["refresh"]
    api_client.cookies["refresh"] = token
    response = api_client.post(f"/api/auth/refresh/?token={token}", {"refresh": token}, format="json")
    assert response.status_code == 401


def test_refresh_with_an_access_token_is_401(api_client, user, login):
    assert refresh(api_client, login(user)["access"]).status_code == 401


def test_refresh_of_an_inactive_user_is_401(api_client, user, login):
    tokens = login(user)
    User.objects.filter(pk=user.pk).update(is_active=False)  # even bypassing the signal
    assert refresh(api_client, tokens["refresh"]).status_code == 401


def test_refresh_rejects_a_form_body(api_client, user, login):
    response = api_client.generic(
        "POST", "/api/auth/refresh/", "a=b", content_type="text/plain", **bearer(login(user)["refresh"])
    )
    assert response.status_code == 415


# --- logout --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["access", "refresh"])
def test_logout_revokes_the_session_with_either_token(api_client, user, login, kind):
    tokens = login(user)
    other = login(user, device_name="other")
    response = api_client.post(LOGOUT_URL, **bearer(tokens[kind]))
    assert response.status_code == 204
    assert get_sessions(api_client, tokens["access"]).status_code == 401
    assert refresh(api_client, tokens["refresh"]).status_code == 401
    # The user's other device is untouched.
    assert get_sessions(api_client, other["access"]).status_code == 200
    session = DeviceSession.objects.get(pk=tokens["session"]["id"])
    assert session.revoke_reason == RevokeReason.LOGOUT
    assert SecurityEvent.objects.filter(
        type="session_revoked", session_id=session.pk, reason="logout"
    ).exists()


def test_logout_twice_is_401(api_client, user, login):
    tokens = login(user)
    assert api_client.post(LOGOUT_URL, **bearer(tokens["access"])).status_code == 204
    second = api_client.post(LOGOUT_URL, **bearer(tokens["refresh"]))
    assert second.status_code == 401
    assert second["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", [None, "Bearer garbage", "Token abc"])
def test_logout_with_an_invalid_token_is_401(api_client, header):
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    assert api_client.post(LOGOUT_URL, **extra).status_code == 401


# --- logout-all ----------------------------------------------------------------------------


def test_logout_all_revokes_every_session_of_the_user_only(api_client, user, login):
    mine = [login(user, device_name=f"d{i}") for i in range(3)]
    stranger = UserFactory()
    theirs = login(stranger)
    response = api_client.post("/api/auth/logout-all/", **bearer(mine[0]["access"]))
    assert response.status_code == 204
    for tokens in mine:
        assert get_sessions(api_client, tokens["access"]).status_code == 401
        assert refresh(api_client, tokens["refresh"]).status_code == 401
    assert get_sessions(api_client, theirs["access"]).status_code == 200
    event = SecurityEvent.objects.get(type="session_revoked", reason="logout_all")
    assert event.count == 3


def test_logout_all_needs_an_access_token(api_client, user, login):
    tokens = login(user)
    assert api_client.post("/api/auth/logout-all/").status_code == 401
    assert api_client.post("/api/auth/logout-all/", **bearer(tokens["refresh"])).status_code == 401


# --- password change -----------------------------------------------------------------------


def test_password_change_revokes_every_session_and_opens_a_new_one(api_client, user, login):
    this_device = login(user, device_name="this one")
    other_device = login(user, device_name="other one")
    response = change_password(api_client, this_device["access"], "a-brand-new-Passw0rd")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert_token_response(body, user.email)
    assert body["session"]["device_name"] == "this one"
    for old in (this_device, other_device):
        assert get_sessions(api_client, old["access"]).status_code == 401
        assert refresh(api_client, old["refresh"]).status_code == 401
    assert get_sessions(api_client, body["access"]).status_code == 200
    assert refresh(api_client, body["refresh"]).status_code == 200
    user.refresh_from_db()
    assert user.check_password("a-brand-new-Passw0rd")
    event = SecurityEvent.objects.get(type="session_revoked", reason="password_changed")
    assert (event.count, event.source, event.actor) == (2, "api", None)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"current_password": "wrong", "new_password": "a-brand-new-Passw0rd"}, "current_password"),
        ({"current_password": PASSWORD, "new_password": "123"}, "new_password"),
        ({"current_password": PASSWORD}, "new_password"),
        ({"new_password": "a-brand-new-Passw0rd"}, "current_password"),
    ],
)
def test_password_change_rejects_bad_input_and_keeps_sessions(api_client, user, login, payload, field):
    tokens = login(user)
    response = api_client.post(
        "/api/auth/password/change/", payload, format="json", **bearer(tokens["access"])
    )
    assert response.status_code == 400
    assert field in response.json()
    assert get_sessions(api_client, tokens["access"]).status_code == 200
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_needs_authentication(api_client):
    response = api_client.post(
        "/api/auth/password/change/", {"current_password": "a", "new_password": "b"}, format="json"
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


# --- sessions ------------------------------------------------------------------------------


def test_sessions_lists_live_sessions_and_marks_the_current_one(api_client, user, login):
    current = login(user, device_name="current")
    other = login(user, device_name="other")
    gone = login(user, device_name="gone")
    api_client.post(LOGOUT_URL, **bearer(gone["access"]))
    login(UserFactory(), device_name="stranger")
    response = get_sessions(api_client, current["access"])
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2
    by_id = {item["id"]: item for item in body["results"]}
    assert set(by_id) == {current["session"]["id"], other["session"]["id"]}
    assert by_id[current["session"]["id"]]["current"] is True
    assert by_id[other["session"]["id"]]["current"] is False
    fields = "id device_name user_agent ip_address created_at last_used_at expires_at current"
    assert set(by_id[other["session"]["id"]]) == set(fields.split())


def test_sessions_list_is_paginated(api_client, user, login):
    tokens = [login(user, device_name=f"d{i}") for i in range(3)]
    response = api_client.get("/api/auth/sessions/?page_size=2", **bearer(tokens[0]["access"]))
    body = response.json()
    assert (body["count"], len(body["results"])) == (3, 2)
    assert body["next"] is not None
    assert api_client.get("/api/auth/sessions/?page=99", **bearer(tokens[0]["access"])).status_code == 404


def test_delete_session_revokes_it(api_client, user, login):
    current, other = login(user), login(user, device_name="other")
    response = api_client.delete(f"/api/auth/sessions/{other['session']['id']}/", **bearer(current["access"]))
    assert response.status_code == 204
    assert get_sessions(api_client, other["access"]).status_code == 401
    assert refresh(api_client, other["refresh"]).status_code == 401
    assert get_sessions(api_client, current["access"]).status_code == 200
    assert DeviceSession.objects.get(pk=other["session"]["id"]).revoke_reason == "session_deleted"


def test_delete_session_of_another_user_or_unknown_is_404(api_client, user, login):
    mine = login(user)
    theirs = login(UserFactory())
    for session_id in (theirs["session"]["id"], "00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        response = api_client.delete(f"/api/auth/sessions/{session_id}/", **bearer(mine["access"]))
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert get_sessions(api_client, theirs["access"]).status_code == 200


def test_sessions_need_an_access_token(api_client, user, login):
    tokens = login(user)
    assert api_client.get("/api/auth/sessions/").status_code == 401
    assert get_sessions(api_client, tokens["refresh"]).status_code == 401


def test_wrong_method_is_405_with_a_code(api_client):
    response = api_client.get(LOGIN_URL)
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_unknown_api_path_is_a_json_404(api_client):
    response = api_client.get("/api/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.parametrize(
    "content_type", ["application/json", "text/plain", "application/x-www-form-urlencoded"]
)
def test_refresh_with_an_empty_body_of_any_type_works(api_client, user, login, content_type):
    response = api_client.generic(
        "POST", "/api/auth/refresh/", "", content_type=content_type, **bearer(login(user)["refresh"])
    )
    assert response.status_code == 200
