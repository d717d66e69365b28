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
- Only GET (and HEAD) answers of status 200 with ``text/html`` are stored: downloads, redirects,
  404s and errors are rendered every time.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from flask import Flask, current_app, g, request
from markupsafe import Markup
from werkzeug.wrappers import Response

from tracker.web.data import Snapshot, scope_of

#: pages of the ``pages`` blueprint never stored: the calendar page shows the user's own feed token
UNCACHED = frozenset({"pages.calendar"})
#: blueprints whose HTML pages are stored: each page a function of snapshot, scope and address
CACHED_BLUEPRINTS = frozenset({"pages", "actions", "trend"})
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
    """A page as kept: its bytes cut at the per-request parts (each named by a str), and the
    headers its view set (a view's own headers come back with the page)."""

    pieces: tuple[bytes | str, ...]
    headers: tuple[tuple[str, str], ...] = ()

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
    _rendering: dict[Key, threading.Event] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

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
        return Response(assemble(page.pieces), headers=list(page.headers))

    @app.after_request
    def keep_and_fill(response: Response) -> Response:
        if g.pop("page_filled", False):
            return response
        claim = g.pop("page_claim", None)
        html = response.mimetype == "text/html" and not response.direct_passthrough
        pieces = split(response.get_data()) if html else None
        if claim is not None:
            store, key = claim
            keep = pieces is not None and response.status_code == 200
            # Runs before the other after_request hooks (security headers, the session's
            # cookie and Vary): these are the view's own headers, Content-Type among them.
            headers = tuple(
                (name, value)
                for name, value in response.headers.items()
                if name.lower() not in ("content-length", "set-cookie")
            )
            store.release(key, Page(pieces, headers) if keep and pieces else None)
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


def assemble(pieces: tuple[bytes | str, ...]) -> bytes:
    """The page with this request's own parts (templates/per_request/<name>.html) in it."""
    if len(pieces) == 1 and isinstance(pieces[0], bytes):
        return pieces[0]
    context: dict[str, Any] = {}
    current_app.update_template_context(context)  # as render_template makes it, once for all
    parts: dict[str, bytes] = {}
    out = []
    for piece in pieces:
        if isinstance(piece, str):
            if piece not in parts:
                template = current_app.jinja_env.get_template(f"per_request/{piece}.html")
                parts[piece] = template.render(context).encode()
            piece = parts[piece]
        out.append(piece)
    return b"".join(out)
