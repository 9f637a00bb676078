"""The deploy guide's nginx site in front of gunicorn run with the guide's environment file, over TLS.

``docs/deploy/nginx.conf`` and ``docs/deploy/env`` are used as they are but for what a test must
change: ports on 127.0.0.1 (no IPv6 listener), the certificate (self-signed, made here), log paths,
the database, Redis, the mail directory and the built site. So what the guide says about TLS, the
redirect, hosts, the forwarded headers, /metrics, body size and a graceful reload is checked
against real nginx and gunicorn processes.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from accounts.tests.dpop_helpers import ClientKey
from testing.servers import HOST, Gunicorn, free_port, migrate, scratch_database, wait_until
from testing.site import GUIDE_FILES, built_site, guide_env, production_process_env

NAME = "app.example.com"
PUBLIC = f"https://{NAME}"
PASSWORD = "deploy-Guide-passw0rd"
SESSIONS = "/api/auth/sessions/"


def nginx_binary():
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if found is None:
        raise RuntimeError("nginx is not installed (apt-get install nginx)")
    return found


def self_signed_certificate(directory: Path) -> Path:
    """Write a certificate for NAME and its key under ``directory``; return the certificate's path."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(NAME)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir()
    (directory / "fullchain.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (directory / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return directory / "fullchain.pem"


def guide_site_config(*, http_port, https_port, upstream_port, directory: Path) -> str:
    """Return docs/deploy/nginx.conf with the test's ports and paths; fail if the guide's file changed shape."""
    text = (GUIDE_FILES / "nginx.conf").read_text()
    replacements = [
        ("listen 80 default_server;", f"listen {HOST}:{http_port} default_server;", 1),
        ("listen 443 ssl default_server;", f"listen {HOST}:{https_port} ssl default_server;", 1),
        ("listen 80;", f"listen {HOST}:{http_port};", 1),
        ("listen 443 ssl http2;", f"listen {HOST}:{https_port} ssl http2;", 1),
        ("listen [::]:80 default_server;", "", 1),
        ("listen [::]:443 ssl default_server;", "", 1),
        ("listen [::]:80;", "", 1),
        ("listen [::]:443 ssl http2;", "", 1),
        (f"/etc/letsencrypt/live/{NAME}/", f"{directory}/tls/", 2),
        ("/var/log/nginx/", f"{directory}/", 2),
        ("proxy_pass http://127.0.0.1:8000;", f"proxy_pass http://{HOST}:{upstream_port};", 1),
    ]
    for old, new, count in replacements:
        assert text.count(old) == count, f"docs/deploy/nginx.conf no longer has {count} x {old!r}"
        text = text.replace(old, new)
    return text


class Nginx:
    """nginx with the guide's site, in the foreground of its own process group, always stopped."""

    def __init__(self, directory: Path, site: str):
        self.directory = directory
        for temporary in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (directory / "temp" / temporary).mkdir(parents=True)
        (directory / "site.conf").write_text(site)
        # The main configuration Debian's nginx.conf would be, with the test's own paths; workers
        # of a master run by root run as root, so that they can use the test's private directory.
        user = "user root;\n" if os.geteuid() == 0 else ""
        temp = directory / "temp"
        (directory / "nginx.conf").write_text(
            f"{user}worker_processes 1;\npid {directory}/nginx.pid;\nerror_log {directory}/error.log;\n"
            "events { worker_connections 64; }\n"
            f"http {{\n  client_body_temp_path {temp}/body;\n  proxy_temp_path {temp}/proxy;\n"
            f"  fastcgi_temp_path {temp}/fastcgi;\n  uwsgi_temp_path {temp}/uwsgi;\n"
            f"  scgi_temp_path {temp}/scgi;\n  include {directory}/site.conf;\n}}\n"
        )
        self.args = [nginx_binary(), "-e", str(directory / "error.log"), "-c", str(directory / "nginx.conf")]
        self.process = None

    def check_config(self):
        return subprocess.run([*self.args, "-t"], capture_output=True, text=True, timeout=30)  # noqa: S603

    def start(self, port):
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
            [*self.args, "-g", "daemon off;"], start_new_session=True, stderr=subprocess.DEVNULL
        )
        wait_until(lambda: self._listens(port), 30, f"nginx listening on {port}")

    def _listens(self, port):
        if self.process.poll() is not None:
            raise RuntimeError(f"nginx exited: {(self.directory / 'error.log').read_text()}")
        try:
            socket.create_connection((HOST, port), timeout=1).close()
        except OSError:
            return False
        return True

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


