"""gunicorn's settings for this project: ``gunicorn -c gunicorn.conf.py`` serves ``config.wsgi``.

``make run``, the tests' and the benchmarks' servers (``testing/servers.py``) and the README's
production command all start gunicorn with this file. Command-line options win over it.

* Binds to ``HOST``:``PORT`` (default ``127.0.0.1:8000``); workers: ``WEB_CONCURRENCY``
  (gunicorn reads it itself), else one.
* Trusts no forwarded header itself. By default gunicorn lets a peer on 127.0.0.1 set the scheme
  (``X-Forwarded-Proto`` and two more) and ``SCRIPT_NAME``: with ``NUM_PROXIES=0`` a local client
  could change the URL a DPoP proof must name. Django applies ``NUM_PROXIES`` instead (one rule
  for the client IP, host and scheme: ``common.middleware.TrustedProxyMiddleware``).
* An access log, when one is asked for (``--access-logfile -``, as ``make run`` does), holds the
  path and never a query string or the Referer's: a query may carry a secret.
* No control socket: gunicorn 25.1+ opens one at a fixed path per user (``~/.gunicorn/gunicorn.ctl``)
  that takes commands to resize or stop the server. Two servers on one machine (several nodes,
  the tests) would each take over the other's socket, and one stopping removes it for both; the
  project manages its servers with signals and the process manager instead.
* Metrics (common/metrics.py) are summed over the workers: each writes its values under
  ``PROMETHEUS_MULTIPROC_DIR``. The master gives the variable to its workers: the deployer's
  directory, emptied at the start, or else a fresh one of its own, removed at the end. A worker
  that exits is marked dead there, so that gauges count live processes only. Two servers on
  one machine each need a directory of their own.
"""

import os
import shutil
import tempfile
from pathlib import Path

from gunicorn.glogging import Logger


def _bind_address(host: str, port: str) -> str:
    # An IPv6 address needs brackets before its port.
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


wsgi_app = "config.wsgi:application"
bind = [_bind_address(os.environ.get("HOST") or "127.0.0.1", os.environ.get("PORT") or "8000")]

# No peer, whatever its address (a Unix socket's included), sets the scheme or the WSGI paths.
forwarded_allow_ips = ""
secure_scheme_headers = {}
forwarder_headers = ""

control_socket_disable = True


def _without_query(url: str) -> str:
    return url.split("?", 1)[0].split("#", 1)[0]


class PathOnlyLogger(Logger):
    """gunicorn's logger whose access lines name the path only, in every access log format.

    The request line (``%(r)s``) keeps the raw, still percent-encoded path: a decoded one (gunicorn's
    ``%(U)s``) could hold a line break that forges a log line.
    """

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = _without_query(environ.get("RAW_URI") or "")
        atoms["r"] = f"{environ['REQUEST_METHOD']} {path} {environ['SERVER_PROTOCOL']}"
        # The same values under their header (``{name}i``) and environ (``{name}e``) names.
        atoms["U"] = atoms["{raw_uri}e"] = path
        atoms["q"] = atoms["{query_string}e"] = "-"
        referer = _without_query(environ.get("HTTP_REFERER") or "-")
        atoms["f"] = atoms["{referer}i"] = atoms["{http_referer}e"] = referer
        return atoms


logger_class = PathOnlyLogger
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(a)s"'


# --- Metrics over several workers (prometheus_client's multiprocess mode) -----------------------

_METRICS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
_own_metrics_directory = None


def on_starting(server):
    """Give the workers an empty directory for their metrics, before the first one is forked.

    The variable is set before any worker imports prometheus_client: the library picks its mode
    on import. Counters of a previous run of this server would be added to this one's: emptied.
    """
    global _own_metrics_directory
    directory = os.environ.get(_METRICS_DIRECTORY)
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        for stale in Path(directory).glob("*.db"):
            stale.unlink(missing_ok=True)
    else:
        directory = _own_metrics_directory = tempfile.mkdtemp(prefix="gunicorn-metrics-")
        os.environ[_METRICS_DIRECTORY] = directory
    server.log.info("Metrics of the workers in %s", directory)


def child_exit(server, worker):
    """Let the live gauges forget a worker that exited (its counters stay in the sums)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Remove the metrics directory this server made for itself (never the deployer's)."""
    if _own_metrics_directory:
        shutil.rmtree(_own_metrics_directory, ignore_errors=True)
