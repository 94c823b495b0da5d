"""The one network seam: fetch a URL's bytes with provenance, never parse them.

:class:`Fetcher` wraps a ``requests.Session`` (tests may pass their own) and adds what a
polite, safe crawler needs: a User-Agent naming the project, connect/read timeouts and a total
deadline, retries with exponential backoff on timeouts, connection errors and 5xx (never on
4xx), conditional GET (ETag / Last-Modified → 304), a response size cap enforced while
streaming, and redirects followed by hand so that every hop passes the caller's policy check
before anything is sent to it. Bodies stream into the raw store; a :class:`Fetched` record
says what happened.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

import requests
import urllib3
from requests.adapters import HTTPAdapter

from stdsearch.crawl.rawstore import RawBody, RawStore
from stdsearch.errors import FetchError

PROJECT_URL = "https://github.com/stdsearch/stdsearch"
USER_AGENT = f"stdsearch/0.1 (+{PROJECT_URL})"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

#: Raises Refused (a FetchError) when a URL may not be fetched; called for every hop.
Check = Callable[[str], None]
#: Raises Refused when the address a connection reached is not allowed.
PeerCheck = Callable[[str], None]

#: The peer check of the fetch running in this thread (None: no check).
_PEER_CHECK: ContextVar[PeerCheck | None] = ContextVar("stdsearch_peer_check", default=None)


class _PeerChecked:
    """Connection mixin: check the connected address before a byte of the request is sent,
    so a host name that resolves differently the second time (DNS rebinding) is caught."""

    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        check = _PEER_CHECK.get()
        if check is not None:
            try:
                check(str(sock.getpeername()[0]))
            except BaseException:
                sock.close()
                raise
        return sock


class _HTTPConnection(_PeerChecked, urllib3.connection.HTTPConnection):
    """Plain HTTP connection with the peer check."""


class _HTTPSConnection(_PeerChecked, urllib3.connection.HTTPSConnection):
    """HTTPS connection with the peer check."""


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class PeerCheckedAdapter(HTTPAdapter):
    """A requests adapter whose connections run the current fetch's peer check."""

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


class Oversized(FetchError):
    """The response is larger than the size cap (it was not kept)."""


class _Transient(Exception):
    """An attempt failed in a way worth retrying (timeout, connection error)."""


@dataclass(frozen=True)
class FetchSettings:
    """Network limits; the defaults suit a nightly crawl of government sites."""

    user_agent: str = USER_AGENT
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 120.0
    max_bytes: int = 20 * 1024 * 1024
    retries: int = 2
    backoff: float = 1.0
    max_redirects: int = 5


@dataclass
class Fetched:
    """What one fetch produced: status, headers and (for 2xx) the stored body's address."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    fetched_at: str
    sha256: str = ""
    body_path: str = ""
    size: int = 0
    redirects: list[str] = field(default_factory=list)
    attempts: int = 1

    @property
    def ok(self) -> bool:
        """True for a 2xx response whose body was stored."""
        return 200 <= self.status < 300 and bool(self.sha256)

    @property
    def not_modified(self) -> bool:
        """True for 304 Not Modified (the conditional GET matched)."""
        return self.status == 304

    @property
    def media_type(self) -> str:
        """The Content-Type without parameters, lower-case ('' when absent)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str:
        """The charset parameter of the Content-Type ('' when absent)."""
        for param in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset":
                return value.strip().strip("\"'").lower()
        return ""

    @property
    def etag(self) -> str:
        """The response's ETag ('' when absent)."""
        return self.headers.get("etag", "")

    @property
    def last_modified(self) -> str:
        """The response's Last-Modified ('' when absent)."""
        return self.headers.get("last-modified", "")


