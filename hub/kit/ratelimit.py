"""A small in-process sliding-window rate limiter for the public form."""

from __future__ import annotations

import threading
import time
from collections import deque

from hub.kit.errors import TooManyRequests


class RateLimiter:
    def __init__(self, *, per_minute: int, max_clients: int = 10_000) -> None:
        self.per_minute = per_minute
        self.max_clients = max_clients
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, client: str, *, now: float | None = None) -> None:
        moment = time.monotonic() if now is None else now
        with self._lock:
            if len(self._hits) >= self.max_clients and client not in self._hits:
                # Forget idle clients rather than grow without bound.
                self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > moment - 60}
            hits = self._hits.setdefault(client, deque())
            while hits and hits[0] <= moment - 60:
                hits.popleft()
            if len(hits) >= self.per_minute:
                raise TooManyRequests()
            hits.append(moment)
