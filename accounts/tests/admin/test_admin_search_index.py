"""The admin's device-name and IP searches: the same answers everywhere, a trigram index under them on PostgreSQL."""

import json

import pytest
from django.db import connection

from accounts.admin.lists import search_q
from accounts.models import DeviceSession
from accounts.tests.factories import DeviceSessionFactory

SESSIONS = "/admin/accounts/devicesession/"
SESSION_SEARCH = {"ip_field": "ip_address", "id_field": "pk", "text_fields": ("device_name",)}

pytestmark = pytest.mark.django_db

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: set DATABASE_URL (CI does)"
)


def found(admin_client, term):
    response = admin_client.get(SESSIONS, {"q": term})
    assert response.status_code == 200
    return {session.pk for session in response.context["cl"].result_list}


def test_an_ip_search_stays_exact(admin_client, user):
    exact = DeviceSessionFactory(user=user, ip_address="10.0.3.7")
    DeviceSessionFactory(user=user, ip_address="10.0.3.70")  # contains the term, is not it
    DeviceSessionFactory(user=user, ip_address="110.0.3.7")
    v6 = DeviceSessionFactory(user=user, ip_address="2001:db8::1")
    DeviceSessionFactory(user=user, ip_address="2001:db8::10")
    assert found(admin_client, "10.0.3.7") == {exact.pk}
    assert found(admin_client, "2001:DB8:0::1") == {v6.pk}  # written differently, the same address


def test_a_device_name_search_ignores_case_and_finds_any_part(admin_client, user):
    laptop = DeviceSessionFactory(user=user, device_name="Ada's ThinkPad #13")
    DeviceSessionFactory(user=user, device_name="ThinkPad #14")
    assert found(admin_client, "thinkpad #13") == {laptop.pk}
    assert found(admin_client, "PAD #1") == {laptop.pk, DeviceSession.objects.exclude(pk=laptop.pk).get().pk}


def plan(queryset):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # A tiny table: the planner would rather read it all, or walk created_at's index in the
        # order asked. Without those two, it shows which index finds the rows by the condition.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        document = cursor.fetchone()[0]
    return json.dumps(document if not isinstance(document, str) else json.loads(document))


@pytest.mark.postgres
@needs_postgres
@pytest.mark.parametrize("term", ["ThinkPad #13", "10.0.3.7", "2001:db8::1"])
def test_postgresql_serves_the_searches_from_the_trigram_indexes(term, user):
    DeviceSessionFactory.create_batch(20, user=user)
    queryset = DeviceSession.objects.filter(search_q(term, **SESSION_SEARCH)).order_by("-created_at")[:50]
    index = "session_ip_trgm_idx" if term[0].isdigit() else "session_device_trgm_idx"
    assert index in plan(queryset)


@pytest.mark.postgres
@needs_postgres
def test_the_trigram_indexes_exist_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'accounts_devicesession' "
            "AND indexname LIKE '%%trgm%%'"
        )
        indexes = dict(cursor.fetchall())
    assert set(indexes) == {"session_device_trgm_idx", "session_ip_trgm_idx"}
    assert all("USING gin" in definition and "gin_trgm_ops" in definition for definition in indexes.values())
