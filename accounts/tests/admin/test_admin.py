"""The admin: sessions, users and security events, through the test client with CSRF enforced."""

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.admin import helpers
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.admin.lists import LargeTablePaginator
from accounts.admin.sessions import NEWEST_REVOCATION_FIRST
from accounts.models import DeviceSession, RevocationEpoch, RevokeReason, SecurityEvent
from accounts.sessions.housekeeping import revocation_epochs_settle
from accounts.sessions.revocation import sessions_revoke_everybody
from accounts.tests.factories import PASSWORD, DeviceSessionFactory, UserFactory
from accounts.tests.helpers import assert_alive, assert_dead, the_revocation_event

pytestmark = pytest.mark.django_db

SESSIONS = "/admin/accounts/devicesession/"
USERS = "/admin/accounts/user/"
EVENTS = "/admin/accounts/securityevent/"
NEW_PASSWORD = "an-0ther-long-Passw0rd"


@pytest.fixture
def admin_user(db):
    return UserFactory(email="admin@example.com", is_staff=True, is_superuser=True)


def csrf_client(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(admin_user):
    """An admin's browser: CSRF is checked as in production."""
    return csrf_client(admin_user)


def staff_with(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def csrf_post(client, url, data, get_url=None):
    """GET the page as a browser would, then POST ``data`` with its CSRF token."""
    page = client.get(get_url or url)
    assert page.status_code == 200, page.status_code
    token = client.cookies["csrftoken"].value
    return client.post(url, {"csrfmiddlewaretoken": token, **data})


def post_action(client, url, action, ids=(), select_across=False, query="", confirmed=True):
    """Run an admin action; ``confirmed`` answers "yes" to its confirmation page at once."""
    data = {"action": action, helpers.ACTION_CHECKBOX_NAME: [str(pk) for pk in ids], "index": 0}
    if select_across:
        data["select_across"] = "1"
    if confirmed:
        data["confirmed"] = "yes"
    return csrf_post(client, url + query, data)


def results(response):
    return list(response.context["cl"].result_list)


# --- Access ---------------------------------------------------------------------------------


def test_non_staff_cannot_reach_the_admin(user):
    client = Client()
    client.force_login(user)
    for url in (SESSIONS, USERS, EVENTS):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_csrf_is_enforced_on_actions(api_client, admin_client, user, login):
    tokens = login(user)
    session_id = tokens["session"]["id"]
    response = admin_client.post(
        SESSIONS, {"action": "revoke_selected", helpers.ACTION_CHECKBOX_NAME: [session_id], "index": 0}
    )
    assert response.status_code == 403
    assert_alive(api_client, tokens)


def test_staff_who_may_only_view_sessions_cannot_revoke(api_client, user, login):
    tokens = login(user)
    viewer = csrf_client(staff_with("view_devicesession"))
    page = viewer.get(SESSIONS)
    assert page.status_code == 200
    assert b"revoke_selected" not in page.content

    response = post_action(viewer, SESSIONS, "revoke_selected", [tokens["session"]["id"]])

    assert response.status_code == 200  # the changelist again, with "no action selected"
    assert DeviceSession.objects.get().revoked_at is None
    assert not SecurityEvent.objects.filter(type=SecurityEvent.Type.SESSION_REVOKED).exists()
    assert_alive(api_client, tokens)


def test_staff_who_may_change_users_but_not_sessions_cannot_revoke_them(api_client, user, login):
    tokens = login(user)
    manager = csrf_client(staff_with("view_user", "change_user"))
    assert b"revoke_all_sessions" not in manager.get(USERS).content

    post_action(manager, USERS, "revoke_all_sessions", [user.pk])

    assert_alive(api_client, tokens)


def test_staff_who_may_change_sessions_can_revoke(api_client, user, login):
    tokens = login(user)
    revoker = csrf_client(staff_with("view_devicesession", "change_devicesession"))

    response = post_action(revoker, SESSIONS, "revoke_selected", [tokens["session"]["id"]])

    assert response.status_code == 302
    assert_dead(api_client, tokens)


def test_sessions_are_read_only(admin_client, user):
    session = DeviceSessionFactory(user=user)
    url = f"{SESSIONS}{session.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert b'name="device_name"' not in page.content
    token = admin_client.cookies["csrftoken"].value
    assert admin_client.post(url, {"csrfmiddlewaretoken": token, "device_name": "x"}).status_code == 403
    assert admin_client.get(f"{SESSIONS}add/").status_code == 403
    assert admin_client.get(f"{SESSIONS}{session.pk}/delete/").status_code == 403
    session.refresh_from_db()
    assert session.device_name != "x"


def test_security_events_are_read_only(admin_client, user):
    event = SecurityEvent.objects.create(type="login", user=user)
    assert admin_client.get(f"{EVENTS}{event.pk}/change/").status_code == 200
    assert admin_client.get(f"{EVENTS}add/").status_code == 403
    assert admin_client.get(f"{EVENTS}{event.pk}/delete/").status_code == 403
    assert b"delete_selected" not in admin_client.get(EVENTS).content


# --- Revoking -------------------------------------------------------------------------------


def test_revoke_selected_sessions(api_client, admin_client, admin_user, user, login):
    laptop, phone = login(user, device_name="laptop"), login(user, device_name="phone")

    response = post_action(admin_client, SESSIONS, "revoke_selected", [laptop["session"]["id"]])

    assert response.status_code == 302
    assert_dead(api_client, laptop)
    assert_alive(api_client, phone)
    event = the_revocation_event(reason="admin", source="admin", actor=admin_user, user=user, count=1)
    assert event.detail == {"criterion": "selected", "session_ids": [laptop["session"]["id"]]}
    assert event.ip_address == "127.0.0.1"
    assert "Revoked 1 session(s)." in [str(m) for m in admin_client.get(SESSIONS).context["messages"]]


def test_revoke_many_selected_sessions_is_one_update_and_one_event(api_client, admin_client, user):
    other = UserFactory()
    sessions = DeviceSessionFactory.create_batch(3, user=user) + DeviceSessionFactory.create_batch(
        2, user=other
    )
    DeviceSessionFactory(user=user, revoked_at=timezone.now())  # already revoked: not counted

    with CaptureQueriesContext(connection) as queries:
        post_action(admin_client, SESSIONS, "revoke_selected", [s.pk for s in sessions])

    updates = [q for q in queries if q["sql"].startswith('UPDATE "accounts_devicesession"')]
    assert len(updates) == 1
    event = SecurityEvent.objects.get(type=SecurityEvent.Type.SESSION_REVOKED)
    assert (event.count, event.user_id) == (5, None)
    assert DeviceSession.objects.filter(revoke_reason="admin").count() == 5


def test_revoke_everything_a_filter_matches(api_client, admin_client, user, login):
    mine = [login(user), login(user)]
    theirs = login(UserFactory())

    # A browser ticks every row of the page too when "Select all" is clicked.
    on_page = [tokens["session"]["id"] for tokens in mine]
    response = post_action(
        admin_client, SESSIONS, "revoke_selected", on_page, select_across=True, query=f"?user={user.pk}"
    )

    assert response.status_code == 302
    for tokens in mine:
        assert_dead(api_client, tokens)
    assert_alive(api_client, theirs)
    event = SecurityEvent.objects.get(type=SecurityEvent.Type.SESSION_REVOKED)
    assert event.count == 2
    assert event.detail == {"criterion": "admin_filter", "filters": f"user={user.pk}"}


def test_revoke_all_sessions_of_selected_users(api_client, admin_client, admin_user, user, login):
    other, bystander = UserFactory(), UserFactory()
    revoked = [login(user), login(user), login(other)]
    kept = login(bystander)

    with CaptureQueriesContext(connection) as queries:
        response = post_action(admin_client, USERS, "revoke_all_sessions", [user.pk, other.pk])
    # Read now: the log is reset by the next request.
    updates = [q for q in queries if q["sql"].startswith('UPDATE "accounts_devicesession"')]

    assert response.status_code == 302
    assert len(updates) == 1
    for tokens in revoked:
        assert_dead(api_client, tokens)
    assert_alive(api_client, kept)
    event = SecurityEvent.objects.get(type=SecurityEvent.Type.SESSION_REVOKED)
    assert (event.count, event.reason, event.source, event.actor) == (3, "admin", "admin", admin_user)
    assert event.detail == {"criterion": "admin_users", "user_ids": sorted([user.pk, other.pk])}


def test_password_form_revokes_and_is_attributed_to_the_admin(
    api_client, admin_client, admin_user, user, login
):
    devices = [login(user), login(user)]
    url = f"{USERS}{user.pk}/password/"

    response = csrf_post(
        admin_client,
        url,
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    for tokens in devices:
        assert_dead(api_client, tokens)
    the_revocation_event(reason="password_changed", count=2, source="admin", actor=admin_user, user=user)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    login(user, password=NEW_PASSWORD)


def test_password_form_without_csrf_token_is_refused(api_client, admin_client, user, login):
    tokens = login(user)
    response = admin_client.post(
        f"{USERS}{user.pk}/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 403
    assert_alive(api_client, tokens)
    login(user, password=PASSWORD)


def test_deactivating_a_user_in_the_change_form_revokes(api_client, admin_client, admin_user, user, login):
    tokens = login(user)
    url = f"{USERS}{user.pk}/change/"
    page = admin_client.get(url)
    data = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        # Not "is_active": unticked.
    }
    # The management forms of every inline (sessions, passkeys).
    for name, value in re.findall(
        rb'name="((?:device_sessions|passkeys)-[A-Z_]+)" value="(\d+)"', page.content
    ):
        data[name.decode()] = value.decode()
    data["csrfmiddlewaretoken"] = admin_client.cookies["csrftoken"].value

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert_dead(api_client, tokens)
    event = SecurityEvent.objects.get(type=SecurityEvent.Type.SESSION_REVOKED)
    assert (event.reason, event.source, event.actor) == ("user_deactivated", "admin", admin_user)


# --- Lists ----------------------------------------------------------------------------------


def test_session_list_shows_what_admins_need(admin_client, user):
    now = timezone.now()
    DeviceSessionFactory(user=user, device_name="Firefox on Linux", ip_address="203.0.113.9")
    DeviceSessionFactory(user=user, device_name="old phone", created_at=now - timedelta(days=20))
    DeviceSessionFactory(user=user, device_name="gone", revoked_at=now, revoke_reason="reuse_detected")

    content = admin_client.get(SESSIONS).content.decode()

    for text in (
        user.email,
        "Firefox on Linux",
        "203.0.113.9",
        "active",
        "expired",
        "revoked (Refresh token reuse detected)",
        "Revoke selected sessions",
    ):
        assert text in content


def test_session_filters(admin_client, user):
    now = timezone.now()
    active = DeviceSessionFactory(user=user)
    expired = DeviceSessionFactory(user=user, created_at=now - timedelta(days=20))
    revoked = DeviceSessionFactory(user=user, revoked_at=now, revoke_reason="logout")
    old = DeviceSessionFactory(created_at=now - timedelta(days=60), revoked_at=now - timedelta(days=59))

    def ids(query):
        response = admin_client.get(SESSIONS + query)
        assert response.status_code == 200
        return {s.pk for s in results(response)}

    assert ids("?state=active") == {active.pk}
    assert ids("?state=expired") == {expired.pk}
    assert ids("?state=revoked") == {revoked.pk, old.pk}
    assert ids("?revoke_reason=logout") == {revoked.pk}
    assert ids(f"?user={user.pk}") == {active.pk, expired.pk, revoked.pk}
    assert ids("?user=nonsense") == set()
    assert ids("?user=987654") == set()
    since = (now - timedelta(days=7)).isoformat()
    assert ids("?" + urlencode({"created_at__gte": since})) == {active.pk, revoked.pk}


def test_session_search(admin_client, user):
    other = UserFactory(email="someone.else@example.org")
    phone = DeviceSessionFactory(user=user, device_name="Pixel 8", ip_address="198.51.100.7")
    laptop = DeviceSessionFactory(user=other, device_name="ThinkPad", ip_address="2001:db8::1")

    def ids(term):
        response = admin_client.get(SESSIONS, {"q": term})
        assert response.status_code == 200
        return {s.pk for s in results(response)}

    assert ids("someone.else") == {laptop.pk}
    assert ids("SOMEONE.ELSE@example.org") == {laptop.pk}
    assert ids("pixel") == {phone.pk}
    assert ids("198.51.100.7") == {phone.pk}
    assert ids("2001:0db8::0001") == {laptop.pk}
    assert ids(str(phone.pk)) == {phone.pk}
    assert ids("example pixel") == {phone.pk}
    assert ids("nothing-like-this") == set()


def test_user_column_filters_the_list_by_that_user(admin_client, user):
    DeviceSessionFactory(user=user)
    content = admin_client.get(SESSIONS).content.decode()
    assert f'href="{SESSIONS}?user={user.pk}"' in content
    filtered = admin_client.get(f"{SESSIONS}?user={user.pk}").content.decode()
    assert user.email in filtered  # the filter shows whom it selects


def test_security_event_list_filters_and_search(admin_client, user):
    other = UserFactory()
    login = SecurityEvent.objects.create(type="login", user=user, ip_address="192.0.2.1")
    failed = SecurityEvent.objects.create(type="login_failed", user=other, ip_address="192.0.2.2")
    revoked = SecurityEvent.objects.create(
        type="session_revoked", user=user, reason="admin", count=3, source="admin"
    )

    def ids(query):
        response = admin_client.get(EVENTS + query)
        assert response.status_code == 200
        return {e.pk for e in results(response)}

    assert ids("") == {login.pk, failed.pk, revoked.pk}
    assert ids("?type__exact=login_failed") == {failed.pk}
    assert ids(f"?user={user.pk}") == {login.pk, revoked.pk}
    assert ids("?reason__exact=admin") == {revoked.pk}
    assert ids("?source=admin") == {revoked.pk}
    assert ids(f"?q={other.email}") == {failed.pk}
    assert ids("?q=192.0.2.1") == {login.pk}
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids("?" + urlencode({"created_at__gte": since})) == {login.pk, failed.pk, revoked.pk}


def test_user_page_shows_a_bounded_number_of_sessions(admin_client, user):
    DeviceSessionFactory.create_batch(25, user=user)
    DeviceSessionFactory(user=user, revoked_at=timezone.now())

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(f"{USERS}{user.pk}/change/")

    assert response.status_code == 200
    inline = response.context["inline_admin_formsets"][0]
    assert len(inline.formset.forms) == 20
    session_queries = [q for q in queries if 'FROM "accounts_devicesession"' in q["sql"]]
    assert len(session_queries) == 1
    assert f"{SESSIONS}?user={user.pk}" in response.content.decode()


# --- At scale -------------------------------------------------------------------------------


def changelist_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        SESSIONS,
        f"{SESSIONS}?state=active&o=3",
        f"{SESSIONS}?q=example.com",
        f"{SESSIONS}?user=1",
        EVENTS,
        f"{EVENTS}?type__exact=login&q=example.com",
    ],
)
def test_changelist_queries_stay_flat(admin_user, django_assert_max_num_queries, url):
    # The admin's session and user, the user filter's email, the count, the page. On
    # PostgreSQL a filtered count also sets and restores its timeout within a savepoint.
    bound = 9 if connection.vendor == "postgresql" else 6
    client = Client()
    client.force_login(admin_user)
    users = UserFactory.create_batch(5)
    DeviceSessionFactory(user=users[0])
    SecurityEvent.objects.create(type="login", user=users[0], actor=admin_user)
    with django_assert_max_num_queries(bound):
        few = changelist_queries(client, url)

    for i in range(49):
        DeviceSessionFactory(user=users[i % 5])
        SecurityEvent.objects.create(type="login", user=users[i % 5], actor=admin_user)
    with django_assert_max_num_queries(bound):
        many = changelist_queries(client, url)
    assert many == few


def test_changelist_never_counts_the_whole_table(admin_client, user):
    DeviceSessionFactory(user=user)
    with CaptureQueriesContext(connection) as queries:
        admin_client.get(f"{SESSIONS}?state=active")
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    # One count, of the filtered rows and bounded by LIMIT: never the full-table count
    # that show_full_result_count would add.
    assert len(counts) == 1
    if connection.vendor == "postgresql":
        assert "LIMIT" in counts[0].upper()


def test_paginator_counts_exactly_up_to_its_limit(user, monkeypatch):
    monkeypatch.setattr(LargeTablePaginator, "exact_count_limit", 3)
    DeviceSessionFactory.create_batch(2, user=user)
    assert LargeTablePaginator(DeviceSession.objects.order_by("pk"), 1).count == 2
    DeviceSessionFactory.create_batch(3, user=user)
    # Past the limit, SQLite counts exactly; PostgreSQL estimates (past the limit).
    count = LargeTablePaginator(DeviceSession.objects.order_by("pk"), 1).count
    if connection.vendor == "postgresql":
        assert count >= 4
    else:
        assert count == 5


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: set DATABASE_URL (CI does)")
def test_paginator_uses_postgresql_statistics(user, monkeypatch):
    monkeypatch.setattr(LargeTablePaginator, "exact_count_limit", 10)
    DeviceSessionFactory.create_batch(30, user=user)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_devicesession")
    with CaptureQueriesContext(connection) as queries:
        count = LargeTablePaginator(DeviceSession.objects.order_by("pk"), 10).count
    assert count == 30
    assert "reltuples" in queries[0]["sql"]
    assert "COUNT(" not in " ".join(q["sql"] for q in queries).upper()

    filtered = DeviceSession.objects.filter(device_name__startswith="device").order_by("pk")
    with CaptureQueriesContext(connection) as queries:
        estimate = LargeTablePaginator(filtered, 10).count
    assert estimate >= 11
    assert queries[-1]["sql"].startswith("EXPLAIN")


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: set DATABASE_URL (CI does)")
def test_paginator_gives_up_counting_in_time_and_restores_the_timeout(user, monkeypatch):
    monkeypatch.setattr(LargeTablePaginator, "count_timeout_ms", 100)
    DeviceSessionFactory.create_batch(5, user=user)
    slow = DeviceSession.objects.extra(where=["pg_sleep(0.05) IS NOT NULL"]).order_by("pk")

    assert LargeTablePaginator(slow, 10).count >= 1  # the planner's estimate: the count was canceled

    assert LargeTablePaginator(DeviceSession.objects.filter(user=user).order_by("pk"), 10).count == 5
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.3)")  # no longer under the count's timeout
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"


