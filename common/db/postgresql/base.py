"""Django's PostgreSQL backend, with a health check that costs no round trip.

``CONN_HEALTH_CHECKS`` asks every request's first query to check the pooled connection first.
Django checks with ``SELECT 1``: one more round trip per request, and the largest share of a
refresh's time after the refresh's own statement (docs/benchmarks.md). A connection the server
has closed (a restart, ``pg_terminate_backend``, an idle timeout) has bytes or an end of file
waiting on its socket: the server's termination notice and the close. An idle connection that
still works has nothing there, since the server never speaks unasked on a connection that does
not LISTEN. So a zero-timeout ``poll()`` of the socket tells the two apart without a query;
anything unexpected on the socket counts as broken, and the connection is opened again.

It also gives the hot paths (accounts/sessions/hot_sql.py) a cursor that binds parameters on the
server, so that psycopg prepares their statements per connection (see ``prepared_cursor``).

What neither check can see (a server that hangs, a network that drops packets silently) is
left to ``connect_timeout`` and the 503 of common.middleware, as before.

In request-serving processes every connection it opens carries the statement bound of
``DB_STATEMENT_TIMEOUT_SECONDS`` in its startup packet (common.db says why there).
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq

from common import db
from common.db.postgresql.operations import DatabaseOperations

_BROKEN = select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP | select.POLLNVAL


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def is_usable(self):
        """Return whether the connection can still be used, from its state and its socket."""
        if self.connection is None or self.connection.closed:
            return False
        pgconn = self.connection.pgconn
        if pgconn.status != pq.ConnStatus.OK:
            return False
        if pgconn.transaction_status != pq.TransactionStatus.IDLE:
            # Not between transactions (never so in Django's own checks): ask the server.
            return super().is_usable()
        try:
            poller = select.poll()
            poller.register(pgconn.socket, _BROKEN)
            return not poller.poll(0)
        except (OSError, ValueError, base.Database.Error):
            return False

    def get_connection_params(self):
        params = super().get_connection_params()
        # In the startup packet, in request-serving processes only: see common.db.
        options = db.startup_options(params.get("options"))
        if options:
            params["options"] = options
        return params

    def get_new_connection(self, conn_params):
        try:
            connection = super().get_new_connection(conn_params)
        except base.Database.OperationalError as exc:
            # A pooler may refuse the bound (PgBouncer: "unsupported startup parameter"):
            # connect without it rather than answer every request 503 (common.db).
            if not db.startup_options_refused(exc, conn_params.get("options")):
                raise
            return self.get_new_connection(self.get_connection_params())
        options = self.settings_dict["OPTIONS"]
        # Django turns psycopg's preparing off unless OPTIONS name a threshold, for the sake of
        # poolers. Only cursors that bind on the server ever prepare, and unless the ORM was
        # told to bind on the server too, those are prepared_cursor's alone. A pooler that
        # cannot keep prepared statements (PgBouncer before 1.21 in transaction mode) sets
        # DB_PREPARED_STATEMENTS=false (config/settings.py), which names a threshold of None.
        if "prepare_threshold" not in options and options.get("server_side_binding") is not True:
            connection.prepare_threshold = 1
        return connection

    def prepared_cursor(self):
        """Return a cursor that binds parameters on the server instead of quoting them into the SQL.

        psycopg prepares such a cursor's statement the second time it runs on a connection
        (see ``get_new_connection``): the server parses and plans it once, and the parameters
        travel apart from the text. Django's cursors bind on the client, which suits the ORM's
        many one-off statements; the statements of the hot paths run on every request.
        """
        self.close_if_health_check_failed()
        self.ensure_connection()
        factory = self.connection.cursor_factory
        self.connection.cursor_factory = base.ServerBindingCursor
        try:
            # Django's own cursor set-up (the time zone, the debug wrapper, error translation).
            return self._cursor()
        finally:
            self.connection.cursor_factory = factory
