"""A small in-process sliding-window rate limiter for the public form, and the client
address it counts by."""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

from starlette.requests import Request

from hub.kit.errors import TooManyRequests

WINDOW_SECONDS = 60.0

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class RateLimiter:
    def __init__(
        self,
        *,
        per_minute: int,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self.max_clients = max_clients
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, client: str, *, now: float | None = None) -> None:
        """Count one request from ``client``; 429 with Retry-After past the limit."""
        moment = self._clock() if now is None else now
        with self._lock:
            if len(self._hits) >= self.max_clients and client not in self._hits:
                # Forget idle clients rather than grow without bound.
                self._hits = {
                    k: v for k, v in self._hits.items() if v and v[-1] > moment - WINDOW_SECONDS
                }
            hits = self._hits.setdefault(client, deque())
            while hits and hits[0] <= moment - WINDOW_SECONDS:
                hits.popleft()
            if len(hits) >= self.per_minute:
                wait = hits[0] + WINDOW_SECONDS - moment
                raise TooManyRequests(retry_after_seconds=max(1, math.ceil(wait)))
            hits.append(moment)


def trusted_networks(proxies: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def client_address(request: Request, trusted_proxies: tuple[Network, ...]) -> str:
    """The address of the client: the peer, unless the peer is a proxy named in settings
    (``HUB_TRUSTED_PROXIES``), in which case the nearest address in X-Forwarded-For that
    is not one of those proxies. Anyone can write X-Forwarded-For; only our own proxies
    are believed."""
    peer = request.client.host if request.client else "unknown"
    if not trusted_proxies or not _is_trusted(peer, trusted_proxies):
        return peer
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted_proxies):
            return hop if _is_address(hop) else peer
    return peer


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _is_trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)