@pytest.mark.parametrize("value", ["²", "9" * 40, "abc"])
def test_user_filter_with_an_impossible_id_is_an_empty_list(admin_client, value):
    response = admin_client.get("/admin/accounts/devicesession/", {"user": value})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


# --- Asking before revoking, and revoking one session ----------------------------------------


def hidden_fields(content):
    """The hidden inputs of a confirmation page, as a list of (name, value)."""
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', content)


def test_revoke_selected_asks_first_with_the_count(api_client, admin_client, user, login):
    laptop, phone = login(user, device_name="laptop"), login(user, device_name="phone")
    ids = [laptop["session"]["id"], phone["session"]["id"]]

    page = post_action(admin_client, SESSIONS, "revoke_selected", ids, confirmed=False)

    assert page.status_code == 200
    content = page.content.decode()
    assert "2 live session(s) will be revoked" in content
    assert 'value="Yes, revoke 2 sessions"' in content
    fields = hidden_fields(content)
    assert ("action", "revoke_selected") in fields
    assert ("confirmed", "yes") in fields
    assert sorted(v for n, v in fields if n == helpers.ACTION_CHECKBOX_NAME) == sorted(ids)
    # Nothing happened yet.
    assert_alive(api_client, laptop)
    assert_alive(api_client, phone)
    assert not SecurityEvent.objects.filter(type=SecurityEvent.Type.SESSION_REVOKED).exists()

    # The page's own form, sent back as it is, revokes.
    response = csrf_post(admin_client, SESSIONS, dict_of(fields), get_url=SESSIONS)
    assert response.status_code == 302
    assert_dead(api_client, laptop)
    assert_dead(api_client, phone)


