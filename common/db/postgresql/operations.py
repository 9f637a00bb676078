from django.db.backends.postgresql import base, operations
from psycopg import errors


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        """Return the SQL of a server-binding cursor's statement too, with its parameters quoted in.

        Django reads it off client-binding cursors, the only ones it makes unless told to bind
        on the server; ``DatabaseWrapper.prepared_cursor`` makes the other kind. Used only where
        queries are recorded (DEBUG, tests), never on a request's way in production.
        """
        if isinstance(cursor, base.ServerBindingCursor):
            try:
                return self.compose_sql(sql, params)
            except errors.DataError:
                return None
        return super().last_executed_query(cursor, sql, params)
