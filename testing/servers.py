"""Helpers that start and talk to servers, databases and Redis: the benchmarks and the cross-process tests use them.

Everything here talks to 127.0.0.1 only, and stops every process it starts.
"""

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
# The project's gunicorn settings (forwarded headers, access log), as `make run` uses them.
GUNICORN_CONFIG = ROOT / "gunicorn.conf.py"
HOST = "127.0.0.1"


# --- Databases and Redis --------------------------------------------------------------------


def pg_url_with_name(url, name):
    """Return the PostgreSQL ``url`` pointing at database ``name``."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def pg_database_name(url):
    return urllib.parse.urlsplit(url).path.lstrip("/")


def is_postgres(url):
    return bool(url) and urllib.parse.urlsplit(url).scheme in ("postgres", "postgresql", "pgsql")


def _pg_admin(url):
    import psycopg

    return psycopg.connect(pg_url_with_name(url, "postgres"), autocommit=True, connect_timeout=5)


def pg_create(url):
    """Create (anew) the database that ``url`` names."""
    from psycopg import sql

    name = pg_database_name(url)
    with _pg_admin(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def pg_drop(url):
    from psycopg import sql

    name = pg_database_name(url)
    with _pg_admin(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def pg_available(url):
    try:
        with _pg_admin(url):
            return True
    except Exception:
        return False


@contextlib.contextmanager
def scratch_database(base_url, suffix, directory):
    """Yield the URL of a new database, dropped afterwards.

    Beside ``base_url`` (``<name>_<suffix>_<pid>``) when it names PostgreSQL, else a SQLite
    file in ``directory``.
    """
    if not is_postgres(base_url):
        yield f"sqlite:///{directory}/{suffix}.sqlite3"
        return
    url = pg_url_with_name(base_url, f"{pg_database_name(base_url)}_{suffix}_{os.getpid()}")
    pg_create(url)
    try:
        yield url
    finally:
        pg_drop(url)


def redis_url_with_db(url, db):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{db}"))


def redis_flush(url):
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        client.flushdb()
    finally:
        client.close()


def redis_available(url):
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=2)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def server_env(*, database_url, redis_url="", settings="config.settings", **extra):
    """Return the environment of a server or management command on ``database_url``."""
    # Each gunicorn master makes its own metrics directory (gunicorn.conf.py) unless given one:
    # servers sharing one would empty each other's.
    inherited = ("REDIS_URL", "DATABASE_URL", "PROMETHEUS_MULTIPROC_DIR")
    env = {k: v for k, v in os.environ.items() if k not in inherited}
    env.update(
        DJANGO_SETTINGS_MODULE=settings,
        DATABASE_URL=database_url,
        DJANGO_DEBUG="true",
        AUTH_THROTTLE_RATE="none",
        PYTHONUNBUFFERED="1",
        # Mails (new-device logins, reuse) go nowhere unless a test asks for them: the
        # default console backend would write them into the server's log.
        EMAIL_URL="dummymail://",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update({k: str(v) for k, v in extra.items()})
    return env


def manage(env, *args, check=True):
    """Run ``manage.py`` with exactly ``env``; return the completed process, its output captured."""
    return subprocess.run(  # noqa: S603 - a fixed command line
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=check,
        timeout=300,
    )


def migrate(env):
    """Migrate the database of ``env`` and create the database cache table."""
    for command in (["migrate", "--noinput", "-v", "0"], ["createcachetable"]):
        subprocess.run(  # noqa: S603 - a fixed command line
            [PYTHON, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=300,
        )


# --- Waiting --------------------------------------------------------------------------------


def wait_until(predicate, timeout, what="the condition", interval=0.05):
    """Return ``predicate()``'s first true value, asking every ``interval`` s; raise after ``timeout`` s.

    For a wait on something that will happen (a server answering, a line in a log): the timeout
    only ends a wait that went wrong, and measures nothing.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what}: not within {timeout} s")
        time.sleep(interval)


# --- Servers --------------------------------------------------------------------------------


