"""The session table's physical design, which revoking a million sessions in seconds needs."""

import re
import uuid

import pytest
from django.db import connection
from rest_framework_simplejwt.tokens import UntypedToken

from accounts.models import DeviceSession

pytestmark = pytest.mark.django_db


def test_session_ids_are_time_ordered_uuid7(user, login):
    """Ids that grow with creation keep bulk revocations' primary-key writes on neighbouring pages."""
    first, second, third = (login(user, device_name=f"device {n}") for n in range(3))
    ids = [uuid.UUID(UntypedToken(tokens["access"])["sid"]) for tokens in (first, second, third)]

    assert [each.version for each in ids] == [7, 7, 7]
    assert ids == sorted(ids)
    assert len(set(ids)) == 3
    by_creation = DeviceSession.objects.order_by("created_at").values_list("pk", flat=True)
    assert list(by_creation) == ids


def index_definitions():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [DeviceSession._meta.db_table])
        return [row[0] for row in cursor.fetchall()]


def columns_of(definition):
    return re.search(r"USING btree \((.*?)\)", definition).group(1)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: set DATABASE_URL (CI does)")
def test_a_revoked_session_enters_only_the_indexes_that_need_it():
    """Each index over every row costs an entry per revoked row; only ordered ones are cheap.

    A new full index (one on the IP address, say, whose entries land on random pages) would
    take revoking 1M sessions past its 10 s target: put it behind ``WHERE revoked_at IS NULL``
    or measure it with bench/sessions_at_scale.py first.
    """
    everything = index_definitions()
    # The admin's device-name and IP searches (migration 0012): two GIN trigram indexes over every
    # row, measured in docs/admin-at-scale.md ("What they cost": a 200k-row bulk UPDATE 3.0 s ->
    # 10.2 s; revoke_sessions --all stays one epoch row). Nothing else may join them unmeasured.
    trigram = sorted(each for each in everything if "USING gin" in each)
    assert [re.search(r"USING gin \((.*) gin_trgm_ops\)", each).group(1) for each in trigram] == [
        "upper((device_name)::text)",
        "host(ip_address)",
    ]
    definitions = [each for each in everything if "USING gin" not in each]
    full = sorted(columns_of(each) for each in definitions if " WHERE " not in each)
    live_only = sorted(columns_of(each) for each in definitions if " WHERE " in each)

    # The primary key, the user foreign key (deleting a user, the admin's user filter), the
    # admin's default order, and the "revoked" filter with pruning. A revocation writes the
    # id, creation and revocation entries in about the order it scans the table (time-ordered
    # ids, creation times, one revocation time): only the user index takes scattered writes.
    assert full == ["created_at DESC", "id", "revoked_at", "user_id"]
    assert live_only == ["expires_at", "last_used_at", "user_id, created_at DESC"]
    assert all(each.endswith("WHERE (revoked_at IS NULL)") for each in definitions if " WHERE " in each)