def dict_of(fields):
    data = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


def test_revoke_everything_a_filter_matches_asks_with_the_filtered_count(
    api_client, admin_client, user, login
):
    mine = [login(user), login(user), login(user)]
    theirs = login(UserFactory())

    page = post_action(
        admin_client,
        SESSIONS,
        "revoke_selected",
        [mine[0]["session"]["id"]],
        select_across=True,
        query=f"?user={user.pk}",
        confirmed=False,
    )

    assert "3 live session(s) will be revoked" in page.content.decode()
    assert ("select_across", "1") in hidden_fields(page.content.decode())
    for tokens in [*mine, theirs]:
        assert_alive(api_client, tokens)


def test_revoke_all_sessions_of_users_asks_first(api_client, admin_client, user, login):
    other = UserFactory()
    tokens = [login(user), login(user), login(other)]

    page = post_action(admin_client, USERS, "revoke_all_sessions", [user.pk, other.pk], confirmed=False)

    assert page.status_code == 200
    assert "3 live session(s) of 2 user(s) will be revoked" in page.content.decode()
    for t in tokens:
        assert_alive(api_client, t)


def test_session_page_has_a_revoke_button_that_asks_then_revokes(
    api_client, admin_client, admin_user, user, login
):
    laptop, phone = login(user, device_name="laptop"), login(user, device_name="phone")
    session_id = laptop["session"]["id"]
    change_url = f"{SESSIONS}{session_id}/change/"
    revoke_url = f"{SESSIONS}{session_id}/revoke/"

    page = admin_client.get(change_url).content.decode()
    assert f'href="{revoke_url}"' in page

    confirm = admin_client.get(revoke_url)
    assert confirm.status_code == 200
    assert f"{user.email} will be logged out on this device at once." in confirm.content.decode()
    assert_alive(api_client, laptop)

    response = csrf_post(admin_client, revoke_url, {"confirmed": "yes"})
    assert response.status_code == 302
    assert response["Location"] == change_url
    assert_dead(api_client, laptop)
    assert_alive(api_client, phone)
    event = SecurityEvent.objects.get(type=SecurityEvent.Type.SESSION_REVOKED)
    assert (event.reason, event.source, event.actor, event.user) == ("admin", "admin", admin_user, user)
    # A revoked session's page offers no button any more.
    assert f'href="{revoke_url}"' not in admin_client.get(change_url).content.decode()


