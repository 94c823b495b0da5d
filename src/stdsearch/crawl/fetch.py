"""The one network seam: fetch a URL's bytes with provenance, never parse them.

:class:`Fetcher` wraps a ``requests.Session`` (tests may pass their own) and adds what a
polite, safe crawler needs: a User-Agent naming the project, retries with exponential backoff
on timeouts, connection errors and 5xx (never on 4xx), conditional GET (ETag / Last-Modified →
304), a response size cap enforced while streaming, and redirects followed by hand so that
every hop passes the caller's policy check before anything is sent to it. Bodies stream into
the raw store; a :class:`Fetched` record says what happened.

Deadlines hold whatever the server does: connecting is bounded by ``connect_timeout``, each
wait for bytes by ``read_timeout``, the whole header block by ``headers_timeout`` and each
attempt (its redirect hops, headers and body) by ``total_timeout``. The last two are enforced
by a :class:`Deadline` whose timer shuts the attempt's sockets down, so a server trickling one
byte at a time cannot hold a fetch past them; an expired deadline is a failure, not retried.
A response whose header block does not parse is a failure too, never an empty page.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.exceptions import HeaderParsingError, NewConnectionError
from urllib3.util.response import assert_header_parsing

from stdsearch.crawl.policy import resolve_within
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


class DeadlineExceeded(FetchError):
    """A response did not arrive (headers, or headers and body) within its deadline."""


class Deadline:
    """The deadlines of one fetch attempt, enforced on its sockets from a timer thread.

    Sockets the attempt reads from are registered with :meth:`guard`; when the armed deadline
    passes, the timer shuts them down, which wakes any read blocked on them. :meth:`arm` sets
    the next deadline (never later than the attempt's total); :meth:`check` raises
    :class:`DeadlineExceeded` once one has passed.
    """

    def __init__(self, total: float) -> None:
        self.total = total
        self.expires = time.monotonic() + total
        self.expired = ""
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def arm(self, seconds: float, reason: str) -> None:
        """Expire ``seconds`` from now with ``reason`` (or at the total deadline, if sooner)."""
        self.cancel()
        remaining = self.expires - time.monotonic()
        if remaining <= seconds:
            seconds, reason = remaining, f"no complete response within {self.total:g}s"
        self._timer = threading.Timer(max(seconds, 0.0), self._expire, (reason,))
        self._timer.daemon = True
        self._timer.start()

    def guard(self, sock: socket.socket) -> None:
        """Shut ``sock`` down when the deadline passes (at once if it already has)."""
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shutdown(sock)

    def check(self) -> None:
        """Raise DeadlineExceeded when a deadline has passed."""
        if self.expired:
            raise DeadlineExceeded(self.expired)

    def cancel(self) -> None:
        """Stop the timer (the attempt is over, or a new deadline replaces it)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expire(self, reason: str) -> None:
        """The timer's action: record why, and shut every guarded socket down."""
        with self._lock:
            self.expired = reason
            for sock in self._sockets:
                _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    """Shut a socket down for reading and writing (waking blocked reads); ignore a closed one."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


#: The deadline of the fetch attempt running in this thread (None: none).
_DEADLINE: ContextVar[Deadline | None] = ContextVar("stdsearch_deadline", default=None)


class _PeerChecked:
    """Connection mixin: resolve the host name under the connect deadline; check the connected
    address before a byte of the request is sent, so a host name that resolves differently the
    second time (DNS rebinding) is caught; and put the socket under the current attempt's
    deadline before its response is read."""

    _dns_host: str
    port: int
    timeout: object

    def _new_conn(self) -> socket.socket:
        sock = self._connect_resolved()
        check = _PEER_CHECK.get()
        if check is not None:
            try:
                check(str(sock.getpeername()[0]))
            except BaseException:
                sock.close()
                raise
        return sock

    def _connect_resolved(self) -> socket.socket:
        """Connect to the host's addresses in turn (urllib3 connects to each literal address
        without a lookup of its own); a resolver that does not answer within the connect
        timeout — or what is left of the attempt's total — is a FetchError."""
        name = self._dns_host
        addresses = resolve_within(name, self.port, _lookup_seconds(self.timeout))
        for number, address in enumerate(addresses, 1):
            self._dns_host = address
            try:
                return super()._new_conn()  # type: ignore[misc, no-any-return]
            except NewConnectionError:  # refused or unreachable (a timeout is not retried)
                if number == len(addresses):
                    raise
            finally:
                self._dns_host = name
        raise FetchError(f"cannot resolve {name}: no address")

    def getresponse(self) -> urllib3.response.HTTPResponse:
        """Read the response with the connection's socket (new or reused) under the deadline."""
        deadline = _DEADLINE.get()
        sock = getattr(self, "sock", None)
        if deadline is not None and sock is not None:
            deadline.guard(sock)
        return super().getresponse()  # type: ignore[misc, no-any-return]


