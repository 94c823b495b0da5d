"""What the crawler may fetch, and how fast: schemes, hosts, addresses, robots.txt, rate.

Every URL — a start URL, a discovered link, each redirect hop — goes through
:meth:`UrlPolicy.check` before any byte is sent: only http/https, only allowed hosts, and
(after DNS resolution) no loopback, private, link-local, multicast or reserved address unless
the source allows it. :class:`Robots` caches one robots.txt per origin; :class:`HostThrottle`
spaces requests to one host by the source's delay and caps concurrent requests per host.
"""

from __future__ import annotations

import ipaddress
import queue
import socket
import threading
import time
import urllib.robotparser
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from stdsearch.errors import FetchError

#: Resolve a host name to IP address strings (tests inject a fake; nothing else touches DNS).
Resolver = Callable[[str, int], list[str]]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(FetchError):
    """A URL the crawl policy forbids (scheme, host, address or robots.txt); nothing was sent."""


def resolve_host(host: str, port: int) -> list[str]:
    """The IP addresses ``host`` resolves to (raises FetchError when it does not resolve)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}: {exc}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


#: Lookups that may wait for the system resolver at once; a lookup finding none free within
#: its time fails, so a resolver that hangs holds at most this many threads, never the crawl.
LOOKUP_THREADS = threading.BoundedSemaphore(8)


def resolve_within(host: str, port: int, seconds: float) -> list[str]:
    """:func:`resolve_host` with a deadline: FetchError when no answer comes within ``seconds``.

    ``getaddrinfo`` cannot be interrupted, so it runs in a daemon thread that is abandoned
    (it ends when the resolver finally answers) if the answer comes too late."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]  # a literal needs no lookup
    except ValueError:
        pass
    started = time.monotonic()
    late = FetchError(f"cannot resolve {host}: no answer within {seconds:g}s")
    if not LOOKUP_THREADS.acquire(timeout=max(seconds, 0.0)):
        raise late
    answer: queue.Queue[list[str] | FetchError] = queue.Queue(maxsize=1)

    def ask() -> None:
        try:
            answer.put(resolve_host(host, port))
        except FetchError as error:
            answer.put(error)
        finally:
            LOOKUP_THREADS.release()

    threading.Thread(target=ask, name=f"resolve {host}", daemon=True).start()
    try:
        result = answer.get(timeout=max(seconds - (time.monotonic() - started), 0.0))
    except queue.Empty:
        raise late from None
    if isinstance(result, FetchError):
        raise result
    return result


def is_public(address: Address) -> bool:
    """True for a globally routable unicast address (not loopback, private, link-local …)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (
        not (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_multicast
            or address.is_reserved
            or address.is_unspecified
        )
        and address.is_global
    )


def host_allowed(host: str, allowed: Iterable[str]) -> bool:
    """True when ``host`` is one of ``allowed`` (exact; ``.example.org`` also admits subdomains)."""
    host = host.lower().strip("[]").rstrip(".")
    for entry in allowed:
        entry = entry.lower().strip("[]").rstrip(".")
        if host == entry.lstrip(".") or (entry.startswith(".") and host.endswith(entry)):
            return True
    return False


@dataclass
class UrlPolicy:
    """Scheme, host allow-list and address checks for one source."""

    hosts: tuple[str, ...]
    allow_private: bool = False
    private_networks: tuple[str, ...] = ()
    resolver: Resolver = resolve_host
    _networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = field(init=False)

    def __post_init__(self) -> None:
        self._networks = [ipaddress.ip_network(n, strict=False) for n in self.private_networks]

    def in_scope(self, url: str) -> bool:
        """True when ``url`` is http(s) on an allowed host (no DNS: used to filter links)."""
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and host_allowed(parts.hostname or "", self.hosts)

    def check(self, url: str) -> None:
        """Raise Refused unless ``url`` may be fetched; resolves the host to check its addresses."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise Refused(f"scheme {parts.scheme or '(none)'!r} is not http or https")
        host = parts.hostname or ""
        if not host_allowed(host, self.hosts):
            raise Refused(f"host {host or '(none)'} is not an allowed host")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        for text in self._addresses(host, port):
            self._check_address(host, ipaddress.ip_address(text.split("%")[0]))

    def check_peer(self, address: str) -> None:
        """Raise Refused when a connection reached an address this source may not use."""
        self._check_address("the connection", ipaddress.ip_address(address.split("%")[0]))

    def _addresses(self, host: str, port: int) -> list[str]:
        """The host's addresses: the literal itself, or what DNS answers."""
        try:
            return [str(ipaddress.ip_address(host.strip("[]")))]
        except ValueError:
            return self.resolver(host, port)

    def _check_address(self, host: str, address: Address) -> None:
        """Refuse a non-public address unless private addresses (or its network) are allowed."""
        if is_public(address) or self.allow_private:
            return
        if any(address in network for network in self._networks):
            return
        raise Refused(
            f"{host} resolves to non-public address {address}; not allowed for this source"
        )


class Robots:
    """robots.txt per origin, fetched once through ``load(url) -> (status, text)``."""

    def __init__(self, user_agent: str, load: Callable[[str], tuple[int, str]]) -> None:
        self.user_agent = user_agent
        self._load = load
        self._parsers: dict[str, urllib.robotparser.RobotFileParser] = {}
        self._lock = threading.Lock()

    def allowed(self, url: str) -> bool:
        """True when robots.txt of the URL's origin lets our User-Agent fetch it."""
        return self._parser(url).can_fetch(self.user_agent, url)

    def crawl_delay(self, url: str) -> float:
        """The Crawl-delay robots.txt asks of us (0 when it asks none)."""
        delay = self._parser(url).crawl_delay(self.user_agent)
        return float(delay or 0)

    def _parser(self, url: str) -> urllib.robotparser.RobotFileParser:
        """The parsed robots.txt of the URL's origin (RFC 9309: 4xx → allow, 5xx → disallow)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            if origin not in self._parsers:
                self._parsers[origin] = self._fetch(origin)
            return self._parsers[origin]

    def _fetch(self, origin: str) -> urllib.robotparser.RobotFileParser:
        """Fetch and parse one robots.txt; unreachable means 'disallow all'."""
        parser = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
        try:
            status, text = self._load(origin + "/robots.txt")
        except Refused:
            raise
        except FetchError:
            status, text = 503, ""
        if status >= 500:
            parser.disallow_all = True
        elif status >= 400:
            parser.allow_all = True
        else:
            parser.parse(text.splitlines())
        return parser


class HostThrottle:
    """Per-host politeness: at most ``concurrency`` requests at once, ``delay`` s between starts."""

    def __init__(self, delay: float, concurrency: int = 1) -> None:
        self.delay = delay
        self.concurrency = concurrency
        self._lock = threading.Lock()
        self._next_start: dict[str, float] = {}
        self._slots: dict[str, threading.Semaphore] = {}
        self._extra: dict[str, float] = {}

    def ask_delay(self, host: str, delay: float) -> None:
        """Raise the delay for one host (robots.txt Crawl-delay), never lower it."""
        with self._lock:
            self._extra[host] = max(self._extra.get(host, 0.0), delay)

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        """Wait for a free slot and the host's delay, then hold the slot while fetching."""
        with self._lock:
            semaphore = self._slots.setdefault(host, threading.Semaphore(self.concurrency))
        with semaphore:
            time.sleep(self._reserve(host))
            yield

    def _reserve(self, host: str) -> float:
        """Book the next start time for ``host``; return how long to wait for it."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start.get(host, 0.0))
            self._next_start[host] = start + max(self.delay, self._extra.get(host, 0.0))
            return start - now
