"""Pages rendered once per snapshot, scope and address, so a busy view costs a look-up per request.

Why: under 20 clients on 2 cores a page's latency is queueing behind the other requests' CPU time
(one Python process, one GIL), so the CPU time of one request is what counts. Measured at 10,000
reviews (bench/web.py, server CPU per request, one page at a time) before this module: overview
33 ms (Jinja rendering a 245 KB page), a board 20 ms and filtered 30 ms (ordering 10,000
reviews), the overdue list 13 ms, the review page 5 ms; the fixed cost of any signed-in request
(session, headers) is about 1 ms. A kept page costs 1.2-2.4 ms: that fixed cost and its
per-request parts.

How:

- Every HTML page of the ``pages`` blueprint (new pages included, see :data:`UNCACHED`) is kept
  as rendered, keyed by (scope, host, root path, path, query). A page is a function of the
  snapshot, the config, the address and what the user may see, and what a user may see is their
  scope (:func:`tracker.web.data.scope_of`: national, or the sorted tuple of their boards;
  ``User.may_see`` reads nothing else). Two users of one scope share a page; users of different
  scopes never do.
- The few things on a page that belong to the person or the minute (the signed-in name, the
  sign-out form with its CSRF token, the out-of-date warning) are never stored: the page template
  leaves a marker (:func:`per_request`); a page is kept cut at its markers (:func:`split`) and
  every HTML response, kept or not, is put together with this request's parts
  (:func:`assemble`, from ``templates/per_request/``). So a kept page holds no one's name or
  token.
- The store hangs on the :class:`~tracker.web.data.Snapshot` (``Snapshot.once``): when the
  snapshot file changes, the view builds a new Snapshot and with it an empty store. Nothing is
  stored that a spreadsheet was read for: the view still only reads the snapshot file.
- Bounded in bytes (``PAGE_CACHE_BYTES``, least recently used first out) and in key length. At
  10,000 reviews the usual pages of one scope take 1.5 MB (the overview 240 KB, a list page
  60 KB), a review page 18 KB; the bound, 64 MB a snapshot, holds a few thousand pages.
- Concurrent misses of one key render it once: the others wait for the first (at most
  :data:`WAIT_SECONDS`, then render themselves), so a new snapshot under load costs one render
  per page, not twenty.
- Only GET (and HEAD) answers of status 200 with ``text/html`` are stored, and the API's JSON
  answers (whole, up to :data:`MAX_JSON_BYTES`): downloads, redirects, 404s and errors are
  rendered every time.
- A kept page is answered in front of Flask (:mod:`tracker.web.fastpath`) once the person's
  parts are rendered (:meth:`PageStore.part`): after that a page view costs a few look-ups.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple

from flask import Flask, current_app, g, request
from markupsafe import Markup
from werkzeug.wrappers import Response

from tracker.access.users import User
from tracker.web.data import Snapshot, scope_of

#: pages of the ``pages`` blueprint never stored: the calendar page shows the user's own feed token
UNCACHED = frozenset({"pages.calendar"})
#: blueprints whose HTML pages (and the API's JSON) are stored: each a function of snapshot,
#: scope and address
CACHED_BLUEPRINTS = frozenset({"pages", "actions", "trend", "api"})
#: a JSON answer larger than this is not stored (the whole 10,000-review list is 38 MB: the API
#: keeps its encoded bodies itself); a page of 100 reviews is 400 KB
MAX_JSON_BYTES = 2 * 1024 * 1024
#: the parts of a page filled in per request (templates/per_request/<name>.html)
HOLES = ("account", "stale")
#: a page of a longer address is rendered every time (such addresses are made up, not followed)
MAX_KEY_CHARS = 2048
#: how long a request waits for another that is rendering the same page
WAIT_SECONDS = 10.0
DEFAULT_MAX_BYTES = 64 * 1024 * 1024

#: unguessable per process, and only ever emitted as markup: escaped data (``<`` becomes ``&lt;``)
#: can never spell a marker
_NONCE = secrets.token_hex(8)
_MARKERS = {name: f"<!--per-request:{name}:{_NONCE}-->" for name in HOLES}
_MARKER_BYTES = {name: marker.encode() for name, marker in _MARKERS.items()}
_PREFIX = b"<!--per-request:"

Key = tuple[Any, ...]


class Page(NamedTuple):
    """A page as kept: its bytes cut at the per-request parts (each named by a str), the
    headers its view set (a view's own headers come back with the page) and the endpoint that
    rendered it (the search box shows the query on the search page only)."""

    pieces: tuple[bytes | str, ...]
    headers: tuple[tuple[str, str], ...] = ()
    endpoint: str = ""

    @property
    def size(self) -> int:
        return sum(len(piece) for piece in self.pieces if isinstance(piece, bytes))


def per_request(name: str) -> Markup:
    """A marker the page template leaves where a per-request part goes (see :func:`assemble`)."""
    return Markup(_MARKERS[name])


@dataclass
class PageStore:
    """Rendered pages of one snapshot, least recently used dropped beyond ``max_bytes``."""

    max_bytes: int = DEFAULT_MAX_BYTES
    pages: OrderedDict[Key, Page] = field(default_factory=OrderedDict)
    size: int = 0
    hits: int = 0
    misses: int = 0
    #: the per-request parts as rendered, by what they show (:func:`part_key`): a person's
    #: next page costs a look-up, not a template render; gone with the snapshot
    parts: dict[Key, bytes] = field(default_factory=dict)
    max_parts: int = 4096
    _rendering: dict[Key, threading.Event] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def peek(self, key: Key) -> Page | None:
        """The kept page, or None, without claiming it (:mod:`tracker.web.fastpath`, which
        leaves a miss to Flask). No lock: each dict operation is atomic under the GIL, and a
        page dropped meanwhile is simply not found (``move_to_end`` then raises)."""
        page = self.pages.get(key)
        if page is None:
            return None
        try:
            self.pages.move_to_end(key)
        except KeyError:
            return None
        self.hits += 1
        return page

    def part(self, key: Key, render: Callable[[], bytes]) -> bytes:
        """A per-request part rendered once for its inputs (the oldest dropped beyond
        ``max_parts``: one entry per session and snapshot, about a kilobyte each)."""
        done = self.parts.get(key)
        if done is None:
            done = render()
            with self._lock:
                while len(self.parts) >= self.max_parts:
                    self.parts.pop(next(iter(self.parts)))
                self.parts[key] = done
        return done

    def claim(self, key: Key) -> tuple[Page | None, bool]:
        """``(page, False)`` when stored; else ``(None, True)``: this caller renders the page
        and must :meth:`release` it, while others asking meanwhile wait for it. ``(None, False)``
        when the wait ran out: render without keeping."""
        while True:
            with self._lock:
                body = self.pages.get(key)
                if body is not None:
                    self.pages.move_to_end(key)
                    self.hits += 1
                    return body, False
                event = self._rendering.get(key)
                if event is None:
                    self._rendering[key] = threading.Event()
                    self.misses += 1
                    return None, True
            if not event.wait(WAIT_SECONDS):
                self.misses += 1
                return None, False
            # rendered, or failed (then this caller claims it on the next round)

    def release(self, key: Key, page: Page | None) -> None:
        """Keep ``page`` (when given) and let those waiting for ``key`` go on."""
        with self._lock:
            if page is not None and page.size <= self.max_bytes:
                old = self.pages.pop(key, None)
                if old is not None:
                    self.size -= old.size
                self.pages[key] = page
                self.size += page.size
                while self.size > self.max_bytes:
                    _, dropped = self.pages.popitem(last=False)
                    self.size -= dropped.size
            event = self._rendering.pop(key, None)
        if event is not None:
            event.set()


def store_of(snap: Snapshot) -> PageStore:
    max_bytes = int(current_app.config.get("PAGE_CACHE_BYTES", DEFAULT_MAX_BYTES))
    return snap.once(("pages",), lambda: PageStore(max_bytes))


def page_key() -> Key | None:
    """This request's key, or None when its answer is not to be stored."""
    if request.method not in ("GET", "HEAD") or not current_app.config.get("PAGE_CACHE", True):
        return None
    endpoint = request.endpoint or ""
    if request.blueprint not in CACHED_BLUEPRINTS or endpoint in UNCACHED:
        return None
    me = g.get("user")
    if me is None:
        return None
    if request.args.get("format") not in (None, "html"):
        return None  # downloads are not HTML pages
    query = request.query_string.decode("latin-1")
    if len(request.path) + len(query) > MAX_KEY_CHARS:
        return None
    return (scope_of(me), request.host, request.root_path, request.path, query)


def install(app: Flask, snapshot: Callable[[], Snapshot]) -> None:
    """Serve stored pages before the view runs; store and fill pages after it.

    Registered after the sign-in check, so ``g.user`` is known (a request it refused never gets
    here).
    """

    @app.before_request
    def stored_page() -> Response | None:
        key = page_key()
        if key is None:
            return None
        store = store_of(snapshot())
        page, mine = store.claim(key)
        if mine:
            g.page_claim = (store, key)  # this request renders it; after_request keeps it
        if page is None:
            return None
        g.page_filled = True
        return Response(assemble(page.pieces, page.endpoint), headers=list(page.headers))

    @app.after_request
    def keep_and_fill(response: Response) -> Response:
        if g.pop("page_filled", False):
            return response
        claim = g.pop("page_claim", None)
        html = response.mimetype == "text/html" and not response.direct_passthrough
        pieces = split(response.get_data()) if html else None
        if claim is not None:
            store, key = claim
            if pieces is None and response.mimetype == "application/json":
                body = response.get_data()  # the API's: kept whole (no per-request parts)
                pieces = (body,) if len(body) <= MAX_JSON_BYTES else None
            keep = pieces is not None and response.status_code == 200
            # Runs before the other after_request hooks (security headers, the session's
            # cookie and Vary): these are the view's own headers, Content-Type among them.
            headers = tuple(
                (name, value)
                for name, value in response.headers.items()
                if name.lower() not in ("content-length", "set-cookie")
            )
            endpoint = request.endpoint or ""
            store.release(key, Page(pieces, headers, endpoint) if keep and pieces else None)
        if pieces is not None and len(pieces) > 1:
            response.set_data(assemble(pieces))
        return response

    @app.teardown_request
    def let_go(_exc: BaseException | None) -> None:
        claim = g.pop("page_claim", None)  # the view raised: nothing to keep, wake the others
        if claim is not None:
            store, key = claim
            store.release(key, None)


def split(body: bytes) -> tuple[bytes | str, ...]:
    """The page cut at its markers, each marker with its whole line when it stands alone on one
    (indent and line break): a part renders as whole lines, as they were written in base.html,
    so an empty part leaves no blank line behind."""
    if _PREFIX not in body:
        return (body,)
    pieces: list[bytes | str] = []
    while True:
        found = [(body.find(marker), name) for name, marker in _MARKER_BYTES.items()]
        found = [(at, name) for at, name in found if at >= 0]
        if not found:
            pieces.append(body)
            return tuple(pieces)
        at, name = min(found)
        start, end = at, at + len(_MARKER_BYTES[name])
        while start > 0 and body[start - 1 : start] in (b" ", b"\t"):
            start -= 1
        if start == 0 or body[start - 1 : start] == b"\n":
            end += body[end : end + 1] == b"\n"
        else:
            start = at
        pieces += [body[:start], name]
        body = body[end:]


def part_key(
    name: str,
    me: User | None,
    csrf: str | None,
    query: str,
    root: str,
    stale: bool,
    present: bool,
    stale_minutes: int,
) -> Key:
    """Everything a per-request part shows, as a key: the part is rendered once per key
    (:meth:`PageStore.part`). The templates in templates/per_request/ see exactly these values
    (:func:`part_context`), nothing else of the request, so a kept part is the part rendered
    afresh. Worked out the same way by Flask (:func:`assemble`) and :mod:`tracker.web.fastpath`."""
    if name == "account":
        return (name, me, csrf if me is not None else None, query, root)
    return (name, stale, present, stale_minutes)


def part_context(key: Key) -> dict[str, Any]:
    """The template context of a part from its key (see :func:`part_key`)."""
    if key[0] == "account":
        _, me, csrf, query, root = key
        return {"current_user": me, "csrf": csrf, "search_q": query, "root": root}
    _, stale, present, stale_minutes = key
    return {"stale": stale, "present": present, "stale_minutes": stale_minutes}


def render_part(key: Key) -> bytes:
    """One part rendered (in a request: the templates build addresses with ``url_for``)."""
    template = current_app.jinja_env.get_template(f"per_request/{key[0]}.html")
    return template.render(part_context(key)).encode()


def fill(
    store: PageStore,
    pieces: tuple[bytes | str, ...],
    keys: Callable[[str], Key],
    render: Callable[[Key], bytes] | None,
) -> bytes | None:
    """The page with its parts in it, each part found by its key (``keys(name)``) in the store;
    a part not found is rendered by ``render``, or with no ``render`` the answer is None."""
    if len(pieces) == 1 and isinstance(pieces[0], bytes):
        return pieces[0]
    out = []
    for piece in pieces:
        if isinstance(piece, str):
            key = keys(piece)
            done = store.parts.get(key)
            if done is None:
                if render is None:
                    return None
                done = store.part(key, partial(render, key))
            piece = done
        out.append(piece)
    return b"".join(out)


def assemble(pieces: tuple[bytes | str, ...], endpoint: str | None = None) -> bytes:
    """The page with this request's own parts (templates/per_request/<name>.html) in it."""
    if len(pieces) == 1 and isinstance(pieces[0], bytes):
        return pieces[0]
    from tracker.web.security import csrf_token
    from tracker.web.views import snapshot, stale_now, state

    me = g.get("user")
    csrf = csrf_token() if me is not None else None  # made once per session (in the session)
    endpoint = request.endpoint if endpoint is None else endpoint
    query = request.args.get("q", "") if endpoint == "pages.search" else ""
    snap = snapshot()
    minutes = state().config.web.stale_after_minutes
    stale = stale_now(snap)

    def keys(name: str) -> Key:
        return part_key(name, me, csrf, query, request.root_path, stale, snap.present, minutes)

    page = fill(store_of(snap), pieces, keys, render_part)
    assert page is not None
    return page
