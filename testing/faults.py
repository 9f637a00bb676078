"""Real services to break under a running server: a private redis-server, a private PostgreSQL cluster, a proxy.

Each binds 127.0.0.1 on a free port, keeps its files in a directory of its own, and is
always stopped. The fault tests kill (SIGKILL), freeze (SIGSTOP), restart and restore them.
Neither server can take a socket bound for it, so a port taken between choosing and binding it
is met by choosing another (on the first start only: afterwards clients know the port).
"""

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from testing.servers import HOST, Gunicorn, free_port, migrate, server_env, wait_until

BIND_ATTEMPTS = 5


class PortTaken(RuntimeError):
    """The server could not bind its port: another process took it after it was chosen."""


def _log_since(path: Path, offset: int) -> str:
    try:
        with open(path, "rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")
    except FileNotFoundError:
        return ""


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _exited(process, log: Path, offset: int, what: str) -> None:
    """Raise PortTaken, or RuntimeError, with the end of its log, when the server ``process`` has exited."""
    if process.poll() is not None:
        text = _log_since(log, offset)
        error = PortTaken if "Address already in use" in text else RuntimeError
        raise error(f"{what} exited with {process.returncode}: {text[-500:]}")


class _OnAFreePort:
    """Start a server on ``self.port``; on its first start, move to another port when that one is taken."""

    port: int
    _served = False

    def _start_once(self):
        raise NotImplementedError

    def _start_on_a_free_port(self):
        for attempt in range(BIND_ATTEMPTS):
            try:
                self._start_once()
            except PortTaken:
                if self._served or attempt == BIND_ATTEMPTS - 1:
                    raise
                self.port = free_port()
                continue
            self._served = True
            return


class RedisServer(_OnAFreePort):
    """A redis-server of the test's own, with a snapshot file it can be restored from.

    ``replica_of``: the port of a master on 127.0.0.1 that this one replicates. ``tls``: a
    ``TlsFiles`` whose certificate it serves TLS with, on ``port``, and nothing in the clear.
    """

    def __init__(self, directory: Path, *, replica_of: int | None = None, tls: "TlsFiles | None" = None):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.replica_of = replica_of
        self.tls = tls
        self.process = None

    @property
    def url(self) -> str:
        if self.tls:
            return f"rediss://{HOST}:{self.port}/0?ssl_ca_certs={self.tls.ca}"
        return f"redis://{HOST}:{self.port}/0"

    def client(self, **options):
        import redis

        if self.tls:
            options = {"ssl": True, "ssl_ca_certs": str(self.tls.ca), **options}
        return redis.Redis(host=HOST, port=self.port, **{"socket_timeout": 5, **options})

    @property
    def log(self) -> Path:
        return self.directory / "redis.log"

    def start(self, *, load_snapshot=False):
        """Start the server; with ``load_snapshot`` from the last SAVE, else empty."""
        snapshot = self.directory / "dump.rdb"
        if not load_snapshot:
            snapshot.unlink(missing_ok=True)
        self._start_on_a_free_port()
        return self

    def _start_once(self):
        offset = _size(self.log)
        listen = ["--port", str(self.port)]
        if self.tls:
            listen = [
                "--port", "0", "--tls-port", str(self.port), "--tls-cert-file", str(self.tls.certificate),
                "--tls-key-file", str(self.tls.key), "--tls-ca-cert-file", str(self.tls.ca),
                "--tls-auth-clients", "no",
            ]  # fmt: skip
        if self.replica_of is not None:
            listen += ["--replicaof", HOST, str(self.replica_of)]
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
            [
                self.binary,
                "--bind", HOST, *listen, "--dir", str(self.directory),
                "--dbfilename", "dump.rdb", "--save", "", "--appendonly", "no",
                "--logfile", str(self.log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        wait_until(lambda: self._answers(offset), 10, f"redis-server answering on port {self.port}")

    def _answers(self, offset):
        _exited(self.process, self.log, offset, "redis-server")
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # Asked briefly and once, so that whatever holds the port is not waited on for long.
        probe = self.client(socket_timeout=1, socket_connect_timeout=1, retry=Retry(NoBackoff(), 0))
        try:
            # Its own process answering, not another server that holds the port.
            return probe.info("server")["process_id"] == self.process.pid
        except Exception:
            return False
        finally:
            probe.close()

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


class TlsFiles:
    """A certificate authority of its own and a certificate it signed for 127.0.0.1, as PEM files in ``directory``.

    ``ca``: the authority's certificate, which a client trusts; ``certificate`` and ``key``: the server's.
    """

    def __init__(self, directory: Path, name: str = "test"):
        import datetime
        import ipaddress

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        now = datetime.datetime.now(datetime.UTC)

        def certificate(subject, issuer, public_key, signing_key, *, ca):
            builder = (
                x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
                .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
                .public_key(public_key)
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=1))
                .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            )
            if not ca:
                address = x509.IPAddress(ipaddress.ip_address(HOST))
                builder = builder.add_extension(x509.SubjectAlternativeName([address]), critical=False)
            return builder.sign(signing_key, hashes.SHA256())

        ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
        authority = f"{name} authority"
        self.ca = directory / f"{name}-ca.pem"
        self.certificate = directory / f"{name}-server.pem"
        self.key = directory / f"{name}-server.key"
        pem = serialization.Encoding.PEM
        self.ca.write_bytes(
            certificate(authority, authority, ca_key.public_key(), ca_key, ca=True).public_bytes(pem)
        )
        self.certificate.write_bytes(
            certificate(HOST, authority, key.public_key(), ca_key, ca=False).public_bytes(pem)
        )
        self.key.write_bytes(
            key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )


