"""A small threaded HTTP/1.1 server with keep-alive, shared by the gateway and IMDS.

Werkzeug's development server closes every connection after one response, which makes each AWS
call pay for a new TCP connection and leaves thousands of sockets in TIME_WAIT when hundreds of
workers hammer the sandbox. This server keeps connections alive (as AWS endpoints do), accepts a
deep listen backlog, and hands each request to a plain function ``handler(HttpRequest) ->
HttpResponse``, so the gateway's logic stays testable without sockets.
"""

from __future__ import annotations

import contextlib
import email.parser
import http.client
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

IDLE_TIMEOUT_S = 15.0
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "content-length",
    }
)


@dataclass
class HttpRequest:
    """One request as the handler sees it (headers keep their order and case)."""

    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes = b""

    def header(self, name: str, default: str | None = None) -> str | None:
        """The first header called ``name`` (case-insensitive)."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return default

    @property
    def query_params(self) -> dict[str, str]:
        """The query string as a dict (blank values kept: S3 subresources are bare keys)."""
        return dict(parse_qsl(self.query, keep_blank_values=True))


@dataclass
class HttpResponse:
    """What the handler answers; Content-Length is computed when sent."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str, default: str | None = None) -> str | None:
        """The first header called ``name`` (case-insensitive)."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return default

    def set_header(self, name: str, value: str) -> None:
        """Replace every header called ``name`` with one value."""
        wanted = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != wanted]
        self.headers.append((name, value))


Handler = Callable[[HttpRequest], HttpResponse]

# A header line the email parser reads as a plain ``name: value``: a name of printable ASCII
# without ":" (feedparser's headerRE), a colon, no continuation line.
_PLAIN_HEADER = re.compile(r"[\x21-\x39\x3b-\x7e]*:[^\r\n]*\r?\n")


def parse_headers(fp, _class=http.client.HTTPMessage):
    """``http.client.parse_headers`` without the email package's feed parser, for plain lines.

    The standard one hands every request's headers to ``email.parser`` (8% of the sandbox's CPU
    in a 200-trainee build, py-spy). For headers made only of plain ``name: value`` lines, as
    every SDK sends, this stores the same (name, value) pairs in the same message class the
    way the parser does (value without leading blanks and line end); any other line (folded,
    odd bytes) and the whole block goes to the email parser as before.
    """
    lines = http.client._read_headers(fp)  # type: ignore[attr-defined]  # CPython's reader
    header_lines = [line.decode("iso-8859-1") for line in lines[:-1]]
    if lines[-1] not in (b"\r\n", b"\n") or not all(
        _PLAIN_HEADER.fullmatch(line) for line in header_lines
    ):
        return email.parser.Parser(_class=_class).parsestr(b"".join(lines).decode("iso-8859-1"))
    message = _class()
    for line in header_lines:
        name, _, value = line.partition(":")
        message[name] = value.lstrip(" \t").rstrip("\r\n")
    return message


class _RequestHandler(BaseHTTPRequestHandler):
    """Keep-alive request handling; headers go through :func:`parse_headers` (installed for
    ``http.server``, which looks the function up on ``http.client`` for every request)."""

    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_S
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in two writes; without NODELAY, Nagle's algorithm and the
        # client's delayed ACK hold the body back 40 ms on a kept-alive connection.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    # ``format`` shadows a builtin: the name is BaseHTTPRequestHandler's own signature.
    def log_message(self, format: str, *args: object) -> None:
        """Silent: the trail is the sandbox's access log."""

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if not self.raw_requestline or len(self.raw_requestline) > 65536:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            self._serve()
            self.wfile.flush()
        except (TimeoutError, ConnectionError, OSError):
            self.close_connection = True

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        path, _, query = self.path.partition("?")
        request = HttpRequest(
            method=self.command,
            path=path,
            query=query,
            headers=list(self.headers.items()),
            body=self._read_body(),
        )
        response = self.server.handler(request)
        self.send_response_only(response.status)
        for key, value in response.headers:
            if key.lower() not in HOP_BY_HOP:
                self.send_header(key, value)
        length = str(len(response.body))
        if self.command == "HEAD":  # no body, but the length of the one a GET would get
            length = response.header("Content-Length", length) or length
        self.send_header("Content-Length", length)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # bursts of hundreds of connects must not overflow the backlog
    allow_reuse_address = True

    def __init__(self, handler: Handler):
        super().__init__(("127.0.0.1", 0), _RequestHandler)
        self.handler = handler
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()

    def track(self, connection: socket.socket, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        """Drop kept-alive connections so no request is served after stop."""
        with self._lock:
            connections, self._connections = list(self._connections), set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class HttpServer:
    """A loopback server on an OS-chosen port, serving ``handler`` on a background thread."""

    def __init__(self, handler: Handler, name: str):
        http.client.parse_headers = parse_headers  # the same message for plain header lines
        self._server = _Server(handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=name,
            daemon=True,
        )
        self._stopped = False

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> HttpServer:
        """Start serving; returns self."""
        self._thread.start()
        return self

    @property
    def refusing(self) -> bool:
        """True while :meth:`refuse` holds the port closed."""
        return not self._thread.is_alive() and not self._stopped

    def refuse(self) -> None:
        """Refuse connections, as an unreachable endpoint does: stop accepting, drop the kept-alive
        connections, close the listening socket (a connect gets ECONNREFUSED). The port is kept
        for :meth:`accept` (idempotent)."""
        if self._stopped or self.refusing:
            return
        self._server.shutdown()
        self._thread.join()
        self._server.close_connections()
        self._server.socket.close()

    def accept(self) -> None:
        """Listen again on the same address after :meth:`refuse` (idempotent)."""
        if self._stopped or not self.refusing:
            return
        server = self._server
        server.socket = socket.socket(server.address_family, server.socket_type)
        server.server_bind()  # the same (host, port): allow_reuse_address lets it rebind
        server.server_activate()
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=self._thread.name,
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting, close live connections, release the port (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.close_connections()
        self._server.server_close()
