"""The statements on the hot paths, as SQL written once per database connection.

Through the ORM, building these statements costs several times what running them does
(docs/benchmarks.md has the figures), and they run on every refresh and every authenticated
request. Each function names the ORM
query it stands for. The condition "the session is live"
is ``DeviceSessionQuerySet.live()`` (accounts/models.py) spelled out in SQL:
``accounts/tests/sessions/test_session_rule.py`` proves both agree on every state, on SQLite and PostgreSQL.
Table and column names come from the models' metadata, so renaming a field stays safe.
"""

from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import NamedTuple
from uuid import UUID

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Col

from accounts.models import DeviceSession, RevocationEpoch, User
from accounts.sql import connection_for, prepared_cursor


def _columns(
    connection: BaseDatabaseWrapper,
) -> tuple[Callable[[str], str], Callable[[str], str], Callable[[str], str]]:
    quote = connection.ops.quote_name
    session, user = DeviceSession._meta, User._meta

    def s(name: str) -> str:
        return f"{quote(session.db_table)}.{quote(session.get_field(name).column)}"

    def u(name: str) -> str:
        return f"{quote(user.db_table)}.{quote(user.get_field(name).column)}"

    return quote, s, u


def _no_epoch_after_creation(connection: BaseDatabaseWrapper) -> str:
    """Return the SQL of "no unsettled revocation epoch came at or after the session's creation" (live()'s epoch part).

    NOT EXISTS measured cheaper here than comparing with the latest epoch (docs/admin-at-scale.md).
    """
    quote, s, _ = _columns(connection)
    epoch = RevocationEpoch._meta

    def e(name: str) -> str:
        return f"{quote(epoch.db_table)}.{quote(epoch.get_field(name).column)}"

    return (
        f"NOT EXISTS (SELECT 1 FROM {quote(epoch.db_table)} "
        f"WHERE {e('settled_at')} IS NULL AND {e('revoked_at')} >= {s('created_at')})"
    )


@cache
def _rotate_sql(alias: str) -> str:
    connection = connections[alias]
    quote, s, u = _columns(connection)
    bare = [quote(DeviceSession._meta.get_field(name).column) for name in _ROTATE_SET]
    # Identifiers come from the models' metadata and every value is a parameter.
    return (
        f"UPDATE {quote(DeviceSession._meta.db_table)} SET {', '.join(f'{c} = %s' for c in bare)} "
        f"WHERE {s('id')} = %s AND {s('user')} = %s AND {s('refresh_jti')} = %s "
        f"AND {s('revoked_at')} IS NULL AND {s('expires_at')} > %s AND {s('absolute_expires_at')} > %s "
        f"AND {_no_epoch_after_creation(connection)} "
        f"AND EXISTS (SELECT 1 FROM {quote(User._meta.db_table)} "
        f"WHERE {u('id')} = {s('user')} AND {u('is_active')}) "
        # What the new tokens carry over from the session (SQLite 3.35+ and PostgreSQL alike).
        f"RETURNING {', '.join(quote(DeviceSession._meta.get_field(name).column) for name in _ROTATE_RETURN)}"
    )


_ROTATE_RETURN = ("auth_time", "amr")
_ROTATE_SET = ("refresh_jti", "previous_jti", "rotated_at", "last_used_at", "expires_at")


class Rotated(NamedTuple):
    """What a rotation read back from the session's row: when and how its user last authenticated."""

    auth_time: datetime | None
    amr: str


