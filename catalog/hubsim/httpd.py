"""The fake Hub's HTTP transport: a keep-alive, thread-per-connection server from the standard library."""

from __future__ import annotations

import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Handler(BaseHTTPRequestHandler):
    """Passes each GET and HEAD to the fake Hub that owns the server; keeps its own log quiet."""

    protocol_version = "HTTP/1.1"  # keep-alive, as huggingface_hub's pooled session expects
    server_version = "catalog-hubserver"
    timeout = 60  # an idle keep-alive connection must not pin a thread forever

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle's algorithm holds the body
        # back until the client's delayed ACK (~40 ms on Linux) on every small keep-alive answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self.server.hub._serve(self)  # type: ignore[attr-defined]

    def do_HEAD(self) -> None:
        self.server.hub._serve(self)  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        pass  # requests are kept in HubServer.requests instead of spamming stderr


class ThreadedServer(ThreadingHTTPServer):
    """A threading HTTP server handing every request to ``hub._serve``; it can cut idle keep-alive connections."""

    def __init__(self, address: tuple[str, int], hub: Any) -> None:
        self.hub = hub
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, Handler)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.open_connections.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.connections_lock:
                self.open_connections.discard(request)

    def close_open_connections(self) -> None:
        """Wake every handler blocked on an idle keep-alive connection so that it ends."""
        with self.connections_lock:
            connections = list(self.open_connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return  # the client went away (or stop() cut it off): nothing to report
        super().handle_error(request, client_address)
