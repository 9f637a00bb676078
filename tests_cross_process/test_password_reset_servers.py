"""A password reset through real mail, between two gunicorn servers sharing one database.

The link is read from the mail that server A wrote (filemail://), used on server B, and every
session's tokens are then refused by both servers. SQLite file database unless DATABASE_URL
names PostgreSQL; no Redis, so each server answers from the database alone.
"""

import email
import email.policy
import os
import re
import urllib.parse

import pytest

from testing.servers import request, two_servers, wait_until

PASSWORD = "cross-Process-passw0rd"
NEW_PASSWORD = "Reset-across-servers-42"
RESET_URL = "http://app.example.test/#/reset-password"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Start servers A and B on one database, mailing into one directory; yield (a, b, mail dir)."""
    mailbox = tmp_path_factory.mktemp("mail")
    with two_servers(
        os.environ.get("DATABASE_URL", ""),
        "reset",
        tmp_path_factory.mktemp("servers"),
        EMAIL_URL=f"filemail:///{mailbox}",  # django-environ drops one slash
        PASSWORD_RESET_URL=RESET_URL,
    ) as (a, b):
        yield a, b, mailbox


def text_of(path):
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return message["To"], message.get_body(preferencelist=("plain",)).get_content()


def wait_for_reset_mail(mailbox, to, timeout=30):
    """Return the plain-text body of the reset mail to ``to``, once a server has written it."""

    def reset_mail():
        for path in sorted(mailbox.iterdir()):
            recipient, body = text_of(path)
            if recipient == to and RESET_URL in body:
                return body
        return None

    return wait_until(reset_mail, timeout, f"a reset mail to {to}")


def test_a_reset_through_one_server_ends_every_session_on_both(servers):
    a, b = servers[:2]
    mailbox = servers[2]
    address = "reset@cross.invalid"
    status, first = request(
        a.port, "POST", "/api/auth/register/", body={"email": address, "password": PASSWORD}
    )
    assert status == 201, first
    status, second = request(
        b.port, "POST", "/api/auth/login/", body={"email": address, "password": PASSWORD}
    )
    assert status == 200, second
    sessions = [first, second]
    for server in (a, b):
        for tokens in sessions:
            assert request(server.port, "GET", "/api/todos/", token=tokens["access"])[0] == 200

    status, body = request(a.port, "POST", "/api/auth/password/reset/", body={"email": address})
    assert status == 202, body
    text = wait_for_reset_mail(mailbox, address)
    for tokens in sessions:
        assert tokens["access"] not in text and tokens["refresh"] not in text
    [link] = re.findall(re.escape(RESET_URL) + r"\?\S+", text)
    # The secrets are in the fragment (the query of the client's hash route), which no server receives.
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link).fragment.partition("?")[2])

    reset = {"uid": query["uid"][0], "token": query["token"][0], "new_password": NEW_PASSWORD}
    assert request(b.port, "POST", "/api/auth/password/reset/confirm/", body=reset)[0] == 204

    for server in (a, b):
        for tokens in sessions:
            assert request(server.port, "GET", "/api/todos/", token=tokens["access"])[0] == 401
            assert request(server.port, "POST", "/api/auth/refresh/", token=tokens["refresh"])[0] == 401
        # The link worked once, on either server.
        assert request(server.port, "POST", "/api/auth/password/reset/confirm/", body=reset)[0] == 400
    login = {"email": address, "password": PASSWORD}
    assert request(a.port, "POST", "/api/auth/login/", body=login)[0] == 401
    status, fresh = request(a.port, "POST", "/api/auth/login/", body={**login, "password": NEW_PASSWORD})
    assert status == 200
    assert request(b.port, "GET", "/api/todos/", token=fresh["access"])[0] == 200
