"""``DB_PREPARED_STATEMENTS=false``: what a transaction pooler in front of PostgreSQL needs, in one switch.

No prepared statement and no server-side cursor: both live on one server connection past the
transaction, and a pooler in transaction mode hands the next transaction to any connection.
"""

import json

import pytest

pytestmark = pytest.mark.django_db  # the root fixtures clear the cache

PRINT = (
    "import json; from django.conf import settings; d = settings.DATABASES['default']; "
    "print(json.dumps([d['OPTIONS'].get('prepare_threshold', 'unset'), d.get('DISABLE_SERVER_SIDE_CURSORS')]))"
)
PG = "postgres://app@db.invalid:6432/app"


@pytest.mark.parametrize(
    ("env", "expected"),
    [({"DB_PREPARED_STATEMENTS": "false"}, [None, True]), ({}, ["unset", None])],
    ids=["behind a pooler", "default"],
)
def test_one_switch_turns_off_prepared_statements_and_server_side_cursors(run_settings, env, expected):
    done = run_settings(PRINT, DATABASE_URL=PG, **env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == expected