def utc_now() -> str:
    """The current time as an ISO 8601 UTC string (seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class Fetcher:
    """Fetches URLs into a raw store, with retries, redirects checked hop by hop, and a size cap."""

    def __init__(
        self,
        raw: RawStore,
        settings: FetchSettings | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.raw = raw
        self.settings = settings or FetchSettings()
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = self.settings.user_agent
        self.session.mount("http://", PeerCheckedAdapter())
        self.session.mount("https://", PeerCheckedAdapter())

    def fetch(
        self,
        url: str,
        check: Check,
        etag: str = "",
        last_modified: str = "",
        peer_check: PeerCheck | None = None,
    ) -> Fetched:
        """Fetch ``url`` (retrying transient failures); raise FetchError when it cannot.

        ``check`` runs on the URL and every redirect hop before it is requested;
        ``peer_check`` on the address each new connection reached, before the request is sent.
        """
        token = _PEER_CHECK.set(peer_check)
        try:
            return self._fetch(url, check, etag, last_modified)
        finally:
            _PEER_CHECK.reset(token)

    def _fetch(self, url: str, check: Check, etag: str, last_modified: str) -> Fetched:
        """The retry loop of :meth:`fetch`."""
        headers = {"If-None-Match": etag} if etag else {}
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempts = self.settings.retries + 1
        last_error = ""
        for attempt in range(attempts):
            if attempt:
                time.sleep(self.settings.backoff * 2 ** (attempt - 1))
            try:
                fetched = self._attempt(url, check, headers)
            except _Transient as exc:
                last_error = str(exc)
                continue
            fetched.attempts = attempt + 1
            if fetched.status < 500 or attempt == attempts - 1:
                return fetched
            last_error = f"HTTP {fetched.status}"
        raise FetchError(f"{last_error} (after {attempts} attempts)")

    def fetch_text(
        self, url: str, check: Check, peer_check: PeerCheck | None = None, limit: int = 512 * 1024
    ) -> tuple[int, str]:
        """GET a small text resource (robots.txt) without storing it: ``(status, text)``."""
        token = _PEER_CHECK.set(peer_check)
        try:
            return self._fetch_text(url, check, limit)
        finally:
            _PEER_CHECK.reset(token)

    def _fetch_text(self, url: str, check: Check, limit: int) -> tuple[int, str]:
        """The body of :meth:`fetch_text`."""
        try:
            _, _, response = self._open(url, check, {})
            with response:
                body = response.raw.read(limit + 1, decode_content=True) or b""
        except _Transient as exc:
            raise FetchError(f"{url}: {exc}") from exc
        except requests.RequestException as exc:
            raise FetchError(f"{url}: {exc}") from exc
        if len(body) > limit:
            raise Oversized(f"{url}: larger than {limit} bytes")
        return response.status_code, body.decode("utf-8", errors="replace")

    def _attempt(self, url: str, check: Check, headers: dict[str, str]) -> Fetched:
        """One attempt: follow redirects hop by hop, then store a 2xx body."""
        final, hops, response = self._open(url, check, headers)
        return self._finish(url, final, hops, response)

    def _open(
        self, url: str, check: Check, headers: dict[str, str]
    ) -> tuple[str, list[str], requests.Response]:
        """GET ``url``, following redirects by hand: every hop is checked before it is sent."""
        check(url)
        current, hops = url, []
        for _ in range(self.settings.max_redirects + 1):
            response = self._request(current, headers)
            location = response.headers.get("Location", "")
            if response.status_code not in REDIRECT_STATUSES or not location:
                return current, hops, response
            response.close()
            hops.append(current)
            current = urljoin(current, location)
            check(current)
        raise FetchError(f"more than {self.settings.max_redirects} redirects from {url}")

    def _request(self, url: str, headers: dict[str, str]) -> requests.Response:
        """Send one GET without following redirects; timeouts become _Transient."""
        try:
            return self._get(url, headers)
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise _Transient(_describe(exc)) from exc
        except requests.RequestException as exc:
            raise FetchError(f"{url}: {exc}") from exc

    def _get(self, url: str, headers: dict[str, str]) -> requests.Response:
        """The only line that touches the network."""
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        return self.session.get(
            url, headers=headers, timeout=timeout, stream=True, allow_redirects=False
        )

    def _finish(
        self, url: str, final: str, hops: list[str], response: requests.Response
    ) -> Fetched:
        """Build the Fetched record; store the body of a 2xx response."""
        with response:
            fetched = Fetched(
                url=url,
                final_url=final,
                status=response.status_code,
                headers={k.lower(): v for k, v in response.headers.items()},
                fetched_at=utc_now(),
                redirects=hops,
            )
            if 200 <= response.status_code < 300:
                body = self._download(response)
                fetched.sha256, fetched.body_path, fetched.size = (
                    body.sha256,
                    str(body.path),
                    body.size,
                )
        return fetched

    def _download(self, response: requests.Response) -> RawBody:
        """Stream the body into the raw store, aborting past the size cap or the deadline."""
        cap = self.settings.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise Oversized(f"response of {declared} bytes exceeds the {cap}-byte limit")
        deadline = time.monotonic() + self.settings.total_timeout
        writer = self.raw.writer()
        try:
            for chunk in response.iter_content(chunk_size=64 * 1024):
                writer.write(chunk)
                if writer.size > cap:
                    raise Oversized(f"response exceeds the {cap}-byte limit")
                if time.monotonic() > deadline:
                    raise FetchError(f"download took longer than {self.settings.total_timeout}s")
        except (requests.Timeout, requests.ConnectionError) as exc:
            writer.discard()
            raise _Transient(_describe(exc)) from exc
        except BaseException:
            writer.discard()
            raise
        return writer.commit()


def _describe(exc: requests.RequestException) -> str:
    """A short reason for a transient failure ('timeout' or 'connection error: …')."""
    text = str(exc)
    if isinstance(exc, requests.Timeout) or "timed out" in text.lower():
        return "timeout"
    return f"connection error: {text[:200]}"
