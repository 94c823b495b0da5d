"""A tiny local web site for crawl tests, served on 127.0.0.1 from the real saved pages.

Pages are read in place from ../shared/data (html-gov/ and html/) — nothing is copied into
the repository. Around them the site has what a crawler meets in the wild: a robots.txt
that forbids /private/, a redirect, a 404, a 500 that succeeds on retry, a slow response, a
GB18030 page that declares gb2312, a page that changes between crawls (with ETag and
Last-Modified), an oversized response (with and without Content-Length), duplicate content
at two URLs, and links to private addresses. Tests add replies of their own to ``site.extra``
(path → :class:`Reply`), among them malformed responses and responses that trickle one byte at
a time. ``site.requests`` logs every request path.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HTML = "text/html; charset=utf-8"
ROBOTS = b"User-agent: *\nDisallow: /private/\n"
#: Saved pages served as they are: path on the site → (folder, file) under shared data.
SAVED = {
    "/gov/npc.html": ("html-gov", "gne_govcn_npc-decision.html"),
    "/copy/npc.html": ("html-gov", "gne_govcn_npc-decision.html"),
    "/gov/kepu.html": ("html-gov", "magichtml_kepu-gov.html"),
    "/gov/people.html": ("html-gov", "gne_people_declared-gb2312-actually-utf8.html"),
    "/law/food-safety.jsp": ("html", "wkcaeser-video-study-lawPages/lawPage1.jsp"),
    "/private/secret.html": ("html", "wkcaeser-video-study-lawPages/lawPage2.jsp"),
}
#: The two versions of /changing.html and what /flaky.html serves once it recovers.
CHANGING = (
    "wkcaeser-video-study-lawPages/lawPage5.jsp",
    "wkcaeser-video-study-lawPages/lawPage6.jsp",
)
FLAKY = "wkcaeser-video-study-lawPages/lawPage4.jsp"
GB_PAGE_TITLE = "中共厦门市委、厦门市人民政府印发厦门市贯彻落实〈质量强国建设纲要〉实施意见"


@dataclass
class Reply:
    """One response: status, headers, body, and how to misbehave."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    stream: bool = False
    #: Sent verbatim instead of a response built from the fields above (malformed responses).
    raw: bytes = b""
    #: Seconds between single bytes: the whole response trickles (status line and headers
    #: included), or only its body with ``trickle_body``; stops when the client hangs up.
    trickle: float = 0.0
    trickle_body: bool = False


class Site:
    """The test web site; ``with Site(data) as site: site.url("/")``."""

    def __init__(self, shared_data: Path, seed_text: str = "") -> None:
        self.data = shared_data
        self.seed_text = seed_text
        self.version = 0
        self.gone = False
        self.requests: list[str] = []
        self.extra: dict[str, Reply] = {}
        self._flaky_calls = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> Site:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def root(self) -> str:
        """http://127.0.0.1:PORT"""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        """The absolute URL of a path on this site."""
        return self.root + path

    def hits(self, path: str) -> int:
        """How many times a path was requested."""
        return self.requests.count(path)

    def reply(self, path: str, headers: dict[str, str]) -> Reply:
        """The response for a request (``headers`` lower-cased)."""
        with self._lock:
            self.requests.append(path)
        if path in self.extra:
            return self.extra[path]
        if path in SAVED:
            declared = "text/html; charset=gb2312" if "people" in path else HTML
            return Reply(body=self.saved(*SAVED[path]), headers={"Content-Type": declared})
        route = ROUTES.get(path)
        return route(self, headers) if route else Reply(404, b"not found")

    def saved(self, folder: str, name: str) -> bytes:
        """The bytes of a saved page, read in place."""
        return (self.data / folder / name).read_bytes()


def _index(site: Site, headers: dict[str, str]) -> Reply:
    links = [
        *SAVED,
        "/old/npc.html",
        "/missing.html",
        "/flaky.html",
        "/slow.html",
        "/gb/xm-policy.html",
        "/changing.html",
        "/gone.html",
        "/big.html",
        "/big-stream.html",
        "http://10.0.0.1/x",
        "http://192.168.1.1/",
        "http://intranet.test/policy.html",
        "/redirect-private.html",
        "/style.css",
        "mailto:someone@example.org",
        "https://www.gov.cn/offsite.html",
    ]
    items = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    body = (
        f"<!doctype html><html><head><title>索引</title></head><body><ul>{items}</ul></body></html>"
    )
    return Reply(body=body.encode(), headers={"Content-Type": HTML})


