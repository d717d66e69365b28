"""Kept pages answered in front of Flask: a signed-in GET of a kept page is a few look-ups.

Why: with the pages kept rendered (:mod:`tracker.web.cache`), what a page view still cost was
the framework around the look-up: at 10,000 reviews the app took about 1.1 ms of CPU per kept
page (cProfile, the WSGI app called in a loop), a third of it Flask and werkzeug (request
context, URL routing, response and header objects), a third the two per-request Jinja parts,
the rest the session, the security headers and the cache key. Under 20 clients on 2 cores
latency is queueing behind that CPU (one process, one GIL). Here the same page costs about
0.15 ms (the API's kept JSON too), and under bench/web.py's load the server's whole CPU per
request (waitress included) went from 2.0-2.4 ms to 0.6-1.0 ms, every page's p95 from 57-80 ms
to 25-34 ms.

What it checks is what the Flask path checks, with the same code, and anything else goes to
Flask, which then answers exactly as without this layer:

- only GET (HEAD, POST and the rest: Flask), no ``Authorization`` header (an API token is
  Flask's), no ``TRUSTED_HOSTS`` (Flask checks the host against them);
- the session: the same :meth:`SessionStore.load` (idle time and absolute lifetime, touching
  last-seen), the record handed on to Flask when Flask answers so it is read once per request;
  a session that is not live goes to Flask (which sends to sign-in);
- the user: the same :meth:`UserStore.get` and session stamp check (removed, replaced or a new
  password: Flask ends the session);
- for a page with a sign-out form, the session's CSRF token already made (a person's first
  page makes it: Flask);
- the page: the key :func:`tracker.web.cache.page_key` makes (the API's JSON is kept like the
  pages), for a page already kept (a page is only kept by Flask, after its view ran for a
  request of its scope at this address), with its parts already rendered for this person
  (:meth:`PageStore.part`, filled by Flask);
- the headers of the Flask path in its order: the view's own, Content-Length, the security
  headers (:func:`tracker.web.security.page_headers`) and ``Vary: Cookie`` (the session's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from tracker.web.cache import DEFAULT_MAX_BYTES, MAX_KEY_CHARS, Key, PageStore, fill, part_key
from tracker.web.data import scope_of
from tracker.web.security import NO_STORE, page_headers
from tracker.web.sessions import SESSION_READ
from tracker.web.views import stale_at

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class KeptPages:
    """WSGI middleware: kept pages from the store, everything else from ``app``."""

    def __init__(self, app: Flask, inner: WSGIApp) -> None:
        self.app = app
        self.inner = inner

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        found = self.answer(environ)
        if found is None:
            return self.inner(environ, start_response)
        headers, body = found
        start_response("200 OK", headers)
        return [body]

    def answer(self, environ: dict[str, Any]) -> tuple[list[tuple[str, str]], bytes] | None:
        """The kept page's headers and body, or None: Flask answers."""
        app = self.app
        config = app.config
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or "HTTP_AUTHORIZATION" in environ
            or not config.get("PAGE_CACHE", True)
            or config.get("TRUSTED_HOSTS") is not None
        ):
            return None
        request = app.request_class(environ)
        path = request.path
        if path.startswith("/static/"):
            return None  # never kept
        query = request.query_string.decode("latin-1")
        if len(path) + len(query) > MAX_KEY_CHARS:
            return None
        cookie = app.config["SESSION_COOKIE_NAME"]
        sid = request.cookies.get(cookie)
        if not sid:
            return None
        state = app.extensions["tracker"]
        record = state.sessions.load(sid)
        environ[SESSION_READ] = (sid, record)
        if record is None:
            return None
        data = record.data
        name, csrf = data.get("user"), data.get("csrf")
        if not isinstance(name, str):
            return None
        me = state.users.get(name)
        if me is None or data.get("stamp") != me.session_stamp:
            return None
        snap = state.snapshots.get()
        store: PageStore = snap.once(
            ("pages",), lambda: PageStore(int(config.get("PAGE_CACHE_BYTES", DEFAULT_MAX_BYTES)))
        )
        page = store.peek((scope_of(me), request.host, request.root_path, path, query))
        if page is None:
            return None
        if len(page.pieces) > 1 and not isinstance(csrf, str):
            return None  # the page's sign-out form needs the session's token: Flask makes it
        search = request.args.get("q", "") if page.endpoint == "pages.search" else ""
        minutes = state.config.web.stale_after_minutes
        stale = stale_at(snap, minutes)
        root = request.root_path

        def keys(part: str) -> Key:
            return part_key(part, me, csrf, search, root, stale, snap.present, minutes)

        body = fill(store, page.pieces, keys, None)
        if body is None:
            return None
        headers = list(page.headers)
        headers.append(("Content-Length", str(len(body))))
        names = {name.lower() for name, _ in headers}
        if "vary" in names:
            return None  # the session's Vary merges with the view's: Flask does that
        headers += page_headers(names, secure=request.is_secure)
        if "cache-control" not in names:
            headers.append(NO_STORE)
        headers.append(("Vary", "Cookie"))
        return headers, body
