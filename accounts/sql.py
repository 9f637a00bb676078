"""What the hand-written statements of the hot paths share: the connection a model's rows are on, a prepared cursor.

The statements themselves live with their feature: a session's rotation and authentication in
``accounts/sessions/hot_sql.py``, a DPoP proof's use in ``accounts/dpop/replay.py``.
"""

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model


def connection_for(model: type[Model], *, write: bool) -> BaseDatabaseWrapper:
    """Return the connection that reads (or, with ``write``, writes) the rows of ``model``."""
    return connections[router.db_for_write(model) if write else router.db_for_read(model)]


def prepared_cursor(connection: BaseDatabaseWrapper):
    """Return a cursor whose statements the server prepares, where the backend offers one.

    On PostgreSQL (common/db/postgresql) the statements are then parsed and planned once per
    connection; other backends give their usual cursor.
    """
    prepared = getattr(connection, "prepared_cursor", None)
    return prepared() if prepared is not None else connection.cursor()