def _lookup_seconds(connect_timeout: object) -> float:
    """How long a name lookup may take: the connect timeout, and no longer than what is left
    of the current attempt's total deadline."""
    seconds = float(connect_timeout) if isinstance(connect_timeout, int | float) else FetchSettings.connect_timeout
    deadline = _DEADLINE.get()
    if deadline is not None:
        seconds = min(seconds, deadline.expires - time.monotonic())
    return max(seconds, 0.0)


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
    #: Longest wait for the next bytes of a response.
    read_timeout: float = 30.0
    #: Longest wait from sending a request to the end of the response's header block.
    headers_timeout: float = 30.0
    #: Longest time for one attempt: redirect hops, headers and body.
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
            with self._deadline() as deadline:
                _, _, response = self._open(url, check, {})
                with response:
                    body = response.raw.read(limit + 1, decode_content=True) or b""
                deadline.check()
        except _Transient as exc:
            raise FetchError(f"{url}: {exc}") from exc
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            raise FetchError(f"{url}: {_describe(exc)}") from exc
        if len(body) > limit:
            raise Oversized(f"{url}: larger than {limit} bytes")
        return response.status_code, body.decode("utf-8", errors="replace")

    def _attempt(self, url: str, check: Check, headers: dict[str, str]) -> Fetched:
        """One attempt under its deadlines: follow redirects hop by hop, then store a 2xx body."""
        with self._deadline():
            final, hops, response = self._open(url, check, headers)
            return self._finish(url, final, hops, response)

    @contextlib.contextmanager
    def _deadline(self) -> Iterator[Deadline]:
        """The deadline of one attempt, current in this thread while the attempt runs."""
        deadline = Deadline(self.settings.total_timeout)
        token = _DEADLINE.set(deadline)
        try:
            yield deadline
        finally:
            deadline.cancel()
            _DEADLINE.reset(token)

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
            current = _redirect_target(current, location)
            check(current)
        raise FetchError(f"more than {self.settings.max_redirects} redirects from {url}")

    def _request(self, url: str, headers: dict[str, str]) -> requests.Response:
        """Send one GET without following redirects and read its header block within
        ``headers_timeout``; timeouts become _Transient, a malformed header block a failure."""
        deadline = _DEADLINE.get() or Deadline(self.settings.total_timeout)
        limit = self.settings.headers_timeout
        deadline.arm(limit, f"no complete response headers within {limit:g}s")
        try:
            response = self._get(url, headers)
        except (requests.Timeout, requests.ConnectionError) as exc:
            deadline.check()
            raise _Transient(_describe(exc)) from exc
        except requests.RequestException as exc:
            deadline.check()
            raise FetchError(f"{url}: {exc}") from exc
        except ValueError as exc:  # requests reads a malformed Location before returning
            raise MalformedResponse(f"{url}: malformed response ({str(exc)[:200]})") from exc
        deadline.arm(deadline.total, "")
        _check_header_block(url, response)
        return response

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
        deadline = _DEADLINE.get() or Deadline(self.settings.total_timeout)
        writer = self.raw.writer()
        try:
            for chunk in response.iter_content(chunk_size=64 * 1024):
                writer.write(chunk)
                if writer.size > cap:
                    raise Oversized(f"response exceeds the {cap}-byte limit")
                deadline.check()
            deadline.check()  # a body cut short by the deadline must not be kept
        except (requests.Timeout, requests.ConnectionError) as exc:
            writer.discard()
            deadline.check()
            raise _Transient(_describe(exc)) from exc
        except requests.RequestException as exc:
            writer.discard()
            deadline.check()
            raise FetchError(f"broken response body: {_describe(exc)}") from exc
        except BaseException:
            writer.discard()
            raise
        return writer.commit()


class MalformedResponse(FetchError):
    """The response's header block does not parse (it is not taken as an empty page)."""


def _redirect_target(current: str, location: str) -> str:
    """The absolute URL a Location header points to; MalformedResponse when it is not a URL."""
    try:
        target = urljoin(current, location)
        urlsplit(target).port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError as exc:
        raise MalformedResponse(f"{current}: redirect to a malformed URL {location[:200]!r}") from exc
    return target


def _check_header_block(url: str, response: requests.Response) -> None:
    """Raise MalformedResponse when the header block had lines that are not headers, or a
    Content-Length that is not a number (RFC 9112: an unrecoverable error)."""
    original = getattr(response.raw, "_original_response", None)
    reason = ""
    if original is not None:
        try:
            assert_header_parsing(original.msg)
        except (HeaderParsingError, TypeError) as exc:
            reason = str(exc)[:200]
    lengths = {v.strip() for v in response.headers.get("Content-Length", "0").split(",")}
    if not all(v.isascii() and v.isdigit() for v in lengths):
        reason = f"Content-Length {response.headers['Content-Length'][:40]!r}"
    if reason:
        response.close()
        raise MalformedResponse(f"{url}: malformed response headers ({reason})")


def _describe(exc: Exception) -> str:
    """A short reason for a transient failure ('timeout' or 'connection error: …')."""
    text = str(exc)
    if isinstance(exc, requests.Timeout) or "timed out" in text.lower():
        return "timeout"
    return f"connection error: {text[:200]}"
