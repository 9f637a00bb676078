"""Passkeys between two gunicorn servers sharing one database (and Redis, when REDIS_URL is set).

A challenge issued by one process is found by the other, and used exactly once even when
both are asked at the same moment; a passkey login on one server opens a session the other
honours, and deleting the account on one kills its tokens on both, also while refreshes,
authenticated requests and logins of it run on both. SQLite file database unless DATABASE_URL
names PostgreSQL.
"""

import os
import threading

import pytest

from testing.authenticator import SoftAuthenticator
from testing.load import ChainLoad
from testing.servers import request, two_servers, wait_until

PASSWORD = "cross-Process-passw0rd"
LOGIN_OPTIONS = "/api/auth/passkeys/login/options/"
LOGIN = "/api/auth/passkeys/login/"
ME = "/api/users/me/"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    with two_servers(
        os.environ.get("DATABASE_URL", ""),
        "passkeys",
        tmp_path_factory.mktemp("servers"),
        redis_url=os.environ.get("REDIS_URL", ""),
        AUTH_THROTTLE_RATE="none",
    ) as started:
        yield started


@pytest.fixture(scope="module")
def account(servers):
    """Register a user on A and add a passkey through B's options and A's registration; return (authenticator, tokens)."""
    a, b = servers
    status, tokens = request(
        a.port, "POST", "/api/auth/register/", body={"email": "passkey@cross.invalid", "password": PASSWORD}
    )
    assert status == 201, tokens
    status, options = request(b.port, "POST", "/api/auth/passkeys/register/options/", token=tokens["access"])
    assert status == 200, options
    authenticator = SoftAuthenticator()
    credential = authenticator.create(options["publicKey"])
    status, body = request(
        a.port,
        "POST",
        "/api/auth/passkeys/register/",
        token=tokens["access"],
        body={"credential": credential},
    )
    assert status == 201, body
    return authenticator, tokens


def test_a_login_challenge_from_one_server_logs_in_once_on_either(servers, account):
    a, b = servers
    authenticator, _ = account
    status, options = request(a.port, "POST", LOGIN_OPTIONS)
    assert status == 200
    credential = authenticator.get(options["publicKey"])
    status, tokens = request(b.port, "POST", LOGIN, body={"credential": credential})
    assert status == 200, tokens
    for server in (a, b):
        assert request(server.port, "GET", "/api/users/me/", token=tokens["access"])[0] == 200
    # The same assertion again, on either server: the challenge is gone.
    for server in (a, b):
        status, body = request(server.port, "POST", LOGIN, body={"credential": credential})
        assert status == 401 and body["code"] == "authentication_failed"


def test_one_challenge_used_on_both_servers_at_once_logs_in_once(servers, account):
    b = servers[1]
    authenticator, _ = account
    for _ in range(3):
        status, options = request(b.port, "POST", LOGIN_OPTIONS)
        assert status == 200
        # Each server gets its own assertion (its own counter value) over the one challenge.
        credentials = [authenticator.get(options["publicKey"]) for _ in range(4)]
        statuses = all_at_once(
            [(servers[index % 2], {"credential": credential}) for index, credential in enumerate(credentials)]
        )
        assert sorted(statuses) == [200, 401, 401, 401], statuses


def all_at_once(calls):
    """POST each ``(server, body)`` of ``calls`` to the login from its own thread, released together; return the statuses."""
    barrier = threading.Barrier(len(calls))
    statuses = [None] * len(calls)

    def send(index):
        server, body = calls[index]
        barrier.wait(timeout=30)
        statuses[index] = request(server.port, "POST", LOGIN, body=body)[0]

    threads = [threading.Thread(target=send, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def test_deleting_the_account_on_one_server_kills_its_tokens_on_both(servers):
    a, b = servers
    email = "deleted@cross.invalid"
    status, tokens = request(
        a.port, "POST", "/api/auth/register/", body={"email": email, "password": PASSWORD}
    )
    assert status == 201
    for server in (a, b):  # cached on both, where Redis holds session state
        assert request(server.port, "GET", "/api/users/me/", token=tokens["access"])[0] == 200
    assert request(b.port, "DELETE", "/api/users/me/", token=tokens["access"])[0] == 204
    for server in (a, b):
        assert request(server.port, "GET", "/api/users/me/", token=tokens["access"])[0] == 401
        assert request(server.port, "POST", "/api/auth/refresh/", token=tokens["refresh"])[0] == 401
    status, _ = request(a.port, "POST", "/api/auth/register/", body={"email": email, "password": PASSWORD})
    assert status == 201


class Logins(ChainLoad):
    """Log in to the account with its password again and again, on ``servers`` in turn."""

    def __init__(self, servers, email):
        super().__init__(servers, {})
        self.email = email

    def step(self, server):
        status, body = self.call(
            server, "POST", "/api/auth/login/", body={"email": self.email, "password": PASSWORD}
        )
        if status == 200:
            self.accesses.append(body["access"])


def test_deleting_the_account_under_concurrent_refreshes_and_logins_leaves_no_live_token(servers):
    """Refreshes, authenticated requests and logins of the account run on both servers while it is deleted.

    Nothing answers 5xx; every request that starts after the DELETE returned is refused; and
    every access token any of them got, before or after, is refused by both servers at the end
    (a refresh or a login that committed just before the deletion left no session behind, and
    no cache entry filled around it serves one).
    """
    a, b = servers
    email = "deleted-racing@cross.invalid"
    status, owner = request(
        a.port, "POST", "/api/auth/register/", body={"email": email, "password": PASSWORD}
    )
    assert status == 201, owner
    sessions = []
    for server in (a, b, a):
        status, body = request(
            server.port, "POST", "/api/auth/login/", body={"email": email, "password": PASSWORD}
        )
        assert status == 200, body
        sessions.append(body)
    loads = [ChainLoad((a, b), tokens, reads=(ME,)) for tokens in sessions] + [Logins((b, a), email)]
    for load in loads:
        load.start()
    try:
        wait_until(lambda: all(len(load.answers) >= 4 for load in loads), 60, "every load to be under way")
        assert request(b.port, "DELETE", ME, token=owner["access"])[0] == 204
        for load in loads:
            load.phase = "deleted"
        wait_until(
            lambda: all(sum(phase == "deleted" for phase, *_ in load.answers) >= 4 for load in loads),
            60,
            "every load to send after the deletion",
        )
    finally:
        for load in loads:
            load.stop.set()
        for load in loads:
            load.join(timeout=60)
    answers = [answer for load in loads for answer in load.answers]
    assert [answer for answer in answers if answer[2] >= 500] == []
    assert {status for phase, _, status in answers if phase == "deleted"} == {401}
    assert {status for phase, _, status in answers if phase is None} <= {200, 401}
    for access in [owner["access"]] + [access for load in loads for access in load.accesses]:
        for server in (a, b):
            assert request(server.port, "GET", ME, token=access)[0] == 401