def test_revoke_view_needs_the_permission_and_a_post(api_client, user, login):
    tokens = login(user)
    url = f"{SESSIONS}{tokens['session']['id']}/revoke/"
    viewer = csrf_client(staff_with("view_devicesession"))
    assert viewer.get(url).status_code == 403
    assert f'href="{url}"' not in viewer.get(f"{SESSIONS}{tokens['session']['id']}/change/").content.decode()

    revoker = csrf_client(staff_with("view_devicesession", "change_devicesession"))
    assert revoker.get(url).status_code == 200
    token = revoker.cookies["csrftoken"].value
    # A POST without the confirmation only asks again.
    assert revoker.post(url, {"csrfmiddlewaretoken": token}).status_code == 200
    assert_alive(api_client, tokens)
    assert revoker.get(f"{SESSIONS}00000000-0000-0000-0000-000000000000/revoke/").status_code == 404
    assert revoker.get(f"{SESSIONS}not-a-uuid/revoke/").status_code == 404


def test_user_page_inline_revokes_and_comes_back(api_client, admin_client, user, login):
    tokens = login(user, device_name="laptop")
    user_url = f"{USERS}{user.pk}/change/"
    revoke_url = f"{SESSIONS}{tokens['session']['id']}/revoke/"

    page = admin_client.get(user_url).content.decode()
    assert f'href="{revoke_url}?next={user_url}"' in page

    response = csrf_post(
        admin_client,
        revoke_url,
        {"confirmed": "yes", "next": user_url},
        get_url=f"{revoke_url}?next={user_url}",
    )
    assert response.status_code == 302
    assert response["Location"] == user_url
    assert_dead(api_client, tokens)


