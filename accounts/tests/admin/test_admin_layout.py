"""The admin's pages at 1280 px and on a phone: columns, emails, dates and their time zone, the user's page, the epochs."""

import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

import accounts
from accounts.admin.lists import short_email
from accounts.events import acting_as
from accounts.models import RevocationEpoch, RevokeReason, SecurityEvent
from accounts.sessions.housekeeping import revocation_epochs_settle
from accounts.sessions.revocation import sessions_revoke_everybody
from accounts.tests.factories import DeviceSessionFactory, UserFactory

SESSIONS = "/admin/accounts/devicesession/"
EVENTS = "/admin/accounts/securityevent/"
EPOCHS = "/admin/accounts/revocationepoch/"

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("email", "shown"),
    [
        ("short@example.org", "short@example.org"),
        ("exactly.twenty.six@abc.org", "exactly.twenty.six@abc.org"),
        ("a.very.long.local.part@example-company.co.uk", "a.ve…@example-company.co.uk"),
        (
            "someone@a-domain-much-longer-than-the-column.example",
            "some…@a-domain-much-longer-than-the-column.example",
        ),
        ("no-at-sign-but-very-long-indeed-yes", "no-at-sign-but-very-long-…"),
    ],
)
def test_short_email_keeps_the_domain_whole(email, shown):
    assert short_email(email) == shown


def test_events_list_shows_the_domain_of_user_and_admin_and_merges_columns(admin_client, user):
    long_admin = UserFactory(is_staff=True, email="the.administrator.on.call.tonight@ops.example.net")
    user.email = "ada.lovelace.with.a.rather.long.address@example.com"
    user.save()
    SecurityEvent.objects.create(
        type="session_revoked", user=user, reason="admin", actor=long_admin, source="admin", count=2
    )
    content = admin_client.get(EVENTS).content.decode()
    assert ">ada.lovelace.…@example.com<" in content
    assert ">the.admin…@ops.example.net<" in content
    assert 'title="the.administrator.on.call.tonight@ops.example.net"' in content
    # The reason under the type, the admin under the source: both still there.
    assert 'Session revoked<br><span class="quiet">Revoked by an admin</span>' in content
    assert "admin<br>" in content


def test_dates_stay_on_one_line_and_ipv6_addresses_may_break(admin_client, user):
    session = DeviceSessionFactory(user=user, ip_address="2001:db8:85a3::8a2e:370:7334")
    page = admin_client.get(SESSIONS)
    content = page.content.decode()
    assert "2001:<wbr>db8:<wbr>85a3:<wbr>:<wbr>8a2e:<wbr>370:<wbr>7334" in content
    # The stylesheet that keeps a <time> on one line is linked, and says so.
    assert "accounts/admin.css" in content
    css = (Path(accounts.__file__).parent / "static/accounts/admin.css").read_text()
    assert re.search(r"#result_list time,\s*\.inline-group time \{\s*white-space: nowrap;", css)
    local = timezone.localtime(session.created_at)
    assert f'title="{local:%Y-%m-%d %H:%M:%S} UTC">{local:%Y-%m-%d %H:%M}</time>' in content


def test_dates_name_their_time_zone(admin_client, user, settings):
    settings.TIME_ZONE = "Europe/Paris"
    session = DeviceSessionFactory(user=user, revoked_at=timezone.now(), revoke_reason="logout")
    page = admin_client.get(SESSIONS)
    headers = [str(h["text"]) for h in page.context["result_headers"]]
    assert "created (Europe/Paris)" in headers
    detail = admin_client.get(f"{SESSIONS}{session.pk}/change/").content.decode()
    paris = timezone.localtime(session.revoked_at, ZoneInfo("Europe/Paris"))
    assert f"{paris:%Y-%m-%d %H:%M:%S} {paris.tzname()}" in detail


def test_admin_header_names_the_project(admin_client):
    content = admin_client.get("/admin/").content.decode()
    assert "refresh-sessions administration" in content
    assert "<title>Site administration | refresh-sessions admin</title>" in content
    assert "Django administration" not in content


def readonly_values(content):
    """Map each read-only field's label on a change page to the text shown for it."""
    pairs = re.findall(
        r'<label>([^<]*):</label>\s*<div class="readonly">(.*?)</div>', content, flags=re.DOTALL
    )
    return {label: value.strip() for label, value in pairs}


def test_session_page_formats_every_date_alike_and_shows_a_dash_for_none(admin_client, user):
    live = DeviceSessionFactory(user=user, rotated_at=None)
    values = readonly_values(admin_client.get(f"{SESSIONS}{live.pk}/change/").content.decode())
    assert values["Revoked at"] == "-"
    assert values["Revoke reason"] == "-"
    assert values["Rotated at"] == "-"
    created = timezone.localtime(live.created_at)
    assert values["Created at"] == f"{created:%Y-%m-%d %H:%M:%S} UTC"

    revoked = DeviceSessionFactory(user=user, revoked_at=timezone.now(), revoke_reason="logout")
    values = readonly_values(admin_client.get(f"{SESSIONS}{revoked.pk}/change/").content.decode())
    at = timezone.localtime(revoked.revoked_at)
    assert values["Revoked at"] == f"{at:%Y-%m-%d %H:%M:%S} UTC"  # like "Created at", not a raw timestamp
    assert values["Revoke reason"] == "Logged out"
    assert (
        values["State"] == "revoked (Logged out)"
    )  # the list's column joins the time, the page has its own row


