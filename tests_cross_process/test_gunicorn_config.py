"""gunicorn.conf.py on a real gunicorn: no forwarded header counts without NUM_PROXIES, and the
access log names paths, never query strings."""

import importlib.util
import re
import time
from datetime import timedelta

import pytest
from gunicorn.config import Config

from accounts.tests.dpop_helpers import ClientKey
from testing.servers import GUNICORN_CONFIG, Gunicorn, migrate, request, server_env

PASSWORD = "gunicorn-Config-passw0rd"
SESSIONS = "/api/auth/sessions/"
QUERY_SECRET = "query-secret-4b1d"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("gunicorn-config")
    env = server_env(database_url=f"sqlite:///{directory}/db.sqlite3", NUM_PROXIES="0")
    migrate(env)
    log = directory / "server.log"
    with Gunicorn(env, log=log, extra_args=("--access-logfile", "-")) as started:
        yield started, log


@pytest.fixture(scope="module")
def bound(server):
    """A client key and the tokens of a session bound to it."""
    gunicorn, _ = server
    key = ClientKey()
    base = f"http://127.0.0.1:{gunicorn.port}"
    status, tokens = request(
        gunicorn.port,
        "POST",
        "/api/auth/register/",
        body={"email": "config@gunicorn.invalid", "password": PASSWORD},
        headers={"DPoP": key.proof("POST", base + "/api/auth/register/")},
    )
    assert status == 201, tokens
    assert tokens["token_type"] == "DPoP"
    return key, tokens


def get_sessions(gunicorn, key, tokens, *, htu, headers=None):
    proof = key.proof("GET", htu, access=tokens["access"])
    return request(
        gunicorn.port,
        "GET",
        SESSIONS,
        headers={"Authorization": f"DPoP {tokens['access']}", "DPoP": proof, **(headers or {})},
    )


def test_a_client_sent_forwarded_proto_does_not_change_the_scheme_a_proof_names(server, bound):
    gunicorn, _ = server
    key, tokens = bound
    spoofing = {"X-Forwarded-Proto": "https", "X-Forwarded-Ssl": "on", "X-Forwarded-Protocol": "ssl"}
    as_sent = f"http://127.0.0.1:{gunicorn.port}{SESSIONS}"
    status, body = get_sessions(gunicorn, key, tokens, htu=as_sent, headers=spoofing)
    assert status == 200, body
    status, body = get_sessions(gunicorn, key, tokens, htu="https" + as_sent[4:], headers=spoofing)
    assert status == 401, body
    assert body["code"] == "invalid_dpop_proof"


def test_a_client_cannot_set_the_script_name(server, bound):
    """gunicorn maps a SCRIPT_NAME header from a trusted peer into the path; no peer is trusted."""
    gunicorn, _ = server
    key, tokens = bound
    as_sent = f"http://127.0.0.1:{gunicorn.port}{SESSIONS}"
    status, body = get_sessions(gunicorn, key, tokens, htu=as_sent, headers={"SCRIPT_NAME": "/api"})
    assert status == 200, body


def test_the_access_log_names_the_path_and_never_the_query(server):
    gunicorn, log = server
    assert request(gunicorn.port, "GET", f"/api/health/?token={QUERY_SECRET}")[0] == 200
    # A decoded path would put a line break into the log: the raw one stays on its line.
    assert request(gunicorn.port, "GET", f"/no-such-page%0Aforged%20line?x={QUERY_SECRET}")[0] == 404
    # gunicorn writes the access line after the answer: wait for it.
    text = logged(log, '"GET /no-such-page%0Aforged%20line HTTP/1.1" 404')
    assert QUERY_SECRET not in text
    access = [line for line in text.splitlines() if re.search(r'"[A-Z]+ /\S* HTTP/1\.[01]"', line)]
    assert any('"GET /api/health/ HTTP/1.1" 200' in line for line in access), text
    assert not any(line.startswith("forged") for line in text.splitlines())
    assert not any("?" in line for line in access)


def logged(log, needle, timeout=10):
    """Return the log's text once it holds ``needle``; fail after ``timeout`` seconds without it."""
    deadline = time.monotonic() + timeout
    while needle not in (text := log.read_text()):
        assert time.monotonic() < deadline, text
        time.sleep(0.05)
    return text


def load_config():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", GUNICORN_CONFIG)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Response:
    status = "200 OK"
    sent = 2
    headers = ()


class _Request:
    headers = [("REFERER", f"https://app.example/page?code={QUERY_SECRET}")]


def test_every_access_log_atom_that_could_hold_a_query_holds_none():
    """A deployer's own --access-logformat gets the path only too: request line, URL, query, Referer."""
    config = load_config()
    logger = config.logger_class(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/reset/?token={QUERY_SECRET}#frag",
        "PATH_INFO": "/reset/",
        "QUERY_STRING": f"token={QUERY_SECRET}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://app.example/page?code={QUERY_SECRET}",
        "REMOTE_ADDR": "127.0.0.1",
    }
    atoms = logger.atoms(_Response(), _Request(), environ, timedelta(milliseconds=3))
    assert atoms["r"] == "GET /reset/ HTTP/1.1"
    assert atoms["U"] == "/reset/"
    assert atoms["q"] == "-"
    assert atoms["f"] == atoms["{referer}i"] == "https://app.example/page"
    assert not any(QUERY_SECRET in str(value) for value in atoms.values())


def test_the_server_opens_no_control_socket(tmp_path):
    """gunicorn's control socket sits at one path per user: two servers would share it."""
    home = tmp_path / "home"
    home.mkdir()
    env = server_env(
        database_url=f"sqlite:///{tmp_path}/db.sqlite3", HOME=str(home), XDG_RUNTIME_DIR=str(home)
    )
    migrate(env)
    log = tmp_path / "server.log"
    with Gunicorn(env, log=log) as gunicorn:
        assert request(gunicorn.port, "GET", "/api/health/")[0] == 200
        assert list(home.rglob("*.ctl")) == []
    assert "control socket" not in log.read_text().lower()


def test_the_config_trusts_no_forwarded_header_and_binds_from_host_and_port(monkeypatch):
    monkeypatch.delenv("HOST", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    config = load_config()
    assert config.forwarded_allow_ips == ""
    assert config.secure_scheme_headers == {}
    assert config.forwarder_headers == ""
    assert config.control_socket_disable is True
    assert config.bind == ["127.0.0.1:8000"]
    monkeypatch.setenv("HOST", "::1")
    monkeypatch.setenv("PORT", "8001")
    assert load_config().bind == ["[::1]:8001"]
    monkeypatch.setenv("HOST", "localhost")
    assert load_config().bind == ["localhost:8001"]