def session_rotate(
    *,
    session_id: UUID | str,
    user_id: int | str,
    jti: str,
    new_jti: str,
    now: datetime,
    expires_at: datetime,
) -> Rotated | None:
    """Move the session from ``jti`` to ``new_jti`` if ``jti`` is still its live token; return its row's auth fields, or None.

    Stands for::

        DeviceSession.objects.live(now).filter(pk=session_id, user_id=user_id, refresh_jti=jti)
            .filter(Exists(User.objects.filter(pk=OuterRef("user_id"), is_active=True)))
            .update(refresh_jti=new_jti, previous_jti=jti, rotated_at=now, last_used_at=now,
                    expires_at=expires_at)

    with the session's ``auth_time`` and ``amr`` read back in the same statement.
    """
    connection = connection_for(DeviceSession, write=True)
    moment = connection.ops.adapt_datetimefield_value(now)
    params = [
        new_jti,
        jti,
        moment,
        moment,
        connection.ops.adapt_datetimefield_value(expires_at),
        DeviceSession._meta.pk.get_db_prep_value(session_id, connection),
        int(user_id),
        jti,
        moment,
        moment,
    ]
    with prepared_cursor(connection) as cursor:
        cursor.execute(_rotate_sql(connection.alias), params)
        row = cursor.fetchone()
    if row is None:
        return None
    field = DeviceSession._meta.get_field("auth_time")
    column = field.get_col(DeviceSession._meta.db_table)
    auth_time = row[0]
    for convert in connection.ops.get_db_converters(column) + field.get_db_converters(connection):
        auth_time = convert(auth_time, column, connection)
    return Rotated(auth_time=auth_time, amr=row[1] or "")


@cache
def _live_user_sql(alias: str) -> str:
    connection = connections[alias]
    quote, s, u = _columns(connection)
    columns = ", ".join(
        [u(field.name) for field in User._meta.concrete_fields]
        + [s("expires_at"), s("absolute_expires_at"), s("last_used_at")]
    )
    return (
        f"SELECT {columns} FROM {quote(User._meta.db_table)} "
        f"INNER JOIN {quote(DeviceSession._meta.db_table)} ON {s('user')} = {u('id')} "
        f"WHERE {s('id')} = %s AND {s('user')} = %s AND {s('revoked_at')} IS NULL "
        f"AND {s('expires_at')} > %s AND {s('absolute_expires_at')} > %s AND {u('is_active')} "
        f"AND {_no_epoch_after_creation(connection)}"
    )


@cache
def _user_converters(alias: str) -> list[tuple[Col, list]]:
    """Return, per selected column, the column and the converters Django would apply."""
    connection = connections[alias]
    result = []
    fields = [(User, field) for field in User._meta.concrete_fields] + [
        (DeviceSession, DeviceSession._meta.get_field(name))
        for name in ("expires_at", "absolute_expires_at", "last_used_at")
    ]
    for model, field in fields:
        column = field.get_col(model._meta.db_table)
        result.append(
            (column, connection.ops.get_db_converters(column) + field.get_db_converters(connection))
        )
    return result


_USER_ATTNAMES = tuple(field.attname for field in User._meta.concrete_fields)


def live_session_user(
    *, session_id: UUID | str, user_id: int | str, now: datetime
) -> tuple[User, datetime, datetime] | None:
    """Return ``(user, ends, last_used_at)`` of the live session ``session_id`` of an active user, or None.

    Stands for::

        session = DeviceSession.objects.live(now).select_related("user")
            .filter(pk=session_id, user_id=user_id, user__is_active=True).first()
        session.user, min(session.expires_at, session.absolute_expires_at), session.last_used_at

    The row becomes a User the way the ORM makes one (the backend's converters, then
    Model.from_db), without a RawQuerySet, whose set-up cost as much as the query.
    """
    connection = connection_for(User, write=False)
    moment = connection.ops.adapt_datetimefield_value(now)
    params = [DeviceSession._meta.pk.get_db_prep_value(session_id, connection), int(user_id), moment, moment]
    with prepared_cursor(connection) as cursor:
        cursor.execute(_live_user_sql(connection.alias), params)
        row = cursor.fetchone()
    if row is None:
        return None
    values = []
    for value, (column, converters) in zip(row, _user_converters(connection.alias), strict=True):
        for convert in converters:
            value = convert(value, column, connection)
        values.append(value)
    *values, expires_at, absolute_expires_at, last_used_at = values
    user = User.from_db(connection.alias, _USER_ATTNAMES, values)
    return user, min(expires_at, absolute_expires_at), last_used_at
