"""Open-loop load at a fixed request rate, latency counted from each request's intended start.

wrk is a closed loop: each connection sends its next request only when the previous answer has arrived, so
while the server stalls, the load generator stalls with it and the requests that would have been sent meanwhile
are never sent, never timed (coordinated omission). Its percentiles describe the server at saturation, not what
a visitor sees at a given traffic. Here request ``i`` is due at ``start + i / rate`` whatever happened before,
and its latency is measured from that intended start to the last byte of the answer: a request that waited
behind a slow one (all connections busy, or the server's queue) counts its wait. The idea is wrk2's (Gil Tene's
correction of wrk); this is our own small implementation, since wrk2 is not packaged by Debian.

Up to ``connections`` requests are in flight at once. Each connection takes the next due request when it is
free, sleeps until its intended start if that is still ahead, then sends it: HTTP/1.1, kept alive while the
server allows it (gunicorn's sync workers close every connection; the next request opens a new one, and the
connect is part of its latency, as it is for a browser). Connections open when a request needs one, never
ahead, so an idle open connection cannot hold a sync worker. Requests that fail, time out or are still unsent
when the run ends count as errors and as infinitely slow in the percentiles: p99 cannot look better because
1% of requests never came back.

The generator's own share is measured in every run: ``lag`` is how late a request left after it was due and
its connection was free (the event loop busy, or this process waiting for a CPU), and the CPU time per request
tells how far from its own limit it ran. The loop waits on select(2), whose timeouts are in microseconds
(epoll's are whole milliseconds: up to 1 ms late per request), whenever the run's sockets fit it. ``python -m bench.paced URL --rate 200 --seconds 5`` runs it from the command line
(``--rates 200,400,800`` for a ladder).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import math
import selectors
import socket
import sys
import time
import urllib.parse
from dataclasses import dataclass, field

from bench import Table, ms

DEFAULT_CONNECTIONS = 32
DEFAULT_TIMEOUT = 10.0
clock = time.perf_counter  # CLOCK_MONOTONIC, as the event loop's timers
SELECT_LIMIT = 1024  # select(2) handles file descriptors below FD_SETSIZE only


class ProtocolError(Exception):
    """The server's answer is not HTTP/1.x the generator understands."""


@dataclass(frozen=True)
class Request:
    """What every paced request sends: a GET, or a method with a body (not HEAD: its answer has none)."""

    path: str = "/"
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def encode(self, host: str) -> bytes:
        """The request's bytes on the wire."""
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        if self.body or self.method != "GET":
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile (``inf`` when it falls on a request that never answered)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


@dataclass
class PacedResult:
    """One paced run (or several pooled): a latency per scheduled request, ``inf`` for every failure."""

    target_rate: float
    latencies: list[float]
    lags: list[float]  # per request sent: seconds late after it was due and its connection was free
    elapsed: float  # from the first intended start to the last answer
    non2xx: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # reason -> count (connect, timeout, unsent, ...)
    opened: int = 0  # connections opened
    cpu_seconds: float = 0.0  # the generator's own CPU (this process)

    @property
    def scheduled(self) -> int:
        return len(self.latencies)

    @property
    def answered(self) -> int:
        return sum(1 for latency in self.latencies if latency != math.inf)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def achieved_rate(self) -> float:
        """Answers per second over the run."""
        return self.answered / self.elapsed if self.elapsed > 0 else 0.0

    def latency(self, q: float) -> float:
        """The ``q``-th percentile of latency from intended start, in seconds."""
        return percentile(self.latencies, q)

    @property
    def max(self) -> float:
        return max(self.latencies, default=math.nan)

    def lag(self, q: float) -> float:
        """The ``q``-th percentile of the generator's own lateness, in seconds."""
        return percentile(self.lags, q)

    @property
    def cpu_per_request(self) -> float:
        """The generator's CPU seconds per request sent."""
        return self.cpu_seconds / len(self.lags) if self.lags else math.nan


def pooled(results: list[PacedResult]) -> PacedResult:
    """Several runs at one rate as one: every request's latency in one distribution, counts added."""
    errors: dict[str, int] = {}
    for result in results:
        for reason, count in result.errors.items():
            errors[reason] = errors.get(reason, 0) + count
    return PacedResult(
        results[0].target_rate,
        [latency for result in results for latency in result.latencies],
        [lag for result in results for lag in result.lags],
        sum(result.elapsed for result in results),
        sum(result.non2xx for result in results),
        errors,
        sum(result.opened for result in results),
        sum(result.cpu_seconds for result in results),
    )


