"""Pacing: stay under Google's per-user quota (60 requests a minute) across every spreadsheet.

A sliding window rather than a token bucket: the quota is counted per minute, so the strict form
"never more than N requests in any 60 s" is what keeps a refresh of many sheets from tripping 429s.
One limiter per credential is shared by everything in the process (``limiter_for``).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class SlidingWindowLimiter:
    """Allow at most ``limit`` acquisitions in any window of ``window`` seconds."""

    def __init__(
        self,
        limit: int,
        window: float = 60.0,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.window = window
        self.clock = clock
        self.sleep = sleep
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait until one more request fits in the window; return the seconds waited."""
        waited = 0.0
        with self._lock:  # one waiter at a time keeps the order fair and the window exact
            while True:
                now = self.clock()
                while self._stamps and self._stamps[0] <= now - self.window:
                    self._stamps.popleft()
                if len(self._stamps) < self.limit:
                    self._stamps.append(now)
                    return waited
                pause = self._stamps[0] + self.window - now
                self.sleep(pause)
                waited += pause


_limiters: dict[str, SlidingWindowLimiter] = {}
_registry_lock = threading.Lock()


def limiter_for(
    credential: str,
    limit: int,
    *,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
) -> SlidingWindowLimiter:
    """The process-wide limiter for one credential (created on first use)."""
    with _registry_lock:
        limiter = _limiters.get(credential)
        if (
            limiter is None
            or limiter.limit != limit
            or limiter.clock != clock
            or limiter.sleep != sleep
        ):
            limiter = SlidingWindowLimiter(limit, clock=clock, sleep=sleep)
            _limiters[credential] = limiter
        return limiter


def forget_limiters() -> None:
    """Drop every shared limiter (tests, or a config reload with another quota)."""
    with _registry_lock:
        _limiters.clear()
