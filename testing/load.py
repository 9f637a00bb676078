"""Client load for the tests that run servers: session chains refreshed and used while something happens."""

import threading
import time

from testing.servers import request

REFRESH = "/api/auth/refresh/"
HEALTH = "/api/health/"


class ChainLoad(threading.Thread):
    """Refresh one session's chain and use its access token, on ``servers`` in turn, until ``stop`` is set.

    After each refresh, a GET of every path in ``reads`` (with the access token, but for the
    health check). Each answer is kept in ``answers`` as (phase, path, status), ``phase`` being
    what the test had set in ``self.phase`` when the request started: answers are told apart by
    what had happened before they were asked. ``accesses`` holds every access token the chain
    got, ``slowest`` the longest wait for an answer.
    """

    def __init__(self, servers, tokens, *, reads=("/api/todos/",)):
        super().__init__(daemon=True)
        self.servers, self.tokens, self.reads = servers, tokens, reads
        self.answers = []
        self.accesses = [tokens["access"]] if "access" in tokens else []
        self.phase, self.slowest, self.stop = None, 0.0, threading.Event()

    def call(self, server, method, path, *, token=None, body=None):
        """Send one request to ``server`` and keep its answer; return (status, body)."""
        phase, started = self.phase, time.monotonic()
        status, answer = request(server.port, method, path, token=token, body=body, timeout=10)
        self.slowest = max(self.slowest, time.monotonic() - started)
        self.answers.append((phase, path, status))
        return status, answer

    def step(self, server):
        """Refresh the chain on ``server`` and read ``reads`` there."""
        status, body = self.call(server, "POST", REFRESH, token=self.tokens["refresh"])
        if status == 200:
            self.tokens = body
            self.accesses.append(body["access"])
        for path in self.reads:
            self.call(server, "GET", path, token=None if path == HEALTH else self.tokens["access"])

    def run(self):
        turn = 0
        while not self.stop.is_set():
            self.step(self.servers[turn % len(self.servers)])
            turn += 1
