"""A small TCP proxy that can cut the line between the app and its database, then restore it.

The app sees exactly what it would see if the database server went away: connections in use are
closed under it, and new connections are refused, until :meth:`DatabaseProxy.restore` listens again.

    proxy = DatabaseProxy("127.0.0.1", 5432)
    port = proxy.start()            # point the app at 127.0.0.1:port
    proxy.cut()                     # existing connections closed, new ones refused
    proxy.restore()                 # accepting again on the same port
    proxy.stop()

It runs its own asyncio loop in a daemon thread, so the caller's code stays synchronous.
"""

from __future__ import annotations

import asyncio
import socket
import threading

BUFFER_SIZE = 64 * 1024
# How long a synchronous call waits for the proxy's loop: these are local operations, so a slow
# answer means something is wrong and should fail loudly rather than hang the run.
CALL_TIMEOUT = 10.0


class DatabaseProxy:
    """Forward ``listen_host:port`` to ``target_host:target_port``; cut and restore on demand."""

    def __init__(self, target_host: str, target_port: int, listen_host: str = "127.0.0.1"):
        self.target_host = target_host
        self.target_port = target_port
        self.listen_host = listen_host
        self.port: int | None = None
        self.accepted = 0  # connections accepted since start
        self.cut_connections = 0  # connections closed by cuts
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.base_events.Server | None = None
        self._pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._tasks: set[asyncio.Task] = set()

    # Synchronous interface -------------------------------------------------------------------------

    def start(self) -> int:
        """Start forwarding on a free port; return the port."""
        ready = threading.Event()

        def run():
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="dbproxy", daemon=True)
        self._thread.start()
        if not ready.wait(CALL_TIMEOUT):
            raise RuntimeError("the proxy's event loop did not start")
        self.port = self._call(self._listen(0))
        return self.port

    def cut(self) -> int:
        """Stop listening (new connections are refused) and close every open connection.

        Returns how many connections were closed.
        """
        return self._call(self._cut())

    def restore(self) -> None:
        """Listen again on the same port."""
        self._call(self._listen(self.port))

    @property
    def is_cut(self) -> bool:
        """Whether the line is cut now."""
        return self._server is None

    def stop(self) -> None:
        """Close everything and stop the loop's thread."""
        if self._loop is None:
            return
        if self._loop.is_running():
            self._call(self._cut())
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(CALL_TIMEOUT)
        self._loop.close()
        self._loop = None

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(CALL_TIMEOUT)

    # Inside the loop -------------------------------------------------------------------------------

    async def _listen(self, port: int) -> int:
        if self._server is not None:
            return self.port
        last_error = None
        # Rebinding right after closing can briefly fail; a handful of short retries is plenty.
        for _ in range(20):
            try:
                self._server = await asyncio.start_server(
                    self._accept, self.listen_host, port, reuse_address=True, backlog=128
                )
                break
            except OSError as error:
                last_error = error
                await asyncio.sleep(0.05)
        else:
            raise RuntimeError(f"cannot listen on {self.listen_host}:{port} again: {last_error}")
        return self._server.sockets[0].getsockname()[1]

    async def _cut(self) -> int:
        if self._server is not None:
            self._server.close()
            self._server = None
        closed = len(self._pairs)
        for client, upstream in list(self._pairs):
            # abort(): no graceful flush; the peer sees its connection drop as in a real outage.
            client.transport.abort()
            upstream.transport.abort()
        self._pairs.clear()
        self.cut_connections += closed
        for task in list(self._tasks):
            task.cancel()
        return closed

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter):
        if self._server is None:  # accepted by the kernel just before a cut
            client_writer.transport.abort()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.wait_for(
                asyncio.open_connection(self.target_host, self.target_port), CALL_TIMEOUT
            )
        except (OSError, TimeoutError):
            client_writer.transport.abort()
            return
        if self._server is None:  # cut while connecting upstream
            client_writer.transport.abort()
            upstream_writer.transport.abort()
            return
        for writer in (client_writer, upstream_writer):
            sock = writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.accepted += 1
        pair = (client_writer, upstream_writer)
        self._pairs.add(pair)
        pumps = [
            asyncio.ensure_future(self._pump(client_reader, upstream_writer)),
            asyncio.ensure_future(self._pump(upstream_reader, client_writer)),
        ]
        self._tasks.update(pumps)
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pump in pumps:
                pump.cancel()
                self._tasks.discard(pump)
            self._pairs.discard(pair)
            for writer in pair:
                writer.close()

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(BUFFER_SIZE):
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
