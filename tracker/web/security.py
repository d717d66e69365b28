"""Read-only enforcement, security headers, CSRF tokens and the failed-sign-in limiter."""

from __future__ import annotations

import hmac
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
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if response.status_code == 405:
            response.headers["Allow"] = "GET, HEAD"
        if request.endpoint != "static":
            # Pages hold case data: never keep them in a shared or browser cache.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


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
    """Failed sign-ins per user name and per client address, in a sliding window.

    In memory: one process serves the view (waitress threads), and a restart forgetting a few
    failures is acceptable. The table is bounded so a flood of made-up names cannot exhaust memory.
    """

    def __init__(
        self,
        max_failures: int = 5,
        window_seconds: float = 900.0,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self.max_keys = max_keys
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _now(self) -> float:
        return self._clock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and now - times[0] > self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, *keys: str) -> int:
        """Seconds until a sign-in may be tried again for any of the keys; 0 if allowed now."""
        now = self._now()
        wait = 0.0
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                if len(times) >= self.max_failures:
                    wait = max(wait, self.window - (now - times[0]))
        return int(wait) + 1 if wait > 0 else 0

    def failed(self, *keys: str) -> None:
        now = self._now()
        with self._lock:
            if len(self._failures) >= self.max_keys:
                for key in list(self._failures):
                    self._recent(key, now)
                while len(self._failures) >= self.max_keys:
                    self._failures.pop(next(iter(self._failures)))
            for key in keys:
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