def test_revoke_view_refuses_to_redirect_elsewhere(admin_client, user, login):
    tokens = login(user)
    url = f"{SESSIONS}{tokens['session']['id']}/revoke/"
    response = csrf_post(admin_client, url, {"confirmed": "yes", "next": "https://evil.example/"})
    assert response["Location"] == f"{SESSIONS}{tokens['session']['id']}/change/"


def test_lists_fit_with_short_headers_compact_dates_and_truncated_user_agents(admin_client, user):
    long_agent = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
    )
    session = DeviceSessionFactory(user=user, device_name="", user_agent=long_agent)
    SecurityEvent.objects.create(type="login", user=user, session_id=session.pk, ip_address="192.0.2.1")

    sessions_page = admin_client.get(SESSIONS)
    headers = [str(h["text"]) for h in sessions_page.context["result_headers"]][1:]  # after the checkbox
    assert headers == [
        "created (UTC)",
        "user",
        "device",
        "ip address",
        "last used (UTC)",
        "expires (UTC)",
        "state, revoked (UTC)",
    ]
    content = sessions_page.content.decode()
    assert long_agent not in re.sub(r'title="[^"]*"', "", content)  # shown truncated...
    assert f'title="{long_agent}"' in content  # ...and whole on hover
    local = timezone.localtime(session.created_at)
    assert f">{local:%Y-%m-%d %H:%M}</time>" in content

    events_page = admin_client.get(EVENTS)
    headers = [str(h["text"]) for h in events_page.context["result_headers"]]
    # Seven columns: the reason shows under the type, the admin under the source.
    assert headers == ["when (UTC)", "event", "user", "count", "session", "ip address", "by"]
    content = events_page.content.decode()
    assert f'title="{session.pk}">{str(session.pk)[:8]}…</span>' in content
    assert "192.0.2.1" in content