class _Connection:
    """One HTTP/1.1 connection, opened when a request needs it and reopened after the server closes it."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.opened = 0

    async def exchange(self, payload: bytes) -> int:
        """Send one request and read its whole answer; the status code."""
        reused = self.writer is not None
        if not reused:
            await self._open()
        try:
            return await self._exchange(payload)
        except asyncio.IncompleteReadError as error:
            # A kept-alive connection the server closed while idle: retry once on a new one, as browsers do.
            await self.close()
            if not reused or error.partial:
                raise
            await self._open()
            return await self._exchange(payload)

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.opened += 1

    async def _exchange(self, payload: bytes) -> int:
        self.writer.write(payload)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        version, _, rest = status_line.partition(" ")
        if not version.startswith("HTTP/1.") or not rest[:3].isdigit():
            raise ProtocolError(status_line[:80])
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            if name:
                headers[name.strip().lower()] = value.strip().lower()
        status = int(rest[:3])
        if status in (204, 304):
            pass  # no body, whatever the headers say
        elif "chunked" in headers.get("transfer-encoding", ""):
            await self._read_chunks()
        elif "content-length" in headers:
            await self.reader.readexactly(int(headers["content-length"]))
        else:
            await self.reader.read()  # the body runs to the end of the connection
            headers["connection"] = "close"
        keep = headers.get("connection", "keep-alive" if version == "HTTP/1.1" else "close")
        if "close" in keep:
            await self.close()
        return status

    async def _read_chunks(self) -> None:
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                while await self.reader.readuntil(b"\r\n") != b"\r\n":  # trailers, if any
                    pass
                return
            await self.reader.readexactly(size + 2)

    async def close(self) -> None:
        """Close the connection (if open)."""
        writer, self.reader, self.writer = self.writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


class _Run:
    """The schedule and what each scheduled request met."""

    def __init__(self, rate: float, seconds: float, timeout: float, grace: float):
        self.interval = 1.0 / rate
        self.total = max(1, round(rate * seconds))
        self.timeout = timeout
        self.start = clock() + 0.01  # let every connection task reach its first sleep
        self.deadline = self.start + self.total * self.interval + grace
        self.next = 0
        self.latencies = [math.inf] * self.total
        self.lags: list[float] = []
        self.last_answer = self.start
        self.non2xx = 0
        self.errors: dict[str, int] = {}

    def take(self) -> int | None:
        """The next request due, or ``None`` when all are taken or the run is over."""
        if self.next >= self.total or clock() >= self.deadline:
            return None
        self.next += 1
        return self.next - 1

    def fail(self, reason: str) -> None:
        self.errors[reason] = self.errors.get(reason, 0) + 1


async def _connection_loop(run: _Run, connection: _Connection, payload: bytes) -> None:
    free_since = clock()
    try:
        while (index := run.take()) is not None:
            intended = run.start + index * run.interval
            wait = intended - clock()
            if wait > 0:
                await asyncio.sleep(wait)
            sent = clock()
            run.lags.append(sent - max(intended, free_since))
            try:
                async with asyncio.timeout(min(run.timeout, max(0.0, run.deadline - sent))):
                    status = await connection.exchange(payload)
            except TimeoutError:
                run.fail("timeout")
                await connection.close()
            except ConnectionRefusedError:
                run.fail("connect")
                await connection.close()
            except (
                OSError,
                asyncio.IncompleteReadError,
                asyncio.LimitOverrunError,
                ProtocolError,
                ValueError,
            ):
                run.fail("read")
                await connection.close()
            else:
                done = clock()
                run.latencies[index] = done - intended
                run.last_answer = max(run.last_answer, done)
                if not 200 <= status < 300:
                    run.non2xx += 1
            free_since = clock()
    finally:
        await connection.close()


async def _pace(
    url: str, request: Request, rate: float, seconds: float, connections: int, timeout: float, grace: float
) -> tuple[_Run, int]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http":
        raise ValueError(f"only http:// URLs are paced, not {url}")
    host, port = parts.hostname, parts.port or 80
    payload = request.encode(parts.netloc)
    run = _Run(rate, seconds, timeout, grace)
    links = [_Connection(host, port) for _ in range(connections)]
    await asyncio.gather(*(_connection_loop(run, link, payload) for link in links))
    unsent = run.total - run.next
    if unsent:
        run.errors["unsent"] = unsent
    return run, sum(link.opened for link in links)


def _loop_factory(connections: int):
    """An event loop on select(2) when every socket of the run will fit it, else the default (epoll).

    select waits for a timeout given in microseconds; epoll rounds it up to whole milliseconds, which sends
    each request up to 1 ms after it was due and adds that to its latency. New descriptors take the lowest free
    numbers, so when the next free one plus the run's sockets stays below the limit, all of them will.
    """
    with socket.socket() as probe:
        fits = probe.fileno() + 2 * connections + 8 < SELECT_LIMIT
    if not fits:
        return None
    return lambda: asyncio.SelectorEventLoop(selectors.SelectSelector())


def pace(
    url: str,
    request: Request,
    rate: float,
    seconds: float,
    connections: int = DEFAULT_CONNECTIONS,
    timeout: float = DEFAULT_TIMEOUT,
    grace: float | None = None,
) -> PacedResult:
    """Send ``request`` to ``url`` (``http://host:port``) at ``rate`` per second for ``seconds``.

    Requests still unanswered ``grace`` seconds after the last one was due (default: ``timeout``) count as
    errors. Runs its own event loop, with the garbage collector paused so that a collection of this process's
    heap cannot pass for server latency.
    """
    if rate <= 0 or seconds <= 0:
        raise ValueError("rate and seconds must be positive")
    gc_was_enabled = gc.isenabled()
    gc.disable()
    cpu = time.process_time()
    try:
        with asyncio.Runner(loop_factory=_loop_factory(connections)) as runner:
            run, opened = runner.run(
                _pace(url, request, rate, seconds, connections, timeout, timeout if grace is None else grace)
            )
    finally:
        cpu = time.process_time() - cpu
        if gc_was_enabled:
            gc.enable()
    return PacedResult(
        rate,
        run.latencies,
        run.lags,
        max(run.last_answer - run.start, 1e-9),
        run.non2xx,
        run.errors,
        opened,
        cpu,
    )


# Command line --------------------------------------------------------------------------------------


def latency_ms(seconds: float) -> str:
    """Milliseconds as :func:`bench.ms` prints them; ``no answer`` for a request that never answered."""
    return "no answer" if math.isinf(seconds) else ms(seconds)


# The columns every table of paced runs shows, and their cells for one run.
RESULT_COLUMNS = ("achieved req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "non-2xx")


def result_cells(found: PacedResult) -> list:
    return [
        f"{found.achieved_rate:.0f}",
        latency_ms(found.latency(50)),
        latency_ms(found.latency(90)),
        latency_ms(found.latency(99)),
        latency_ms(found.max),
        found.error_count,
        found.non2xx,
    ]


def main(argv=None) -> int:
    """``python -m bench.paced URL --rate R``: one paced run (or a ladder of rates), printed as a table."""
    parser = argparse.ArgumentParser(prog="python -m bench.paced", description=main.__doc__)
    parser.add_argument("url", help="http://host:port/path")
    rates = parser.add_mutually_exclusive_group(required=True)
    rates.add_argument("--rate", type=float, help="requests per second")
    rates.add_argument("--rates", help="comma-separated rates, run one after the other")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", "-c", type=int, default=DEFAULT_CONNECTIONS)
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--data", default="", help="request body")
    parser.add_argument("--header", "-H", action="append", default=[], help="'Name: value'")
    args = parser.parse_args(argv)
    parts = urllib.parse.urlsplit(args.url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = tuple(tuple(part.strip() for part in header.split(":", 1)) for header in args.header)
    request = Request(path, args.method.upper(), headers, args.data.encode())
    base = f"{parts.scheme}://{parts.netloc}"
    table = Table(
        f"{args.url}: open loop, {args.connections} connections at most, {args.seconds:g} s per rate; "
        "latency from each request's intended start",
        [
            "target req/s",
            *RESULT_COLUMNS,
            "lag p50 ms",
            "lag p99 ms",
            "CPU µs/request",
        ],
    )
    for rate in [args.rate] if args.rate else [float(value) for value in args.rates.split(",")]:
        found = pace(base, request, rate, args.seconds, args.connections, args.timeout)
        table.add(
            f"{rate:g}",
            *result_cells(found),
            latency_ms(found.lag(50)),
            latency_ms(found.lag(99)),
            f"{found.cpu_per_request * 1e6:.0f}",
        )
    table.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
