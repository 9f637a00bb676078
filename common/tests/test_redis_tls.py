"""Redis over TLS (``rediss://``), in-process: a private redis-server that speaks TLS only.

redis-py takes the certificate settings as the URL's query parameters (``ssl_ca_certs``,
``ssl_certfile``, ``ssl_keyfile``, ``ssl_cert_reqs``, ``ssl_check_hostname``): a client that
trusts the server's authority is served from Redis; one that does not trust it refuses the
server, and the application carries on from the database, as with any Redis failure.
"""

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from common import failsafe
from testing.faults import RedisServer, TlsFiles

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def tls_redis(tmp_path_factory):
    directory = tmp_path_factory.mktemp("redis-tls")
    with RedisServer(directory / "redis", tls=TlsFiles(directory / "tls")) as server:
        yield server


def point_redis_at(settings, url):
    settings.REDIS_URL = url
    settings.SESSION_STATE_REDIS_URL = url
    settings.SESSION_STATE_CACHE = None
    settings.DPOP_REPLAY_REDIS_URL = url
    settings.CACHES = {"default": {"BACKEND": "common.cache.FailSafeRedisCache", "LOCATION": url}}


def test_a_client_that_trusts_the_servers_authority_is_served_over_tls(tls_redis, settings, login):
    assert tls_redis.url.startswith("rediss://") and "ssl_ca_certs=" in tls_redis.url
    point_redis_at(settings, tls_redis.url)
    api = Client()
    assert api.get("/api/health/").json()["redis"] == "ok"
    user = UserFactory()
    tokens = login(user)
    assert api.get("/api/todos/", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}").status_code == 200
    assert list(tls_redis.client().scan_iter("auth:s:*"))
    # In the clear, the same port answers nothing: TLS is no option there.
    plain = tls_redis.url.replace("rediss://", "redis://").split("?")[0]
    assert failsafe.call(failsafe.redis_client(plain).ping) is failsafe.UNAVAILABLE


def test_a_client_that_does_not_trust_it_refuses_it_and_serves_from_the_database(
    tls_redis, settings, login, tmp_path
):
    stranger = TlsFiles(tmp_path / "other", name="other")
    point_redis_at(settings, f"rediss://127.0.0.1:{tls_redis.port}/0?ssl_ca_certs={stranger.ca}")
    api = Client()
    assert api.get("/api/health/").json() == {"status": "degraded", "database": "ok", "redis": "unavailable"}
    assert failsafe.breaker.is_open
    user = UserFactory()
    tokens = login(user)
    assert api.get("/api/todos/", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}").status_code == 200