class RedisSentinel(_OnAFreePort):
    """A Redis Sentinel of the test's own, watching the master named ``name`` on 127.0.0.1:``master_port``.

    It takes a master for down after ``down_after_ms`` without an answer; with ``quorum`` (one:
    this Sentinel alone) agreeing, it promotes a replica.
    """

    def __init__(
        self, directory: Path, *, name: str, master_port: int, quorum: int = 1, down_after_ms: int = 1000
    ):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.name, self.watched_port, self.quorum, self.down_after_ms = (
            name,
            master_port,
            quorum,
            down_after_ms,
        )
        self.port = free_port()
        self.process = None

    @property
    def address(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def log(self) -> Path:
        return self.directory / "sentinel.log"

    def client(self):
        import redis

        return redis.Redis(host=HOST, port=self.port, socket_timeout=5, decode_responses=True)

    def start(self):
        self._start_on_a_free_port()
        return self

    def _start_once(self):
        config = self.directory / "sentinel.conf"  # Sentinel rewrites it as it learns
        config.write_text(
            f"bind {HOST}\nport {self.port}\ndir {self.directory}\nlogfile {self.log}\n"
            f"sentinel monitor {self.name} {HOST} {self.watched_port} {self.quorum}\n"
            f"sentinel down-after-milliseconds {self.name} {self.down_after_ms}\n"
            f"sentinel failover-timeout {self.name} 10000\n"
        )
        offset = _size(self.log)
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
            [self.binary, str(config), "--sentinel"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(lambda: self._answers(offset), 10, f"redis-sentinel answering on port {self.port}")

    def _answers(self, offset):
        _exited(self.process, self.log, offset, "redis-sentinel")
        try:
            return self.client().info("server")["process_id"] == self.process.pid
        except Exception:
            return False

    def master_port(self) -> int | None:
        """Return the port of the master this Sentinel names now, or None when it does not answer."""
        try:
            _, port = self.client().sentinel_get_master_addr_by_name(self.name)
        except Exception:
            return None
        return int(port)

    def knows_replicas(self) -> int:
        """Return how many replicas of the master this Sentinel sees up."""
        try:
            replicas = self.client().sentinel_slaves(self.name)
        except Exception:
            return 0
        return sum(1 for replica in replicas if not replica["is_sdown"] and not replica["is_odown"])

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class RedisWithSentinel:
    """A Redis master, one replica of it, and ``sentinels`` Sentinels watching both: each a process of its own.

    ``fail_over()`` kills the master that the Sentinels name now and returns once they name the
    replica they promoted. The application finds the master with ``REDIS_SENTINELS`` =
    ``",".join(sentinel_addresses)`` and ``REDIS_SENTINEL_MASTER`` = ``name``.
    """

    name = "refresh"

    def __init__(self, directory: Path, *, sentinels: int = 1, down_after_ms: int = 1000):
        self.directory = Path(directory)
        self.count = sentinels
        self.down_after_ms = down_after_ms
        self.servers = []
        self.sentinels = []

    @property
    def sentinel_addresses(self) -> list[str]:
        return [sentinel.address for sentinel in self.sentinels]

    def start(self):
        master = RedisServer(self.directory / "master")
        self.servers.append(master)
        master.start()
        replica = RedisServer(self.directory / "replica", replica_of=master.port)
        self.servers.append(replica)
        replica.start()
        wait_until(
            lambda: replica.client().info("replication").get("master_link_status") == "up",
            30,
            "the replica in sync with its master",
        )
        quorum = self.count // 2 + 1
        for number in range(self.count):
            sentinel = RedisSentinel(
                self.directory / f"sentinel-{number}",
                name=self.name,
                master_port=master.port,
                quorum=quorum,
                down_after_ms=self.down_after_ms,
            )
            self.sentinels.append(sentinel)
            sentinel.start()
        # A Sentinel learns of replicas from the master's INFO: before that it has none to promote.
        wait_until(
            lambda: all(sentinel.knows_replicas() for sentinel in self.sentinels),
            30,
            "the Sentinels knowing the replica",
        )
        return self

    def master(self) -> RedisServer:
        """Return the server the Sentinels name as master now."""
        port = next(filter(None, (sentinel.master_port() for sentinel in self.sentinels)))
        return next(server for server in self.servers if server.port == port)

    def fail_over(self, timeout: float = 60) -> tuple[RedisServer, RedisServer]:
        """Kill the master (SIGKILL); return (it, the replica promoted) once every Sentinel names the latter."""
        old = self.master()
        old.kill()
        wait_until(
            lambda: all(sentinel.master_port() not in (None, old.port) for sentinel in self.sentinels),
            timeout,
            "the Sentinels promoting the replica",
            interval=0.1,
        )
        new = self.master()
        wait_until(
            lambda: new.client().info("replication").get("role") == "master",
            timeout,
            "the promoted replica taking writes",
        )
        return old, new

    def stop(self):
        for process in (*self.sentinels, *self.servers):
            process.stop()

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()


class TcpProxy(_OnAFreePort):
    """HAProxy in front of a service: one process's path to it, to freeze or cut while others' stay up.

    A process pointed at ``url()`` reaches the service at ``target_port`` through the proxy;
    frozen (SIGSTOP), the proxy accepts connections in the kernel but passes nothing on, as a
    hung network path does; killed, it refuses them. The service itself, and every process that
    talks to it directly, carries on.
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

    @property
    def log(self) -> Path:
        return self.directory / "haproxy.log"

    def url(self, scheme="redis", path="/0") -> str:
        return f"{scheme}://{HOST}:{self.port}{path}"

    def start(self):
        self._start_on_a_free_port()
        return self

    def _config(self) -> str:
        # noreuseport: a port another process holds makes the bind fail, rather than shared.
        return (
            "global\n  noreuseport\n"
            "defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 1h\n  timeout server 1h\n"
            f"listen service\n  bind {HOST}:{self.port}\n  server target {HOST}:{self.target_port}\n"
        )

    def _start_once(self):
        config = self.directory / "haproxy.cfg"
        config.write_text(self._config())
        offset = _size(self.log)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
                [self.binary, "-db", "-f", str(config)], stdout=log, stderr=log, start_new_session=True
            )
        wait_until(lambda: self._listens(offset), 10, f"haproxy listening on port {self.port}")

    def _listens(self, offset):
        _exited(self.process, self.log, offset, "haproxy")
        import socket

        with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), timeout=1):
            return True
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


class HttpBalancer(TcpProxy):
    """HAProxy balancing HTTP round robin over app servers on 127.0.0.1, each checked on ``health_path``.

    A server is taken out after three failed checks (``check_ms`` apart, each allowed 3 s), or at
    once when a connection to it fails (the request then goes to another server), and back in
    after two good checks. Each server gets at most ``maxconn`` requests at a time (its sync
    workers), the others wait in the balancer's queue: a check never waits behind a backlog. It
    adds ``X-Forwarded-For`` (the servers need ``NUM_PROXIES=1``). ``states()`` reads each
    server's state from the stats socket.

    ``login_lane``: logins (``POST /api/auth/login/``, a large share of a second of CPU each with
    Argon2) get at most that many of each server's ``maxconn``, everything else the rest: a burst
    of logins cannot take every worker from refreshes.
    """

    def __init__(
        self,
        directory: Path,
        ports: list[int],
        *,
        health_path: str = "/api/health/",
        check_ms: int = 1000,
        maxconn: int = 2,
        login_lane: int = 0,
    ):
        if not 0 <= login_lane < maxconn:
            raise ValueError("the login lane must leave other requests at least one connection")
        super().__init__(directory, target_port=0)  # no one target: the servers at ``ports``
        self.ports, self.health_path, self.check_ms = list(ports), health_path, check_ms
        self.maxconn, self.login_lane = maxconn, login_lane

    @property
    def socket_path(self) -> Path:
        return self.directory / "stats.sock"

    def _config(self) -> str:
        servers = "".join(f"  server node{n} {HOST}:{port} check\n" for n, port in enumerate(self.ports))
        lane = ""
        if self.login_lane:
            # The same servers, their state tracked from the main backend's checks.
            tracked = "".join(
                f"  server node{n} {HOST}:{port} track app/node{n} maxconn {self.login_lane}\n"
                for n, port in enumerate(self.ports)
            )
            lane = f"backend logins\n  balance roundrobin\n  option forwardfor\n{tracked}"
        route = "  use_backend logins if METH_POST { path /api/auth/login/ }\n" if lane else ""
        return (
            f"global\n  noreuseport\n  stats socket {self.socket_path} mode 600 level admin\n"
            "defaults\n  mode http\n  timeout connect 2s\n  timeout client 5m\n  timeout server 30s\n"
            "  timeout queue 30s\n  timeout check 3s\n  retries 2\n  retry-on conn-failure\n  option redispatch 1\n"
            f"frontend web\n  bind {HOST}:{self.port}\n{route}  default_backend app\n"
            "backend app\n  balance roundrobin\n  option forwardfor\n"
            f"  option httpchk GET {self.health_path}\n  http-check expect status 200\n"
            f"  default-server inter {self.check_ms}ms fall 3 rise 2 maxconn {self.maxconn - self.login_lane}"
            " observe layer4 error-limit 1 on-error mark-down\n"
            f"{servers}{lane}"
        )

    def states(self) -> dict[int, str]:
        """Return each server's state by its port: ``UP``, ``DOWN``, or a transition (``UP 1/2``)."""
        import socket

        with socket.socket(socket.AF_UNIX) as stats:
            stats.settimeout(5)
            stats.connect(str(self.socket_path))
            stats.sendall(b"show stat\n")
            text = b""
            while chunk := stats.recv(65536):
                text += chunk
        lines = text.decode().splitlines()
        columns = lines[0].lstrip("# ").split(",")
        found = {}
        for line in lines[1:]:
            row = dict(zip(columns, line.split(","), strict=False))
            if row.get("pxname") == "app" and row.get("svname", "").startswith("node"):
                found[self.ports[int(row["svname"][4:])]] = row["status"]
        return found


class PostgresCluster(_OnAFreePort):
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

    @property
    def log(self) -> Path:
        return self.directory / "log"

    def start(self):
        self._start_on_a_free_port()
        return self

    def _start_once(self):
        options = (
            f"-p {self.port} -c listen_addresses={HOST} -k {self.sockets} "
            "-c fsync=on -c max_connections=50 -c shared_buffers=32MB"
        )
        offset = _size(self.log)
        # pg_ctl -w returns once the server accepts connections, or fails when it exits.
        done = self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start", check=False
        )
        if done.returncode != 0:
            log = _log_since(self.log, offset)
            error = PortTaken if "Address already in use" in log else RuntimeError
            raise error(f"pg_ctl start failed ({done.returncode}): {done.stderr[-500:]} {log[-500:]}")

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


def postgres_installed() -> bool:
    """Return whether PostgreSQL's server binaries (initdb, pg_ctl), which PostgresCluster runs, are here."""
    return bool(sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb")) or shutil.which("initdb"))


@contextlib.contextmanager
def gunicorn_on_own_cluster(directory: Path, name: str, *, workers: int = 2, **env):
    """Yield (cluster, its database ``name``'s URL, the server's environment, the gunicorn server).

    The server (``workers`` sync workers, logging to ``directory``/gunicorn.log, ``env`` for
    ``server_env``) runs on a migrated database of a PostgreSQL cluster of its own: the test
    may stop, restart or lock it as it likes. Everything is stopped and removed afterwards.
    """
    with PostgresCluster() as cluster:
        database_url = cluster.create_database(name)
        environment = server_env(database_url=database_url, **env)
        migrate(environment)
        with Gunicorn(environment, workers=workers, log=Path(directory) / "gunicorn.log") as server:
            yield cluster, database_url, environment, server


class PgBouncer(_OnAFreePort):
    """A PgBouncer of the test's own in transaction pooling, in front of the PostgreSQL on ``port``.

    ``pool_size``: server connections per database and user (fewer than the clients, so that
    clients really take turns on them). ``settings``: more lines of its ``[pgbouncer]`` section
    (``ignore_startup_parameters = options``, say). ``stop()`` and ``start()`` again keep the port
    and the configuration (a restart); leaving the ``with`` block removes its directory too.
    """

    def __init__(self, port: int, *, pool_size: int = 20, max_clients: int = 200, settings: str = ""):
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        if not Path(binary).exists():
            raise RuntimeError("PgBouncer is not installed")
        self.binary = binary
        self.directory = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
        self.port = free_port()
        self.server_port = port
        self.pool_size, self.max_clients, self.settings = pool_size, max_clients, settings
        self.process = None

    def url(self, database="postgres") -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{database}"

    @property
    def log(self) -> Path:
        return self.directory / "pgbouncer.log"

    def start(self):
        self._start_on_a_free_port()
        return self

    def _start_once(self):
        (self.directory / "users.txt").write_text('"postgres" ""\n')
        config = self.directory / "pgbouncer.ini"
        config.write_text(
            f"[databases]\n* = host={HOST} port={self.server_port}\n"
            f"[pgbouncer]\nlisten_addr = {HOST}\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.directory / 'users.txt'}\npool_mode = transaction\n"
            f"default_pool_size = {self.pool_size}\nmax_client_conn = {self.max_clients}\n"
            f"logfile = {self.log}\n{self.settings}\n"
        )
        command = [self.binary, str(config)]
        if os.geteuid() == 0:
            # PgBouncer refuses to run as root.
            owner = pwd.getpwnam("postgres")
            for path in (self.directory, *self.directory.iterdir()):
                os.chown(path, owner.pw_uid, owner.pw_gid)
            command = ["runuser", "-u", "postgres", "--", *command]
        offset = _size(self.log)
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        wait_until(lambda: self._answers(offset), 10, f"pgbouncer listening on port {self.port}")

    def _answers(self, offset):
        _exited(self.process, self.log, offset, "pgbouncer")
        import socket

        with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), timeout=1):
            return True
        return False

    def stop(self):
        """Stop it at once (SIGTERM: PgBouncer's immediate shutdown); its clients lose their connections."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)

    def remove(self):
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.remove()
            raise

    def __exit__(self, *exc):
        self.remove()


# --- Locks held by another connection -------------------------------------------------------


@contextlib.contextmanager
def lock_held(conninfo: str, sql: str, params=(), *, at_most: float = 30.0):
    """Hold the locks that ``sql`` takes (``SELECT ... FOR UPDATE``, ``LOCK TABLE``) until the block ends.

    ``sql`` runs in a transaction of a PostgreSQL connection of its own (``conninfo``: a URL
    or libpq's key=value form), which stays open, and rolled back, at the end. The server ends
    that transaction after ``at_most`` idle seconds, so that a request which waits on the lock
    when it should not fails its test rather than hangs it (the lock is waited on by the
    thread that holds it, in-process).
    """
    import psycopg

    conn = psycopg.connect(conninfo, connect_timeout=5)
    try:
        conn.execute("SELECT set_config('idle_in_transaction_session_timeout', %s, false)", [f"{at_most}s"])
        conn.execute(sql, params)
        yield conn
    finally:
        with contextlib.suppress(psycopg.Error):  # the server ended it after at_most
            conn.rollback()
        conn.close()


def lock_waiters(conninfo: str, *, longer_than: float = 0.0) -> int:
    """Return how many backends of the database of ``conninfo`` have waited on a lock longer than ``longer_than`` s.

    Asked on a connection of its own each time: within one transaction PostgreSQL would keep
    answering from the snapshot of its first look at pg_stat_activity.
    """
    import psycopg

    with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND clock_timestamp() - query_start > make_interval(secs => %s)",
            [longer_than],
        ).fetchone()[0]