def free_port():
    """Return a port that was free a moment ago (another process may take it before it is used).

    Prefer ``listening_socket`` when the server can take a bound socket; else retry on a bind
    failure (testing.faults does).
    """
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def listening_socket(port=0):
    """Return a TCP socket bound to 127.0.0.1:``port`` (0: any free one) and listening, inheritable.

    Bound here and handed to the server (gunicorn's ``--bind fd://N``), so no other process can
    take the port between choosing it and using it.
    """
    sock = socket.socket()
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        sock.listen(128)
        sock.set_inheritable(True)
    except BaseException:
        sock.close()
        raise
    return sock


class Gunicorn:
    """A gunicorn server on 127.0.0.1, started in its own process group and always stopped."""

    def __init__(self, env, *, workers=1, worker_class="sync", threads=1, log=None, extra_args=(), host=None):
        # Bound now and held until gunicorn has it: the port is known at once and stays ours.
        self._socket = listening_socket()
        self.port = self._socket.getsockname()[1]
        self.env = env
        self.args = [
            GUNICORN,
            "--config",
            str(GUNICORN_CONFIG),
            "config.wsgi:application",
            "--bind",
            f"fd://{self._socket.fileno()}",
            "--workers",
            str(workers),
            "--worker-class",
            worker_class,
            "--threads",
            str(threads),
            "--keep-alive",
            "30",
            "--graceful-timeout",
            "5",
            "--timeout",
            "60",
            *extra_args,
        ]
        self.log = log
        # The Host its health check names: one of DJANGO_ALLOWED_HOSTS (127.0.0.1 by default).
        self.host = host
        self.process = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def start(self, timeout=60):
        if self._socket is None:  # started again after a stop: the same port
            self._socket = listening_socket(self.port)
            self.args[self.args.index("--bind") + 1] = f"fd://{self._socket.fileno()}"
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        try:
            self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
                self.args,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=out,
                start_new_session=True,
                pass_fds=(self._socket.fileno(),),
            )
        finally:
            # gunicorn holds the socket now; a copy here would keep the port open after it stops.
            self._socket.close()
            self._socket = None
        try:
            wait_until(self._answers, timeout, f"gunicorn answering on port {self.port}", interval=0.1)
        except BaseException:
            self.stop()
            raise
        return self

    def _answers(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {self.process.returncode} (log: {self.log})")
        try:
            headers = {"Host": self.host} if self.host else None
            return request(self.port, "GET", "/api/health/", headers=headers, timeout=2)[0] == 200
        except OSError:
            return False

    def worker_pids(self):
        """Return the pids of the live workers (the master's children)."""
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        return [int(child) for child in children]

    def stop(self):
        if self._socket is not None:  # never started
            self._socket.close()
            self._socket = None
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        # Workers of a master killed hard would be orphans of the same group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


@contextlib.contextmanager
def two_servers(base_url, suffix, directory, **env):
    """Yield servers A and B (one sync worker each) sharing a migrated scratch database; stop them after.

    The database is ``scratch_database(base_url, suffix, directory)``, dropped afterwards; the
    servers log to ``a.log`` and ``b.log`` in ``directory``, and ``env`` goes to ``server_env``.
    """
    started = []
    with scratch_database(base_url, suffix, directory) as database_url:
        try:
            environment = server_env(database_url=database_url, **env)
            migrate(environment)
            for name in ("a", "b"):
                server = Gunicorn(environment, workers=1, log=Path(directory) / f"{name}.log")
                started.append(server)  # before start(), so that a half-started one is stopped too
                server.start()
            yield started
        finally:
            for server in started:
                server.stop()


# --- HTTP -----------------------------------------------------------------------------------


def request(port, method, path, *, token=None, body=None, headers=None, timeout=30, conn=None):
    """Send one request to 127.0.0.1:``port``; return (status, decoded JSON body or None).

    With ``conn`` (an http.client.HTTPConnection) the keep-alive connection is reused.
    """
    all_headers = {"Accept": "application/json", **(headers or {})}
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    elif method == "POST":
        all_headers["Content-Type"] = "application/json"
    own = conn is None
    if own:
        conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=all_headers)
        response = conn.getresponse()
        raw = response.read()
    finally:
        if own:
            conn.close()
    try:
        decoded = json.loads(raw) if raw else None
    except ValueError:
        decoded = None
    return response.status, decoded