class NamedHTTPSConnection(http.client.HTTPSConnection):
    """An https connection to 127.0.0.1 that names (SNI, Host) and verifies another host, as DNS would."""

    def connect(self):
        sock = socket.create_connection((HOST, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class Deployed:
    def __init__(self, directory, gunicorn, nginx, certificate, http_port, https_port):
        self.directory = directory
        self.gunicorn = gunicorn
        self.nginx = nginx
        self.http_port = http_port
        self.https_port = https_port
        self.tls = ssl.create_default_context(cafile=str(certificate))

    def https(self, method, path, *, headers=None, body=None, server_name=NAME):
        """Send one request through nginx over TLS; return the response, its body read."""
        conn = NamedHTTPSConnection(server_name, self.https_port, context=self.tls, timeout=30)
        try:
            data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
            all_headers = {"Content-Type": "application/json"} if data is not None else {}
            conn.request(method, path, body=data, headers={**all_headers, **(headers or {})})
            response = conn.getresponse()
            response.content = response.read()
            return response
        finally:
            conn.close()

    def http(self, method, path, *, headers=None):
        conn = http.client.HTTPConnection(HOST, self.http_port, timeout=30)
        try:
            conn.request(method, path, headers={"Host": NAME, **(headers or {})})
            response = conn.getresponse()
            response.content = response.read()
            return response
        finally:
            conn.close()


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    directory = tmp_path_factory.mktemp("deploy")
    mail = directory / "mail"
    mail.mkdir()
    with scratch_database(os.environ.get("DATABASE_URL", ""), "deploy", directory) as database_url:
        settings_env = {**guide_env(directory), **built_site(directory / "site")}
        settings_env.update(DATABASE_URL=database_url, EMAIL_URL=f"filemail:///{mail}")
        settings_env.pop("REDIS_URL")
        if os.environ.get("REDIS_URL"):
            settings_env["REDIS_URL"] = os.environ["REDIS_URL"]
        env = production_process_env(settings_env)
        migrate(env)
        http_port, https_port = free_port(), free_port()
        gunicorn = Gunicorn(env, workers=2, log=directory / "gunicorn.log", host=NAME)
        nginx = Nginx(
            directory,
            guide_site_config(
                http_port=http_port, https_port=https_port, upstream_port=gunicorn.port, directory=directory
            ),
        )
        certificate = self_signed_certificate(directory / "tls")
        try:
            gunicorn.start()
            nginx.start(https_port)
            yield Deployed(directory, gunicorn, nginx, certificate, http_port, https_port)
        finally:
            nginx.stop()
            gunicorn.stop()


def register(deployed, email, *, key=None, headers=None):
    proof = {"DPoP": key.proof("POST", PUBLIC + "/api/auth/register/")} if key else {}
    response = deployed.https(
        "POST",
        "/api/auth/register/",
        body={"email": email, "password": PASSWORD, "device_name": "laptop"},
        headers={**proof, **(headers or {})},
    )
    assert response.status == 201, response.content
    return json.loads(response.content)


def test_the_configuration_passes_nginx_t(deployed):
    result = deployed.nginx.check_config()
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_https_serves_the_api_the_web_client_and_the_static_files(deployed):
    health = deployed.https("GET", "/api/health/")
    assert health.status == 200
    assert json.loads(health.content)["database"] == "ok"
    client = deployed.https("GET", "/")
    assert client.status == 200 and b"web client stand-in" in client.content
    css = deployed.https("GET", "/static/admin/css/base.css")
    assert css.status == 200 and css.getheader("Content-Type").startswith("text/css")


def test_hsts_is_sent_once_by_django(deployed):
    response = deployed.https("GET", "/api/health/")
    hsts = [value for name, value in response.getheaders() if name.lower() == "strict-transport-security"]
    assert hsts == ["max-age=31536000; includeSubDomains; preload"]
    assert response.getheader("Content-Security-Policy")  # Django's answer, passed through


def test_plain_http_only_redirects_to_https(deployed):
    response = deployed.http("GET", "/api/todos/?page=2")
    assert response.status == 301
    assert response.getheader("Location") == f"{PUBLIC}/api/todos/?page=2"
    assert response.getheader("Content-Security-Policy") is None  # nginx answered, not the app


def test_a_request_for_another_host_gets_no_answer(deployed):
    with pytest.raises(http.client.RemoteDisconnected):
        deployed.http("GET", "/api/health/", headers={"Host": "evil.example"})
    with pytest.raises(http.client.RemoteDisconnected):
        deployed.https("GET", "/api/health/", headers={"Host": "evil.example"})
    with pytest.raises(ssl.SSLError):  # no certificate for a name that is not ours
        deployed.https("GET", "/api/health/", server_name="evil.example")


@pytest.mark.parametrize("path", ["/metrics", "/metrics/", "/metrics?format=text", "/%6detrics", "/metricsz"])
def test_metrics_never_reach_the_app(deployed, path):
    response = deployed.https("GET", path)
    assert response.status == 404
    assert response.getheader("Content-Security-Policy") is None


def test_a_body_over_the_limit_is_refused_by_nginx(deployed):
    response = deployed.https("POST", "/api/auth/login/", body=b"{" + b" " * (1024 * 1024) + b"}")
    assert response.status == 413
    assert response.getheader("Content-Security-Policy") is None


def test_the_client_ip_is_the_peer_nginx_saw_not_what_the_client_forwarded(deployed):
    tokens = register(deployed, "forwarded@example.com", headers={"X-Forwarded-For": "203.0.113.9"})
    response = deployed.https("GET", SESSIONS, headers={"Authorization": f"Bearer {tokens['access']}"})
    assert response.status == 200
    [session] = json.loads(response.content)["results"]
    assert session["ip_address"] == HOST


def test_dpop_proofs_name_the_public_https_url_whatever_the_client_forwards(deployed):
    key = ClientKey()
    spoofed = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}
    tokens = register(deployed, "dpop@example.com", key=key, headers=spoofed)
    assert tokens["token_type"] == "DPoP"

    def sessions(url):
        proof = key.proof("GET", url, access=tokens["access"])
        headers = {"Authorization": f"DPoP {tokens['access']}", "DPoP": proof, **spoofed}
        return deployed.https("GET", SESSIONS, headers=headers).status

    assert sessions(PUBLIC + SESSIONS) == 200
    assert sessions("https://evil.example" + SESSIONS) == 401
    assert sessions(f"http://{NAME}" + SESSIONS) == 401


def test_a_reset_mail_links_to_the_web_client_page_of_the_guide(deployed):
    register(deployed, "reset@example.com")
    response = deployed.https("POST", "/api/auth/password/reset/", body={"email": "reset@example.com"})
    assert response.status == 202
    mail = deployed.directory / "mail"
    # The file backend creates the file before it writes the message: wait for a whole one.
    link = f"{PUBLIC}/#/reset-password?uid="
    assert wait_until(lambda: any(link in path.read_text() for path in mail.iterdir()), 30, "the reset mail")


def test_a_reload_replaces_every_worker_without_a_failed_request(deployed):
    """``systemctl reload`` (HUP): new workers start, the old ones finish their requests first."""
    master = deployed.gunicorn.process.pid
    before = set(deployed.gunicorn.worker_pids())
    statuses, stop = [], threading.Event()

    def requests():
        while not stop.is_set():
            statuses.append(deployed.https("GET", "/api/health/").status)

    client = threading.Thread(target=requests)
    client.start()
    try:
        wait_until(lambda: len(statuses) >= 5, 30, "requests before the reload")
        os.kill(master, signal.SIGHUP)

        def replaced():
            workers = set(deployed.gunicorn.worker_pids())
            return len(workers) == 2 and not workers & before

        wait_until(replaced, 60, "two new workers and none of the old")
        served = len(statuses)
        wait_until(lambda: len(statuses) >= served + 5, 30, "requests after the reload")
    finally:
        stop.set()
        client.join()
    assert set(statuses) == {200}
