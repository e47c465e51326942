"""The paced load generator (``bench/paced.py``) counts each request's latency from its intended start, so a
request queued behind a stalled one carries the stall (no coordinated omission), and a request that never
answers counts as infinitely slow. These tests check that accounting against a tiny local server; they assert
logic, never speed: every bound below is one a slower machine can only make truer."""

from __future__ import annotations

import math
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.paced import PacedResult, Request, pace, percentile, pooled

STALL = 0.5  # seconds the server holds the first request


class StallOnceHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive; holds the first request ``STALL`` seconds; a few paths answer differently."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        with self.server.lock:
            self.server.requests += 1
            first = self.server.requests == 1
        if first and self.path == "/stall-once":
            time.sleep(STALL)
        if self.path == "/gone":
            self.send_response(404)
            self.send_header("Content-Length", "4")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"gone")
            self.close_connection = True
        elif self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        else:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    def log_message(self, *_args):
        pass


@pytest.fixture
def server():
    """The handler above on a free port; yields its base URL and the server (for its request count)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), StallOnceHandler)
    httpd.daemon_threads = True
    httpd.lock = threading.Lock()
    httpd.requests = 0
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_requests_queued_behind_a_stall_carry_the_wait_from_their_intended_start(server):
    base, _ = server
    rate = 20.0  # due at 0, 50, 100, ... 250 ms; the first answers after 500 ms at the earliest
    found = pace(base, Request("/stall-once"), rate=rate, seconds=0.3, connections=1)

    assert found.scheduled == 6
    assert found.answered == 6
    assert found.error_count == 0
    # One connection: request i leaves only after the stalled first one has answered, so from its intended
    # start (i / rate after the first's) it waited at least STALL - i / rate. A closed loop would have
    # timed it from when it left, as a fast request.
    for index in range(1, 6):
        assert found.latencies[index] >= STALL - index / rate
    assert found.latency(50) >= STALL - 3 / rate


def test_a_server_that_does_not_answer_gives_errors_and_an_infinite_p99():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    found = pace(f"http://127.0.0.1:{port}", Request("/"), rate=50, seconds=0.1, connections=2)

    assert found.scheduled == 5
    assert found.answered == 0
    assert found.errors == {"connect": 5}
    assert found.achieved_rate == 0
    assert math.isinf(found.latency(99))


def test_answers_that_are_not_2xx_are_counted_and_a_closed_connection_is_reopened(server):
    base, httpd = server

    found = pace(base, Request("/gone"), rate=100, seconds=0.05, connections=1)

    assert found.scheduled == found.answered == found.non2xx == 5
    assert found.opened == 5  # the server closed the connection after every answer
    assert httpd.requests == 5


def test_a_kept_alive_connection_reads_chunked_answers_and_stays_open(server):
    base, httpd = server

    found = pace(base, Request("/chunked"), rate=100, seconds=0.05, connections=1)

    assert found.answered == 5
    assert found.non2xx == 0
    assert found.opened == 1
    assert httpd.requests == 5


def test_pooled_runs_keep_every_latency_and_a_missing_answer_decides_the_tail():
    first = PacedResult(10, [0.01, 0.02, 0.03], [0.0] * 3, 0.3)
    second = PacedResult(10, [0.04, math.inf], [0.0], 0.2, non2xx=1, errors={"timeout": 1})

    both = pooled([first, second])

    assert both.scheduled == 5
    assert both.answered == 4
    assert both.errors == {"timeout": 1}
    assert both.non2xx == 1
    assert both.latency(50) == 0.03
    assert math.isinf(both.latency(99))
    assert percentile([0.3, 0.1, 0.2], 50) == 0.2