def _flaky(site: Site, headers: dict[str, str]) -> Reply:
    site._flaky_calls += 1
    if site._flaky_calls == 1:
        return Reply(500, b"temporary failure")
    return Reply(body=site.saved("html", FLAKY), headers={"Content-Type": HTML})


def _slow(site: Site, headers: dict[str, str]) -> Reply:
    return Reply(
        body=b"<html><body>too late</body></html>", headers={"Content-Type": HTML}, delay=0.6
    )


def _gb_policy(site: Site, headers: dict[str, str]) -> Reply:
    """The seed policy as an xm.gov.cn-style page, encoded GB18030, declaring gb2312."""
    lines = [line.strip() for line in site.seed_text.splitlines() if line.strip()][2:]
    body = "".join(f"<p>{line}</p>" for line in lines)
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        f'<meta name="ArticleTitle" content="{GB_PAGE_TITLE}">'
        '<meta name="PubDate" content="2023-05-06 10:00">'
        '<meta name="ContentSource" content="厦门市人民政府办公厅">'
        f"<title>{GB_PAGE_TITLE}_厦门市人民政府</title></head><body>"
        '<div class="search">搜索关键字</div>'
        f'<div id="zoom"><h1>{GB_PAGE_TITLE}</h1><p>厦委发〔2023〕5号</p>'
        "<p>镕钅（本行含 GB2312 之外的字）</p>"
        f"{body}<p>自2023年6月1日起施行。</p></div></body></html>"
    )
    return Reply(body=page.encode("gb18030"), headers={"Content-Type": "text/html; charset=gb2312"})


def _changing(site: Site, headers: dict[str, str]) -> Reply:
    body = site.saved("html", CHANGING[site.version % 2])
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
    if headers.get("if-none-match") == etag:
        return Reply(304, headers={"ETag": etag})
    return Reply(body=body, headers={"Content-Type": HTML, "ETag": etag})


def _gone(site: Site, headers: dict[str, str]) -> Reply:
    if site.gone:
        return Reply(404, b"gone")
    return Reply(
        body=site.saved("html", "wkcaeser-video-study-lawPages/lawPage7.jsp"),
        headers={"Content-Type": HTML},
    )


def _big(site: Site, headers: dict[str, str]) -> Reply:
    return Reply(body=b"<p>" + b"x" * 3_000_000 + b"</p>", headers={"Content-Type": HTML})


def _big_stream(site: Site, headers: dict[str, str]) -> Reply:
    return Reply(
        body=b"<p>" + b"y" * 3_000_000 + b"</p>", headers={"Content-Type": HTML}, stream=True
    )


def _redirect(target: str) -> Callable[[Site, dict[str, str]], Reply]:
    return lambda site, headers: Reply(301, headers={"Location": target})


ROUTES: dict[str, Callable[[Site, dict[str, str]], Reply]] = {
    "/": _index,
    "/robots.txt": lambda site, headers: Reply(body=ROBOTS, headers={"Content-Type": "text/plain"}),
    "/old/npc.html": _redirect("/gov/npc.html"),
    "/redirect-private.html": _redirect("http://10.0.0.1/internal.html"),
    "/flaky.html": _flaky,
    "/slow.html": _slow,
    "/gb/xm-policy.html": _gb_policy,
    "/changing.html": _changing,
    "/gone.html": _gone,
    "/big.html": _big,
    "/big-stream.html": _big_stream,
}


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to ``site``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply = site.reply(self.path, headers)
            if reply.delay:
                time.sleep(reply.delay)
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._send(reply)

        def _send(self, reply: Reply) -> None:
            if reply.raw or reply.trickle:
                self._send_raw(reply)
                return
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.stream:
                self.send_header("Connection", "close")
                self.end_headers()
                for start in range(0, len(reply.body), 65536):
                    self.wfile.write(reply.body[start : start + 65536])
                return
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        def _send_raw(self, reply: Reply) -> None:
            """Write the reply's bytes verbatim, or one byte at a time when it trickles."""
            self.close_connection = True
            head = f"HTTP/1.1 {reply.status} X\r\n".encode() + b"".join(
                f"{name}: {value}\r\n".encode() for name, value in reply.headers.items()
            )
            data = reply.raw or head + b"Connection: close\r\n\r\n" + reply.body
            start = len(data) - len(reply.body) if reply.trickle_body else 0
            self.wfile.write(data[:start])
            self.wfile.flush()
            for offset in range(start, len(data)):
                time.sleep(reply.trickle)
                self.wfile.write(data[offset : offset + 1])
                self.wfile.flush()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

    return Handler