def test_lists_leave_room_for_their_columns_at_1280_px(admin_client):
    """No app sidebar beside the lists; a long email loses part of its local part, never its domain."""
    user = UserFactory(email="ada.lovelace.with.a.rather.long.address@example.com")
    DeviceSessionFactory(user=user)
    content = admin_client.get(SESSIONS).content.decode()
    assert 'id="nav-sidebar"' not in content
    assert 'title="ada.lovelace.with.a.rather.long.address@example.com"' in content
    assert ">ada.lovelace.…@example.com<" in content


# --- Revocation epochs (revoke_sessions --all): the same truth before and after settling ------


def epoch_revoked(user, *, settled):
    """Sessions of ``user`` in every state, then an epoch at the moment returned (settled or not)."""
    now = timezone.now()
    sessions = {
        "by epoch": DeviceSessionFactory(user=user, created_at=now - timedelta(hours=2)),
        "by row": DeviceSessionFactory(
            user=user, revoked_at=now - timedelta(hours=1), revoke_reason="logout"
        ),
        "expired": DeviceSessionFactory(user=user, created_at=now - timedelta(days=20)),
    }
    sessions_revoke_everybody(reason=RevokeReason.COMMAND)
    if settled:
        revocation_epochs_settle(older_than=timedelta(0))
    sessions["after"] = DeviceSessionFactory(user=user)
    return sessions, RevocationEpoch.objects.get().revoked_at


