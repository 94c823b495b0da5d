"""``stdsearch serve``'s HTTP server: waitress, hardened against slow and idle clients.

Waitress reads every request whole before handing it to a worker thread, so slow clients never
hold the threads; but out of the box it accepts only 100 connections and drops one only after
120 s without a byte. A hundred clients sending a header line now and then (slow loris) would
keep every other user out. Here:

- a request must arrive whole (request line, headers and body) within :data:`REQUEST_SECONDS`
  of its first byte, and an idle connection is closed after :data:`IDLE_SECONDS`; both are
  checked every second;
- up to :data:`CONNECTIONS` connections are served at once (``poll``, not ``select``, so past
  1,024 file descriptors).
"""

from __future__ import annotations

import time
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import MultiSocketServer, TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

#: Seconds a request may take to arrive from its first byte to its last.
REQUEST_SECONDS = 20.0
#: Seconds a connection may stay silent between requests.
IDLE_SECONDS = 30
#: Connections served at once.
CONNECTIONS = 1000


class DeadlineChannel(HTTPChannel):  # type: ignore[misc]
    """A connection that remembers when the request it is reading began."""

    request_started: float | None = None

    def received(self, data: bytes) -> bool:
        """Read request bytes; note the time a new request's first byte came."""
        if self.request is None and data:
            self.request_started = time.time()
        accepted: bool = super().received(data)
        if self.request is None:
            self.request_started = None
        return accepted


class DeadlineServer(TcpWSGIServer):  # type: ignore[misc]
    """A waitress TCP server that closes connections whose request is late."""

    channel_class = DeadlineChannel
    request_seconds = REQUEST_SECONDS

    def maintenance(self, now: float) -> None:
        """Waitress's idle check, then close every connection whose request, begun more than
        :attr:`request_seconds` ago, has not arrived whole (nothing is running for it)."""
        super().maintenance(now)
        cutoff = now - self.request_seconds
        for channel in list(self.active_channels.values()):
            started = getattr(channel, "request_started", None)
            if started is not None and started < cutoff and not channel.requests:
                channel.will_close = True


def create_server(app: Any, host: str, port: int, threads: int, **adjustments: Any) -> Any:
    """A server for ``app`` on ``host:port`` (every address the name has), not yet running."""
    options: dict[str, Any] = {
        "connection_limit": CONNECTIONS,
        "channel_timeout": IDLE_SECONDS,
        "cleanup_interval": 1,
        "asyncore_use_poll": True,
    }
    adj = Adjustments(host=host, port=port, threads=threads, **{**options, **adjustments})
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    shared: dict[int, Any] = {}
    servers = [DeadlineServer(app, shared, dispatcher=dispatcher, adj=adj, sockinfo=info) for info in adj.listen]
    if len(servers) == 1:
        return servers[0]
    listening = [(server.effective_host, server.effective_port) for server in servers]
    return MultiSocketServer(shared, adj, listening, dispatcher)


def serve(app: Any, host: str, port: int, threads: int) -> None:
    """Serve ``app`` until interrupted."""
    create_server(app, host, port, threads).run()
