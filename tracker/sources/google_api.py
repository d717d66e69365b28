"""The HTTP side of Google Sheets: credentials, where requests go, bounded retries and pacing.

gspread does the Sheets v4 calls; this module decides how they travel. gspread has no base-URL
option and its ``BackOffHTTPClient`` retries without bound (and retries POSTs), so the tracker uses
its own ``HTTPClient`` subclass: every URL is rewritten onto ``TRACKER_SHEETS_API``, every other host
is refused, GETs are retried on 429/5xx/timeouts with jittered exponential backoff inside a total
time limit, changes are never repeated, and all requests of one credential share one pacing window.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from google.oauth2 import service_account
from gspread.auth import READONLY_SCOPES
from gspread.exceptions import APIError
from gspread.http_client import FileType, HTTPClient, ParamsType
from gspread.urls import SPREADSHEETS_API_V4_BASE_URL
from requests.adapters import BaseAdapter, HTTPAdapter

from tracker.config import GoogleConfig
from tracker.sources.pacing import Clock, Sleep, SlidingWindowLimiter, limiter_for

SHEETS_API_ENV = "TRACKER_SHEETS_API"
CREDENTIALS_ENV = "GOOGLE_APPLICATION_CREDENTIALS"
GOOGLE_SHEETS_API = "https://sheets.googleapis.com"
#: reading needs no more than this (gspread's read-only pair)
READ_SCOPES: tuple[str, ...] = tuple(READONLY_SCOPES)
#: ``tracker init`` adds sheets: the one write scope it needs, and no Drive access
WRITE_SCOPES: tuple[str, ...] = ("https://www.googleapis.com/auth/spreadsheets",)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_GSPREAD_PREFIX = SPREADSHEETS_API_V4_BASE_URL.removesuffix("/v4/spreadsheets")


@dataclass(frozen=True)
class GSheetSettings:
    """How patiently to talk to Google. Clock, sleep and jitter are injectable for tests.

    One request ends within ``retry_seconds`` of its first attempt plus at most one
    ``timeout_seconds`` (the attempt in flight when the limit passes).
    """

    #: total time one read may spend retrying before it gives up
    retry_seconds: float = 60.0
    #: how long one request may wait for an answer
    timeout_seconds: float = 30.0
    #: the per-credential pace (Google's per-user quota is 60 a minute)
    requests_per_minute: int = 60
    first_delay: float = 1.0
    max_delay: float = 32.0
    #: a second bound beside the time limit, so a zero-cost clock can never spin
    max_attempts: int = 12
    clock: Clock = time.monotonic
    sleep: Sleep = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    #: a limiter of one's own; by default the process-wide one for the credential
    limiter: SlidingWindowLimiter | None = None

    @classmethod
    def from_config(cls, google: GoogleConfig) -> GSheetSettings:
        return cls(
            retry_seconds=google.retry_seconds,
            timeout_seconds=google.timeout_seconds,
            requests_per_minute=google.requests_per_minute,
        )


class GoogleAccessError(Exception):
    """A one-line reason Google Sheets cannot be used; ``slug`` says which kind."""

    def __init__(self, message: str, slug: str) -> None:
        super().__init__(message)
        self.slug = slug


class GaveUp(GoogleAccessError):
    """Retries ran out of time or attempts."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "gsheet-unavailable")


class HostRefused(GoogleAccessError):
    """A request aimed at a host the tracker must not contact."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "gsheet-failed")


@dataclass(frozen=True)
class ServiceAccount:
    path: str
    client_email: str
    token_uri: str


def sheets_base_url() -> str:
    """``TRACKER_SHEETS_API`` or Google's own; plain http only on loopback (a token is sent)."""
    raw = (os.environ.get(SHEETS_API_ENV) or "").strip() or GOOGLE_SHEETS_API
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise GoogleAccessError(
            f"{SHEETS_API_ENV}={raw!r} is not an http(s) address like https://sheets.example.org",
            "gsheet-config",
        )
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise GoogleAccessError(
            f"{SHEETS_API_ENV}={raw!r}: plain http is only allowed to this machine "
            "(the access token would cross the network unencrypted); use https",
            "gsheet-config",
        )
    return raw.rstrip("/")


def credentials_path(explicit: str | None) -> str:
    path = explicit or os.environ.get(CREDENTIALS_ENV)
    if not path:
        raise GoogleAccessError(
            "no Google credentials: name a service-account JSON file in tracker.toml "
            f"([google] credentials) or in {CREDENTIALS_ENV}",
            "gsheet-credentials",
        )
    return path