@pytest.mark.parametrize("settled", [False, True], ids=["unsettled", "settled"])
def test_session_list_filters_and_columns_follow_the_epoch(admin_client, user, settled):
    sessions, at = epoch_revoked(user, settled=settled)
    by_epoch = sessions["by epoch"]

    def ids(query):
        response = admin_client.get(SESSIONS + query)
        assert response.status_code == 200
        return {s.pk for s in results(response)}

    assert ids("?state=active") == {sessions["after"].pk}
    assert ids("?state=revoked") == {by_epoch.pk, sessions["by row"].pk}
    assert ids("?state=expired") == {sessions["expired"].pk}
    assert ids("?revoke_reason=command") == {by_epoch.pk}
    assert ids("?revoke_reason=logout") == {sessions["by row"].pk}
    content = admin_client.get(SESSIONS + "?revoke_reason=command").content.decode()
    assert "revoked (Revoked by a management command)" in content
    assert f'<time datetime="{at.isoformat()}"' in content  # the "revoked" column: the epoch's time
    # Newest revocation first, by the revocation time alone (no tie-break by id: see SessionChangeList).
    response = admin_client.get(SESSIONS + "?state=revoked")
    assert [s.pk for s in results(response)] == [by_epoch.pk, sessions["by row"].pk]
    assert response.context["cl"].queryset.query.order_by == (NEWEST_REVOCATION_FIRST,)


@pytest.mark.parametrize("settled", [False, True], ids=["unsettled", "settled"])
def test_session_page_of_an_epoch_revoked_session(api_client, admin_client, user, settled):
    sessions, at = epoch_revoked(user, settled=settled)
    session_id = sessions["by epoch"].pk
    change_url = f"{SESSIONS}{session_id}/change/"

    page = admin_client.get(change_url)
    content = page.content.decode()

    assert "Revoked by a management command" in content
    assert f'{SESSIONS}{session_id}/revoke/"' not in content  # no Revoke button
    response = csrf_post(
        admin_client, f"{SESSIONS}{session_id}/revoke/", {"confirmed": "yes"}, get_url=change_url
    )
    assert response.status_code == 302
    assert "This session was already revoked." in [
        str(m) for m in admin_client.get(change_url).context["messages"]
    ]
    assert SecurityEvent.objects.filter(type=SecurityEvent.Type.SESSION_REVOKED).count() == 1  # the epoch's
    assert DeviceSession.objects.with_revocation().get(pk=session_id).revocation() == (at, "command")


@pytest.mark.parametrize("settled", [False, True], ids=["unsettled", "settled"])
def test_revoke_selected_leaves_what_an_epoch_revoked(admin_client, user, settled):
    sessions, at = epoch_revoked(user, settled=settled)
    ids = [s.pk for s in sessions.values()]

    page = post_action(admin_client, SESSIONS, "revoke_selected", ids, confirmed=False)
    assert "1 live session(s) will be revoked" in page.content.decode()  # only the one made after
    post_action(admin_client, SESSIONS, "revoke_selected", ids)

    event = SecurityEvent.objects.filter(type=SecurityEvent.Type.SESSION_REVOKED).latest("pk")
    assert (event.count, event.reason) == (1, "admin")
    assert DeviceSession.objects.with_revocation().get(pk=sessions["by epoch"].pk).revocation() == (
        at,
        "command",
    )


