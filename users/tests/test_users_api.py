"""The /api/users/ endpoints: the caller's profile and who may see whom."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ME_URL = "/api/users/me/"
LIST_URL = "/api/users/"
USER_KEYS = {"id", "email", "first_name", "last_name", "date_joined", "is_staff"}


def detail_url(user_id):
    return f"/api/users/{user_id}/"


# --- /api/users/me/ -------------------------------------------------------------------------------


def test_me_returns_the_caller(auth_client, user):
    response = auth_client.get(ME_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == USER_KEYS
    assert body["id"] == user.pk
    assert body["email"] == user.email
    assert body["is_staff"] is False


def test_patch_me_changes_the_names(auth_client, user):
    response = auth_client.patch(ME_URL, {"first_name": "Grace", "last_name": "Hopper"}, format="json")

    assert response.status_code == 200
    assert response.json()["first_name"] == "Grace"
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Grace", "Hopper")


def test_patch_me_with_an_empty_body_changes_nothing(auth_client, user):
    response = auth_client.patch(ME_URL, {}, format="json")

    assert response.status_code == 200
    assert response.json()["first_name"] == user.first_name


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "new-address@example.com"),
        ("password", "An0ther-long-passw0rd"),
        ("is_staff", True),
        ("is_superuser", True),
        ("is_active", False),
    ],
)
def test_patch_me_refuses_credentials_and_privileges(auth_client, user, field, value):
    before = User.objects.values().get(pk=user.pk)

    response = auth_client.patch(ME_URL, {field: value, "first_name": "Mallory"}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    # Nothing of the request was applied, the names included.
    assert User.objects.values().get(pk=user.pk) == before
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    # And the caller's session still works.
    assert auth_client.get(ME_URL).status_code == 200


def test_read_only_fields_in_the_body_are_not_applied(auth_client, user):
    response = auth_client.patch(ME_URL, {"id": 999999, "date_joined": "2000-01-01T00:00:00Z"}, format="json")

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.pk == response.json()["id"]
    assert user.date_joined.year != 2000


@pytest.mark.parametrize(
    "body",
    [
        {"first_name": "x" * 151},
        {"first_name": None},
        {"last_name": ["a list"]},
        {"first_name": "nul \x00 byte"},
        # One line without control or bidi characters, as a device name (common.client_text).
        {"first_name": "Mal\u202elory"},
        {"last_name": "two\nlines"},
        {"first_name": "ends in a break\r\n"},
        {"last_name": "\u2066isolated"},
    ],
)
def test_patch_me_validates_the_names(auth_client, user, body):
    response = auth_client.patch(ME_URL, body, format="json")

    assert response.status_code == 400
    user.refresh_from_db()
    assert user.first_name == "Ada"


@pytest.mark.parametrize("body", ["[]", '"text"', "{broken"])
def test_patch_me_with_a_body_that_is_not_an_object_is_400(auth_client, body):
    response = auth_client.patch(ME_URL, body, content_type="application/json")
    assert response.status_code == 400


def test_put_on_me_is_405(auth_client):
    # DELETE deletes the account (accounts/tests/passkeys/test_account_deletion.py).
    assert auth_client.put(ME_URL, {"first_name": "x"}, format="json").status_code == 405


@pytest.mark.parametrize("method", ["get", "patch"])
def test_me_needs_a_token(api_client, method):
    response = getattr(api_client, method)(ME_URL, {}, format="json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


# --- Visibility -----------------------------------------------------------------------------------


def test_a_user_lists_only_themself(auth_client, user):
    UserFactory.create_batch(3)

    response = auth_client.get(LIST_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    assert body["results"][0]["id"] == user.pk
    assert set(body["results"][0]) == USER_KEYS


def test_staff_lists_everyone(staff_client, staff_user, user):
    others = UserFactory.create_batch(3, is_active=False)

    body = staff_client.get(LIST_URL).json()

    assert body["count"] == 5
    assert [item["id"] for item in body["results"]] == sorted(
        [staff_user.pk, user.pk, *(other.pk for other in others)]
    )


def test_a_user_sees_themself_but_not_another_user(auth_client, user):
    other = UserFactory()

    assert auth_client.get(detail_url(user.pk)).status_code == 200
    response = auth_client.get(detail_url(other.pk))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_staff_sees_any_user(staff_client, user):
    response = staff_client.get(detail_url(user.pk))

    assert response.status_code == 200
    assert response.json()["email"] == user.email


@pytest.mark.parametrize("user_id", ["987654", "abc", "0", "99999999999999999999999"])
def test_unknown_or_odd_ids_are_404(staff_client, user_id):
    assert staff_client.get(f"/api/users/{user_id}/").status_code == 404


def test_users_are_read_only_here(staff_client, user):
    assert staff_client.post(LIST_URL, {"email": "x@example.com"}, format="json").status_code == 405
    assert staff_client.patch(detail_url(user.pk), {"is_staff": True}, format="json").status_code == 405
    assert staff_client.delete(detail_url(user.pk)).status_code == 405
    user.refresh_from_db()
    assert user.is_staff is False


def test_list_needs_a_token(api_client):
    assert api_client.get(LIST_URL).status_code == 401


def test_users_list_is_paginated_and_capped(staff_client):
    User.objects.bulk_create(User(email=f"bulk{n}@example.com") for n in range(105))

    body = staff_client.get(LIST_URL, {"page_size": 1000}).json()

    assert body["count"] == 106
    assert len(body["results"]) == 100
    assert staff_client.get(LIST_URL, {"page": 999}).status_code == 404


def test_users_list_costs_the_same_queries_for_1_row_and_for_100(staff_client):
    staff_client.get(LIST_URL)  # warm whatever the authentication caches
    with CaptureQueriesContext(connection) as one_row:
        assert len(staff_client.get(LIST_URL, {"page_size": 100}).json()["results"]) == 1

    User.objects.bulk_create(User(email=f"bulk{n}@example.com") for n in range(99))
    with CaptureQueriesContext(connection) as hundred_rows:
        assert len(staff_client.get(LIST_URL, {"page_size": 100}).json()["results"]) == 100
    # authentication (none with the Redis session state) + the page's COUNT + the page itself
    assert len(one_row) == len(hundred_rows) <= 3