def load_service_account(
    path: str, scopes: tuple[str, ...]
) -> tuple[service_account.Credentials, ServiceAccount]:
    """Read a service-account key file, with a clear reason for each way it can be unusable."""
    try:
        info = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GoogleAccessError(
            f"credentials file {path} not found", "gsheet-credentials"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GoogleAccessError(
            f"cannot read credentials file {path}: {exc}", "gsheet-credentials"
        ) from None
    except json.JSONDecodeError:
        raise GoogleAccessError(
            f"credentials file {path} is not JSON (expected a service-account key file)",
            "gsheet-credentials",
        ) from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        kind = info.get("type") if isinstance(info, dict) else None
        raise GoogleAccessError(
            f"credentials file {path} is not a service-account key (type: {kind!r})",
            "gsheet-credentials",
        )
    missing = [k for k in ("client_email", "private_key", "token_uri") if not info.get(k)]
    if missing:
        raise GoogleAccessError(
            f"credentials file {path} lacks {', '.join(missing)}", "gsheet-credentials"
        )
    try:
        creds = service_account.Credentials.from_service_account_info(info, scopes=list(scopes))
    except (ValueError, TypeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise GoogleAccessError(
            f"credentials file {path} holds an unusable private key ({reason})",
            "gsheet-credentials",
        ) from None
    return creds, ServiceAccount(path, str(info["client_email"]), str(info["token_uri"]))


class _RefuseAdapter(BaseAdapter):
    """Mounted for every address but the Sheets API: a stray call fails before any socket."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        host = urlsplit(request.url or "").hostname
        raise HostRefused(f"refusing to contact {host}: only the Sheets API may be called")

    def close(self) -> None:
        pass


class SheetsHTTPClient(HTTPClient):
    """gspread's HTTP client, routed to one base URL, with bounded GET retries and pacing."""

    def __init__(
        self,
        creds: service_account.Credentials,
        *,
        base_url: str,
        settings: GSheetSettings,
        limiter: SlidingWindowLimiter,
    ) -> None:
        super().__init__(creds)  # an AuthorizedSession that fetches tokens from token_uri
        self.base_url = base_url
        self.settings = settings
        self.limiter = limiter
        self.timeout = settings.timeout_seconds
        self.session.mount("http://", _RefuseAdapter())
        self.session.mount("https://", _RefuseAdapter())
        self.session.mount(base_url + "/", HTTPAdapter(max_retries=0))

    def route(self, endpoint: str) -> str:
        if endpoint.startswith(_GSPREAD_PREFIX + "/"):
            return self.base_url + endpoint[len(_GSPREAD_PREFIX) :]
        host = urlsplit(endpoint).hostname
        raise HostRefused(f"refusing to contact {host}: only the Sheets API may be called")

    def request(
        self,
        method: str,
        endpoint: str,
        params: ParamsType | None = None,
        data: bytes | None = None,
        json: Mapping[str, Any] | None = None,
        files: FileType = None,
        headers: MutableMapping[str, str] | None = None,
    ) -> requests.Response:
        url = self.route(endpoint)
        s = self.settings
        repeatable = method.lower() == "get"
        started = s.clock()
        attempt = 0
        while True:
            attempt += 1
            self.limiter.acquire()
            response: requests.Response | None = None
            try:
                response = self.session.request(
                    method=method,
                    url=url,
                    params=params,
                    data=data,
                    json=json,
                    files=files,
                    headers=headers,
                    timeout=self.timeout,
                )
            except requests.Timeout:
                failure = f"did not answer within {s.timeout_seconds:g} s"
            except requests.ConnectionError as exc:
                failure = f"could not be reached ({_first_line(exc)})"
            else:
                if response.ok:
                    return response
                if response.status_code not in RETRY_STATUSES:
                    raise APIError(response)
                failure = f"kept answering {response.status_code}"
                if not repeatable:
                    failure = f"answered {response.status_code}"
            if not repeatable:  # a change is never sent twice: it might have been applied
                raise GaveUp(
                    f"Google Sheets {failure} to a change; changes are never repeated: "
                    "try again later"
                )
            elapsed = s.clock() - started
            remaining = s.retry_seconds - elapsed
            if remaining <= 0 or attempt >= s.max_attempts:
                raise GaveUp(
                    f"Google Sheets {failure} for {elapsed:.0f} s ({attempt} attempts); gave up"
                )
            s.sleep(min(self._delay(attempt, response), remaining))

    def _delay(self, attempt: int, response: requests.Response | None) -> float:
        """Exponential backoff with equal jitter; a Retry-After from Google is a floor."""
        s = self.settings
        ceiling = min(s.max_delay, s.first_delay * 2 ** (attempt - 1))
        delay = ceiling / 2 + s.rng.uniform(0, ceiling / 2)
        if response is not None:
            after = response.headers.get("Retry-After", "")
            if after.strip().isdigit():
                delay = max(delay, float(after))
        return delay


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:160] if text else type(exc).__name__


_creds_cache: dict[tuple[str, int, int, tuple[str, ...]], tuple[Any, ServiceAccount]] = {}
_creds_lock = threading.Lock()


def connect(
    credentials: str | None, scopes: tuple[str, ...], settings: GSheetSettings
) -> tuple[SheetsHTTPClient, ServiceAccount]:
    """A client for one credential. Credentials are cached so one token serves many sheets."""
    path = credentials_path(credentials)
    base_url = sheets_base_url()
    try:
        stat = Path(path).stat()
        cache_key = (str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size, scopes)
    except OSError:
        cache_key = None
    with _creds_lock:
        cached = _creds_cache.get(cache_key) if cache_key else None
        if cached is None:
            cached = load_service_account(path, scopes)
            if cache_key:
                _creds_cache[cache_key] = cached
    creds, account = cached
    limiter = settings.limiter or limiter_for(
        account.client_email,
        settings.requests_per_minute,
        clock=settings.clock,
        sleep=settings.sleep,
    )
    client = SheetsHTTPClient(creds, base_url=base_url, settings=settings, limiter=limiter)
    return client, account


def forget_credentials() -> None:
    """Drop cached credentials and their tokens (tests; a rotated key file is noticed anyway)."""
    with _creds_lock:
        _creds_cache.clear()