@pytest.mark.parametrize("url", [SESSIONS, f"{SESSIONS}?state=revoked", f"{SESSIONS}?revoke_reason=command"])
def test_changelist_queries_stay_flat_with_an_unsettled_epoch(admin_user, django_assert_max_num_queries, url):
    # As test_changelist_queries_stay_flat, plus the filters' one look at the epochs.
    bound = 10 if connection.vendor == "postgresql" else 7
    client = Client()
    client.force_login(admin_user)
    DeviceSessionFactory()
    sessions_revoke_everybody(reason=RevokeReason.COMMAND)
    with django_assert_max_num_queries(bound):
        few = changelist_queries(client, url)

    DeviceSessionFactory.create_batch(20)
    sessions_revoke_everybody(reason=RevokeReason.COMMAND)
    with django_assert_max_num_queries(bound):
        many = changelist_queries(client, url)
    assert many == few


# --- Text a client chose, as data ----------------------------------------------------------

# A stored name or User-Agent may hold what the API now refuses (stored before the rule; a
# User-Agent no one validates): a bidi override that turns the text after it around (a
# session id, our own words), a line break, a terminal escape.
HOSTILE_NAME = "moc.elpmaxe\u202e phone\nYour sessions are safe\x85"
HOSTILE_AGENT = "Mozilla/5.0\u2066 (X11)\x1b[31m Firefox/1.0\u2028evil"
RAW = ("\u202e", "\u2066", "\x1b", "\x85", "\u2028")


def assert_inert(content, *escapes):
    """Assert ``content`` holds none of the raw characters, and shows each of ``escapes``."""
    for char in RAW:
        assert char not in content, f"U+{ord(char):04X} reached the page"
    for escape in escapes:
        assert escape in content


def test_session_list_page_and_confirmation_show_control_and_bidi_characters_as_escapes(admin_client, user):
    session = DeviceSessionFactory(user=user, device_name=HOSTILE_NAME, user_agent=HOSTILE_AGENT)
    bare = DeviceSessionFactory(user=user, device_name="", user_agent=HOSTILE_AGENT)

    listed = admin_client.get(SESSIONS).content.decode()
    assert_inert(listed, "moc.elpmaxe\\u202e phone\\nYour", "Mozilla/5.0\\u2066 (X11)\\u001b[31m")
    page = admin_client.get(f"{SESSIONS}{session.pk}/change/").content.decode()
    assert_inert(page, "moc.elpmaxe\\u202e phone\\nYour sessions are safe\\u0085", "Firefox/1.0\\u2028evil")
    assert f"\\u0085 ({session.pk})" in page  # the title: the id after the name reads as it is
    assert_inert(admin_client.get(f"{SESSIONS}{bare.pk}/change/").content.decode(), "\\u001b[31m")
    asked = admin_client.get(f"{SESSIONS}{session.pk}/revoke/").content.decode()
    assert_inert(asked, f"safe\\u0085 ({session.pk})")
    user_page = admin_client.get(f"{USERS}{user.pk}/change/").content.decode()
    assert_inert(user_page, "moc.elpmaxe\\u202e phone\\nYour")


def test_user_list_shows_chosen_names_inert_and_cut(admin_client):
    UserFactory(first_name="Mal\u202elory", last_name="L" * 150)
    content = admin_client.get(USERS).content.decode()
    assert_inert(content, "Mal\\u202elory")
    assert "L" * 150 not in re.sub(r'title="[^"]*"', "", content)  # cut in the row, whole on hover
    assert f'title="{"L" * 150}"' in content


def test_security_event_page_shows_stored_details_inert(admin_client, user):
    # A failed login records the email as typed; the LoginSerializer takes any text there.
    response = Client().post(
        "/api/auth/login/",
        {"email": "x\x85@exa\u2028mple.com\u202e", "password": "wrong"},
        content_type="application/json",
    )
    assert response.status_code == 401
    event = SecurityEvent.objects.get(type=SecurityEvent.Type.LOGIN_FAILED)
    assert event.detail == {"email": "x\x85@exa\u2028mple.com\u202e"}  # kept as typed, for the record
    page = admin_client.get(f"{EVENTS}{event.pk}/change/").content.decode()
    assert_inert(page, "x\\u0085@exa\\u2028mple.com\\u202e")
