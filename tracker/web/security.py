"""Read-only enforcement, security headers, CSRF tokens and the failed-sign-in limiter."""

from __future__ import annotations

import hmac
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable

from flask import Flask, Response, abort, request, session

#: No inline script or style anywhere: every asset comes from this server.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
_HEADERS = tuple(HEADERS.items())
HSTS = "max-age=31536000; includeSubDomains"
#: Pages hold case data: never keep them in a shared or browser cache (static files apart).
NO_STORE = ("Cache-Control", "no-store")
READ_METHODS = frozenset({"GET", "HEAD"})
#: The only endpoints that take a POST: signing in and out.
FORM_ENDPOINTS = frozenset({"auth.sign_in", "auth.sign_out"})
CSRF_KEY = "csrf"


def install(app: Flask) -> None:
    @app.before_request
    def read_only() -> None:
        if request.method in READ_METHODS:
            return
        if request.method == "POST" and request.endpoint in FORM_ENDPOINTS:
            return
        abort(405)

    @app.after_request
    def headers(response: Response) -> Response:
        present = {name.lower() for name, _ in response.headers}
        for name, value in page_headers(present, secure=request.is_secure):
            response.headers.add(name, value)
        if response.status_code == 405:
            response.headers["Allow"] = "GET, HEAD"
        if request.endpoint != "static" and "cache-control" not in present:
            response.headers.add(*NO_STORE)
        return response


def page_headers(present: set[str], *, secure: bool) -> list[tuple[str, str]]:
    """The security headers a response gets, in order, but for those it has (``present``:
    lower-cased names); :mod:`tracker.web.fastpath` adds the same ones."""
    added = [(name, value) for name, value in _HEADERS if name.lower() not in present]
    if secure and "strict-transport-security" not in present:
        # Only over HTTPS (directly or through a trusted proxy): browsers ignore it on http.
        added.append(("Strict-Transport-Security", HSTS))
    return added


def csrf_token() -> str:
    token = session.get(CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_KEY] = token
    return token


def check_csrf() -> None:
    sent = request.form.get("csrf_token", "")
    expected = session.get(CSRF_KEY)
    if not isinstance(expected, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, "The form has expired. Go back, reload the page and try again.")


class SignInLimiter:
    """Failed sign-ins, kept so they hold and cannot be turned against the people signing in.

    - Per user name, failures *slow* the name down: after ``free_failures`` each further try must
      wait a delay that doubles with every failure, up to ``max_delay_seconds``. An attacker guessing
      from many addresses gets a few tries a minute; the owner, after a colleague's or an
      attacker's typos, waits seconds, never a quarter of an hour.
    - Per client address, ``max_failures`` in ``window_seconds`` lock that address out for the
      rest of the window. Behind a reverse proxy the address is the proxy's unless
      ``[web] trusted_proxies`` says how many proxies' X-Forwarded-For to believe.
    - The tables are bounded (a flood of made-up names or addresses cannot exhaust memory), but
      a live lock or delay is never dropped to make room: expired entries go first, then those
      with the fewest failures that hold no lock; if every entry is a live lock, a new key is
      simply not tracked (the per-name delay still holds).

    In memory: one process serves the view (waitress threads); a restart forgets it all.
    """

    def __init__(
        self,
        max_failures: int = 5,
        window_seconds: float = 900.0,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        free_failures: int = 3,
        max_delay_seconds: float = 60.0,
    ) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self.max_keys = max_keys
        self.free_failures = free_failures
        self.max_delay = max_delay_seconds
        self._clock = clock
        self._names: dict[str, deque[float]] = {}
        self._addresses: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _now(self) -> float:
        return self._clock()

    def _recent(self, table: dict[str, deque[float]], key: str, now: float) -> deque[float]:
        times = table.get(key)
        if times is None:
            return deque()
        while times and now - times[0] > self.window:
            times.popleft()
        if not times:
            del table[key]
        return times

    def _name_wait(self, times: deque[float], now: float) -> float:
        extra = len(times) - self.free_failures
        if extra <= 0:
            return 0.0
        delay = min(self.max_delay, 2.0 ** (extra - 1))
        return max(0.0, times[-1] + delay - now)

    def _address_wait(self, times: deque[float], now: float) -> float:
        if len(times) < self.max_failures:
            return 0.0
        return max(0.0, self.window - (now - times[-self.max_failures]))

    def retry_after(self, name: str, address: str) -> int:
        """Seconds until this name may be tried from this address; 0 if allowed now."""
        now = self._now()
        with self._lock:
            wait = max(
                self._name_wait(self._recent(self._names, name, now), now),
                self._address_wait(self._recent(self._addresses, address, now), now),
            )
        return math.ceil(wait)

    def _live(self, table: dict[str, deque[float]], times: deque[float], now: float) -> bool:
        if table is self._names:
            return self._name_wait(times, now) > 0
        return self._address_wait(times, now) > 0

    def _room(self, table: dict[str, deque[float]], key: str, now: float) -> bool:
        """Make room for ``key`` without dropping a live lock; False if there is none."""
        if key in table or len(table) < self.max_keys:
            return True
        for k in list(table):
            self._recent(table, k, now)
        if len(table) < self.max_keys:
            return True
        idle = [k for k, t in table.items() if not self._live(table, t, now)]
        if not idle:
            return False
        idle.sort(key=lambda k: (len(table[k]), table[k][-1]))
        for k in idle[: max(1, len(table) - self.max_keys + 1)]:
            del table[k]
        return True

    def failed(self, name: str, address: str) -> None:
        now = self._now()
        with self._lock:
            for table, key in ((self._names, name), (self._addresses, address)):
                if self._room(table, key, now):
                    table.setdefault(key, deque()).append(now)

    def succeeded(self, name: str) -> None:
        """A right password clears the name's failures (not the address's)."""
        with self._lock:
            self._names.pop(name, None)
