"""Real services to break under a running server: a private redis-server and a private PostgreSQL cluster.

Each binds 127.0.0.1 on a free port, keeps its files in a directory of its own, and is
always stopped. The fault tests kill (SIGKILL), freeze (SIGSTOP), restart and restore them.
"""

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from testing.servers import HOST, free_port


def wait_until(predicate, timeout, what):
    """Return once ``predicate()`` is true; raise RuntimeError if it is not within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not happen within {timeout} s")


class RedisServer:
    """A redis-server of the test's own, with a snapshot file it can be restored from."""

    def __init__(self, directory: Path):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def client(self):
        import redis

        return redis.Redis(host=HOST, port=self.port, socket_timeout=5)

    def start(self, *, load_snapshot=False):
        """Start the server; with ``load_snapshot`` from the last SAVE, else empty."""
        snapshot = self.directory / "dump.rdb"
        if not load_snapshot:
            snapshot.unlink(missing_ok=True)
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
            [
                self.binary,
                "--bind", HOST, "--port", str(self.port), "--dir", str(self.directory),
                "--dbfilename", "dump.rdb", "--save", "", "--appendonly", "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        wait_until(self._answers, 10, "redis-server start")
        return self

    def _answers(self):
        try:
            return self.client().ping()
        except Exception:
            return False

    def save(self):
        """Write a snapshot now (SAVE), to restore later with ``start(load_snapshot=True)``."""
        self.client().save()

    def kill(self):
        """Kill the server at once (SIGKILL): what it held in memory since the last SAVE is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def freeze(self):
        """Stop the process (SIGSTOP): connections are accepted by the kernel but never answered."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self):
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self):
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGCONT)
        self.kill()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class TcpProxy:
    """HAProxy in front of a service: one process's path to it, to freeze or cut while others' stay up.

    A process pointed at ``url`` reaches the service at ``target_port`` through the proxy; frozen
    (SIGSTOP), the proxy accepts connections in the kernel but passes nothing on, as a hung
    network path does; killed, it refuses them. The service itself, and every process that talks
    to it directly, carries on.
    """

    def __init__(self, directory: Path, target_port: int):
        self.binary = shutil.which("haproxy")
        if self.binary is None:
            raise RuntimeError("haproxy is not installed (apt-get install haproxy)")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.target_port = target_port
        self.process = None

    def url(self, scheme="redis", path="/0") -> str:
        return f"{scheme}://{HOST}:{self.port}{path}"

    def start(self):
        config = self.directory / "haproxy.cfg"
        config.write_text(
            "defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 1h\n  timeout server 1h\n"
            f"listen service\n  bind {HOST}:{self.port}\n  server target {HOST}:{self.target_port}\n"
        )
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
            [self.binary, "-db", "-f", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(self._listens, 10, "haproxy start")
        return self

    def _listens(self):
        try:
            with socket.create_connection((HOST, self.port), timeout=1):
                return True
        except OSError:
            return False

    def freeze(self):
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self):
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGCONT)
        self.process.kill()
        self.process.wait(timeout=10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class PostgresCluster:
    """A PostgreSQL cluster of the test's own (initdb, pg_ctl), run as ``postgres`` when we are root."""

    def __init__(self):
        self.bindir = self._bindir()
        # Its own directory under the system's temporary one: the postgres user must be able to
        # reach it, which a test's private temporary directory (mode 0700, root's) does not allow.
        self.directory = Path(tempfile.mkdtemp(prefix="pg-cluster-"))
        self.data = self.directory / "data"
        self.sockets = self.directory / "sockets"
        self.port = free_port()

    @staticmethod
    def _bindir():
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if found:
            return found[-1].parent
        pg_ctl = shutil.which("pg_ctl")
        if pg_ctl is None:
            raise RuntimeError("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
        return Path(pg_ctl).parent

    def url(self, database="postgres") -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{database}"

    def _run(self, *args, check=True, timeout=60):
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root.
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(  # noqa: S603 - a fixed command line
            command, check=check, timeout=timeout, capture_output=True, text=True
        )

    def init(self):
        self.sockets.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            for path in (self.directory, self.sockets):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        return self

    def start(self):
        options = (
            f"-p {self.port} -c listen_addresses={HOST} -k {self.sockets} "
            "-c fsync=on -c max_connections=50 -c shared_buffers=32MB"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.directory / "log"), "-w", "start"
        )
        return self

    def stop(self, mode="immediate"):
        """Stop the server; ``immediate`` is a crash as far as clients can tell."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def create_database(self, name):
        import psycopg

        with psycopg.connect(self.url(), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def remove(self):
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self):
        try:
            return self.init().start()
        except BaseException:
            self.remove()
            raise

    def __exit__(self, *exc):
        self.remove()
