"""The harness the fault tests stand on (testing/): waiting for a condition, and ports that stay ours.

gunicorn gets a socket bound before it starts, so no other process can take its port meanwhile;
redis-server and PostgreSQL must bind themselves, so a port taken between choosing and binding
it sends them to another one (on their first start; a restart keeps the port clients know).
"""

import errno
import shutil
import socket
from pathlib import Path

import pytest

from testing.faults import PortTaken, PostgresCluster, RedisServer
from testing.servers import HOST, Gunicorn, server_env, wait_until


def take(port):
    """Return a socket listening on ``port``: what another process holding it looks like."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past the connections just closed
    sock.bind((HOST, port))
    sock.listen()
    return sock


def test_wait_until_returns_the_first_true_value_and_fails_past_its_timeout():
    answers = iter([None, 0, "here", "later"])
    assert wait_until(lambda: next(answers), 5, interval=0) == "here"
    with pytest.raises(TimeoutError, match="the sky falling: not within 0 s"):
        wait_until(lambda: False, 0, "the sky falling")


def test_gunicorn_holds_its_port_from_the_start(tmp_path):
    server = Gunicorn(server_env(database_url=f"sqlite:///{tmp_path}/db.sqlite3"))
    try:
        with pytest.raises(OSError) as taken, socket.socket() as other:
            other.bind((HOST, server.port))
        assert taken.value.errno == errno.EADDRINUSE
    finally:
        server.stop()
    with socket.socket() as other:
        other.bind((HOST, server.port))  # given back by stop(), though never started


def test_redis_server_moves_off_a_port_taken_before_its_first_start(tmp_path):
    redis = RedisServer(tmp_path / "redis")
    chosen = redis.port
    with take(chosen):
        redis.start()
        try:
            assert redis.port != chosen and redis.client().ping()
            redis.kill()
            with take(redis.port), pytest.raises(PortTaken):
                redis.start()  # a restart: the servers under test know this port
        finally:
            redis.stop()


@pytest.mark.skipif(
    not (sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb")) or shutil.which("initdb")),
    reason="needs PostgreSQL's server binaries (initdb, pg_ctl)",
)
def test_postgres_cluster_moves_off_a_port_taken_before_its_first_start():
    cluster = PostgresCluster()
    try:
        cluster.init()
        chosen = cluster.port
        with take(chosen):
            cluster.start()
            assert cluster.port != chosen
            assert cluster.create_database("moved").endswith(f":{cluster.port}/moved")
            cluster.stop()
            with take(cluster.port), pytest.raises(PortTaken):
                cluster.start()
    finally:
        cluster.remove()