def test_user_page_shows_a_dash_for_a_user_who_never_logged_in(admin_client):
    user = UserFactory(last_login=None)
    content = admin_client.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    assert "None" not in re.sub(r"<(script|select)\b.*?</\1>", "", content, flags=re.DOTALL)


def test_user_page_shows_live_sessions_above_the_permissions(admin_client, user):
    session = DeviceSessionFactory(user=user, device_name="Work laptop")
    DeviceSessionFactory(user=user, device_name="Old phone", revoked_at=timezone.now())  # not live
    content = admin_client.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    inline = content.index('id="device_sessions-group"')
    assert content.index("Personal info") < inline < content.index("Permissions</h2>")
    assert content.index("Every session of this user") < inline
    assert inline < content.index('name="user_permissions"')
    assert content.count('id="device_sessions-group"') == 1  # not again below the form
    assert "Work laptop" in content[inline:]
    assert "Old phone" not in content
    assert f"/admin/accounts/devicesession/{session.pk}/revoke/" in content


def test_user_add_page_still_renders_its_one_fieldset(admin_client):
    response = admin_client.get("/admin/accounts/user/add/")
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="password1"' in content
    assert 'name="usable_password"' in content
    assert 'id="device_sessions-group"' not in content


# --- Revocation epochs: a read-only page ---------------------------------------------------


def test_epochs_page_lists_when_why_by_whom_and_whether_settled(admin_client, user):
    admin = UserFactory(is_staff=True, email="night.operator.with.long.name@ops.example.net")
    DeviceSessionFactory(user=user)
    DeviceSessionFactory(user=user)
    with acting_as(admin, "admin"):
        sessions_revoke_everybody(reason=RevokeReason.ADMIN, criterion="all")
    revocation_epochs_settle(older_than=timedelta(0))
    DeviceSessionFactory(user=user)
    sessions_revoke_everybody(reason=RevokeReason.COMMAND, criterion="all")
    settled, unsettled = RevocationEpoch.objects.order_by("revoked_at")

    response = admin_client.get(EPOCHS)
    assert response.status_code == 200
    rows = {epoch.pk: epoch for epoch in response.context["cl"].result_list}
    assert list(rows) == [unsettled.pk, settled.pk]  # newest first
    content = response.content.decode()
    assert "not yet" in content  # the unsettled one
    at = timezone.localtime(settled.settled_at)
    assert f">{at:%Y-%m-%d %H:%M}</time>" in content
    assert 'title="night.operator.with.long.name@ops.example.net"' in content
    assert ">night.ope…@ops.example.net<" in content
    assert "Revoked by an admin" in content and "Revoked by a management command" in content
    headers = [str(h["text"]) for h in response.context["result_headers"]]
    assert headers == ["when (UTC)", "reason", "by", "criterion", "sessions revoked", "settled (UTC)"]
    assert rows[settled.pk].event_count == 2
    assert rows[unsettled.pk].event_count == 1
    assert rows[unsettled.pk].event_source == "system"  # no actor: services called directly

    assert [e.pk for e in admin_client.get(EPOCHS + "?settled=no").context["cl"].result_list] == [
        unsettled.pk
    ]
    assert [e.pk for e in admin_client.get(EPOCHS + "?settled=yes").context["cl"].result_list] == [settled.pk]

    page = admin_client.get(f"{EPOCHS}{settled.pk}/change/").content.decode()
    values = readonly_values(page)
    assert values["Criterion"] == "all"
    assert values["Sessions revoked"] == "2"


def test_epochs_page_is_read_only_even_for_a_superuser(admin_client, user):
    DeviceSessionFactory(user=user)
    sessions_revoke_everybody(reason=RevokeReason.COMMAND, criterion="all")
    epoch = RevocationEpoch.objects.get()
    content = admin_client.get(EPOCHS).content.decode()
    assert "/add/" not in content.split('id="changelist"')[1]
    assert admin_client.get(EPOCHS + "add/").status_code == 403
    assert admin_client.get(f"{EPOCHS}{epoch.pk}/delete/").status_code == 403
    page = admin_client.get(f"{EPOCHS}{epoch.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    values = readonly_values(page)
    assert values["Settled at"] == "-"  # not settled yet: a dash, like every empty date
    at = timezone.localtime(epoch.revoked_at)
    assert values["Revoked at"] == f"{at:%Y-%m-%d %H:%M:%S} UTC"
    response = admin_client.post(
        f"{EPOCHS}{epoch.pk}/change/", {"reason": "logout", "revoked_at": "2000-01-01"}
    )
    assert response.status_code == 403
    epoch.refresh_from_db()
    assert epoch.reason == RevokeReason.COMMAND and epoch.settled_at is None


def test_epochs_page_costs_the_same_queries_for_one_epoch_or_many(
    admin_client, user, django_assert_max_num_queries
):
    DeviceSessionFactory(user=user)
    sessions_revoke_everybody(reason=RevokeReason.COMMAND, criterion="all")
    admin_client.get(EPOCHS)  # warm up (content types, permissions)
    with django_assert_max_num_queries(8) as one:
        admin_client.get(EPOCHS)
    for _ in range(10):
        DeviceSessionFactory(user=user)
        sessions_revoke_everybody(reason=RevokeReason.COMMAND, criterion="all")
    with django_assert_max_num_queries(len(one.captured_queries)):
        admin_client.get(EPOCHS)
    assert RevocationEpoch.objects.count() == 11
