"""Outages told in a few lines (common.outages): the beginning with its cause, a count at most
every 10 s while it lasts, the end; for the database and for Redis alike.

The clock is the test's, so that ten seconds of an outage take none; the Redis it breaks is real.
"""

import logging
import threading

import pytest

from common import failsafe
from common.outages import REPORT_SECONDS, Bursts, Outage

pytestmark = pytest.mark.django_db  # the root conftest clears the cache, a table without Redis


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def outage(clock):
    tracked = Outage(
        "Thing",
        logger=logging.getLogger("test.outages"),
        level=logging.ERROR,
        counted="requests refused",
        meanwhile="refusing for now",
    )
    tracked.clock = clock
    return tracked


def messages(caplog):
    return [
        (record.levelname, record.getMessage()) for record in caplog.records if record.name == "test.outages"
    ]


def test_an_outage_is_told_when_it_begins_counted_at_most_every_ten_seconds_and_told_when_it_ends(
    outage, clock, caplog
):
    outage.ended()  # nothing going on: nothing to say
    assert not outage.active and messages(caplog) == []

    outage.failed(ConnectionRefusedError(111, "Connection refused\nmore detail"))
    assert outage.active
    for _ in range(99):
        clock.advance(0.1)  # 9.9 s in all: no count yet
        outage.failed(ConnectionRefusedError(111, "Connection refused"))
    assert messages(caplog) == [
        (
            "ERROR",
            "Thing unavailable (ConnectionRefusedError: [Errno 111] Connection refused); refusing for now",
        )
    ]

    clock.advance(0.1)
    outage.failed(TimeoutError("timed out"))  # 10 s after the last line: the count
    clock.advance(9)
    for _ in range(5):
        outage.failed()  # no cause of their own: the last one stands
    clock.advance(1)
    outage.failed()
    clock.advance(2.5)
    outage.ended()
    outage.ended()  # once
    assert messages(caplog)[1:] == [
        ("ERROR", "Thing still unavailable: 100 requests refused in the last 10 s, 101 in 10 s since it began "
                  "(last cause TimeoutError: timed out)"),
        ("ERROR", "Thing still unavailable: 6 requests refused in the last 10 s, 107 in 20 s since it began "
                  "(last cause TimeoutError: timed out)"),
        ("WARNING", "Thing is back after 22.5 s; 107 requests refused meanwhile"),
    ]  # fmt: skip
    assert not outage.active

    outage.failed(OSError("again"))  # a new outage begins anew
    assert messages(caplog)[-1] == ("ERROR", "Thing unavailable (OSError: again); refusing for now")


def test_failures_in_many_threads_at_once_begin_one_outage_and_lose_no_count(outage, caplog):
    start = threading.Barrier(8)

    def fail():
        start.wait()
        for _ in range(500):
            outage.failed(OSError("down"))

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outage.ended()
    assert [message for _, message in messages(caplog)] == [
        "Thing unavailable (OSError: down); refusing for now",
        "Thing is back after 0.0 s; 4000 requests refused meanwhile",
    ]


def test_the_count_waits_for_the_interval_whatever_the_rate(outage, clock, caplog):
    for _second in range(35):
        for _ in range(50):
            outage.failed(OSError("down"))
        clock.advance(1)
    assert len(messages(caplog)) == 1 + int(35 // REPORT_SECONDS)


def test_a_redis_outage_is_counted_while_it_lasts(
    settings, redis_server, clock, client, stderr_log, monkeypatch
):
    settings.REDIS_URL = redis_server.url
    settings.REDIS_RETRY_SECONDS = 5
    monkeypatch.setattr(failsafe.breaker.outage, "clock", clock)
    monkeypatch.setattr(failsafe.breaker, "clock", clock)

    def health():
        response = client.get("/api/health/")
        assert response.status_code == 200
        return response.json()["redis"]

    assert health() == "ok"
    redis_server.kill()
    try:
        assert [health() for _ in range(4)] == ["unavailable"] * 4  # one failed call, three skipped
        clock.advance(REPORT_SECONDS)  # the breaker tries again, fails: 10 s since the first line
        assert health() == "unavailable"
        clock.advance(1)
        assert health() == "unavailable"  # skipped, and too soon for a count
    finally:
        redis_server.start()
    clock.advance(5)
    assert health() == "ok"
    assert health() == "ok"

    lines = [line.split(" ", 5)[2:] for line in stderr_log()]
    assert [(level, logger) for level, logger, _, _ in lines] == [("WARNING", "common.failsafe")] * 3
    begin, count, end = (message for _, _, _, message in lines)
    assert begin.startswith("Redis unavailable (ConnectionError: ") and "refused" in begin
    assert begin.endswith("; answering from the fallback for now")
    assert count.startswith(
        "Redis still unavailable: 4 calls answered from the fallback in the last 10 s, 5 in 10 s "
    )
    assert end == "Redis is back after 16.0 s; 6 calls answered from the fallback meanwhile"


def test_bursts_are_told_at_once_then_as_a_count_at_most_every_ten_seconds(clock, caplog):
    cancelled = Bursts(
        "statements cancelled", logger=logging.getLogger("test.outages"), level=logging.WARNING
    )
    cancelled.clock = clock
    caplog.set_level(logging.DEBUG, logger="test.outages")

    cancelled.happened(TimeoutError("canceling statement due to lock timeout"))
    assert messages(caplog) == [
        (
            "WARNING",
            "1 statements cancelled (last cause TimeoutError: canceling statement due to lock timeout)",
        )
    ]
    for _ in range(40):
        clock.advance(0.2)
        cancelled.happened(TimeoutError("canceling statement due to statement timeout"))
    assert len(messages(caplog)) == 1  # 8 s: counted, not told
    clock.advance(REPORT_SECONDS)
    cancelled.happened(TimeoutError("canceling statement due to statement timeout"))
    assert messages(caplog)[1:] == [
        (
            "WARNING",
            "41 statements cancelled in the last 18 s "
            "(last cause TimeoutError: canceling statement due to statement timeout)",
        )
    ]
