"""Pages kept rendered per snapshot, scope and address (tracker.web.cache).

A kept page must be the page rendered afresh, byte for byte; a new snapshot file must show at
once; a page kept for one scope must never be shown to another; and what belongs to one person or
one minute (the name, the sign-out form's CSRF token, the out-of-date warning) is never kept.
Real workbooks, the real core and the real app, through Flask's test client.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Blueprint, Flask, Response, render_template_string
from flask.testing import FlaskClient

from tests.web_fixtures import (
    HIGHLAND,
    NORTHSHIRE,
    PASSWORD,
    WebEnv,
    csrf_from,
    fresh_env,
    signed_in,
)
from tracker.access.users import UserStore, users_path
from tracker.output.snapshot import read_snapshot, write_snapshot
from tracker.web import cache, create_app, views
from tracker.web.cache import Page, PageStore, store_of
from tracker.web.data import STATUS_ORDER


@pytest.fixture
def web_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WebEnv:
    return fresh_env(tmp_path, monkeypatch)


#: every page of the view with the query forms people follow (filters, pages, statuses)
PAGES = [
    "/",
    "/overdue",
    "/overdue?nation=england&must=must",
    "/due-soon",
    "/paused",
    "/problems",
    "/problems?board=Northshire%20LSCB",
    "/frameworks",
    "/boards/Northshire%20LSCB",
    "/boards/Northshire%20LSCB?status=overdue",
    f"/boards/{HIGHLAND.replace(' ', '%20')}",
    "/reviews/NS-2023-01",
    "/reviews/NS%2F2023%2F02",
    "/reviews/HC-2023-01",
]


def body(client: FlaskClient, path: str) -> tuple[int, str]:
    r = client.get(path)
    return r.status_code, r.get_data(as_text=True)


def uncached(env: WebEnv) -> Flask:
    """The same view over the same state folder with the page cache switched off."""
    return create_app(env.config, overrides={"SESSION_COOKIE_SECURE": False, "PAGE_CACHE": False})


def page_store(env: WebEnv) -> PageStore:
    with env.app.test_request_context("/"):
        return store_of(env.app.extensions["tracker"].snapshots.get())


def without_token(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', html)


@pytest.mark.parametrize("user", ["inspector", "northshire"])
def test_a_kept_page_is_the_page_rendered_afresh(web_env: WebEnv, user: str) -> None:
    client = signed_in(web_env, user)
    fresh_client = signed_in(WebEnv(web_env.root, web_env.config, uncached(web_env)), user)
    kept = 0
    for path in PAGES:
        first = body(client, path)  # rendered and kept (when it is a 200 page)
        second = body(client, path)  # from the store
        afresh = body(fresh_client, path)
        assert second == first, path
        assert (second[0], without_token(second[1])) == (afresh[0], without_token(afresh[1])), path
        kept += second[0] == 200
    assert kept >= 8 and page_store(web_env).hits == kept


def test_pages_are_kept_and_answered_without_rendering(web_env: WebEnv) -> None:
    client = signed_in(web_env, "inspector")
    store = page_store(web_env)
    client.get("/overdue")
    hits, misses = store.hits, store.misses
    client.get("/overdue")
    client.get("/overdue")
    assert (store.hits, store.misses) == (hits + 2, misses)
    client.get("/overdue?must=should")  # another address: rendered and kept apart
    assert store.misses == misses + 1
    assert len(store.pages) >= 2
    assert store.size == sum(
        len(b) for page in store.pages.values() for b in page.pieces if isinstance(b, bytes)
    )


def test_downloads_errors_and_the_calendar_are_not_kept(web_env: WebEnv) -> None:
    client = signed_in(web_env, "inspector")
    store = page_store(web_env)
    for path in ["/overdue?format=csv", "/boards/Nowhere", "/reviews/NO-SUCH", "/calendar"]:
        client.get(path)
        client.get(path)
    assert store.pages == {}


def test_a_changed_snapshot_is_shown_at_once(web_env: WebEnv) -> None:
    client = signed_in(web_env, "inspector")
    board = "/boards/Northshire%20LSCB"
    for path in (board, "/", "/overdue"):
        client.get(path)
        client.get(path)  # kept
    assert "NS-2023-01" in body(client, board)[1]
    assert "NS-2023-01" in body(client, "/overdue")[1]
    old = page_store(web_env)
    assert old.hits >= 3

    doc = read_snapshot(web_env.config.state_dir)
    assert doc is not None
    doc["reviews"] = [r for r in doc["reviews"] if r["review_id"] != "NS-2023-01"]
    write_snapshot(web_env.config.state_dir, doc)

    assert "NS-2023-01" not in body(client, board)[1]
    assert "NS-2023-01" not in body(client, "/overdue")[1]
    assert page_store(web_env) is not old  # a new snapshot starts an empty store
    fresh_client = signed_in(WebEnv(web_env.root, web_env.config, uncached(web_env)), "inspector")
    for path in (board, "/", "/overdue"):
        assert without_token(body(client, path)[1]) == without_token(body(fresh_client, path)[1])


def test_one_scope_never_sees_a_page_kept_for_another(web_env: WebEnv) -> None:
    national = signed_in(web_env, "inspector")
    local = signed_in(web_env, "northshire")
    pages = ["/", "/overdue", "/due-soon", "/paused", "/problems", "/frameworks"]
    for path in pages:  # the national user's pages are kept first
        assert body(national, path)[0] == 200
        national.get(path)
    assert HIGHLAND in body(national, "/")[1] and "HC-2023-01" in body(national, "/overdue")[1]
    for path in pages:
        status, html = body(local, path)
        assert status == 200
        assert HIGHLAND not in html and "HC-2023-01" not in html, path
        assert "all boards" not in html
    # and the other way round: a local user's page is not the national one
    assert HIGHLAND in body(national, "/")[1]
    # a board or review outside the scope stays hidden even when kept for someone else
    highland = f"/boards/{HIGHLAND.replace(' ', '%20')}"
    assert body(national, highland)[0] == 200 and body(national, highland)[0] == 200
    assert body(national, "/reviews/HC-2023-01")[0] == 200
    assert body(local, highland)[0] == 404
    assert body(local, "/reviews/HC-2023-01")[0] == 404


def test_name_and_sign_out_token_are_each_persons_own(web_env: WebEnv) -> None:
    UserStore(users_path(web_env.config.state_dir)).add(
        "northshire2", PASSWORD, boards=(NORTHSHIRE,)
    )
    first = signed_in(web_env, "northshire")
    second = signed_in(web_env, "northshire2")  # same scope: shares the kept pages
    first_page = body(first, "/overdue")[1]
    second_page = body(second, "/overdue")[1]
    assert page_store(web_env).hits >= 1
    assert "Signed in as <strong>northshire</strong>" in first_page
    assert "Signed in as <strong>northshire2</strong>" in second_page
    assert "northshire</strong>" not in second_page
    token = csrf_from(second_page)
    assert token != csrf_from(first_page)
    # the token on the kept page is this person's own: signing out with it works
    response = second.post("/sign-out", data={"csrf_token": token})
    assert response.status_code == 302
    assert second.get("/overdue").status_code == 302  # signed out: back to sign-in
    assert body(first, "/overdue")[0] == 200


class LaterClock(datetime):
    shift = timedelta(0)

    @classmethod
    def now(cls, tz=None):  # type: ignore[no-untyped-def,override]
        return datetime.now(tz or UTC) + cls.shift


def test_the_out_of_date_warning_is_worked_out_per_request(
    web_env: WebEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = signed_in(web_env, "inspector")
    assert "This data is out of date" not in body(client, "/overdue")[1]
    assert "This data is out of date" not in body(client, "/overdue")[1]  # kept
    monkeypatch.setattr(views, "datetime", LaterClock)
    LaterClock.shift = timedelta(hours=3)  # no refresh for three hours
    assert "This data is out of date" in body(client, "/overdue")[1]
    assert page_store(web_env).hits >= 2


def test_the_store_is_bounded_least_recently_used_first() -> None:
    store = PageStore(max_bytes=100)
    for name in ("a", "b", "c"):
        page, mine = store.claim((name,))
        assert page is None and mine
        store.release((name,), Page((name.encode() * 40,)))
    assert list(store.pages) == [("b",), ("c",)] and store.size == 80
    assert store.claim(("b",)) == (Page((b"b" * 40,)), False)  # b is now the most recent
    page, mine = store.claim(("d",))
    store.release(("d",), Page((b"d" * 20, "account", b"d" * 20)))
    assert list(store.pages) == [("b",), ("d",)]
    page, mine = store.claim(("huge",))
    store.release(("huge",), Page((b"x" * 101,)))  # larger than the whole store: not kept
    assert ("huge",) not in store.pages and store.size == 80


def test_concurrent_misses_render_a_page_once() -> None:
    store = PageStore()
    page, mine = store.claim(("p",))
    assert page is None and mine  # this caller renders
    got: list[tuple[Page | None, bool]] = []
    waiting = [threading.Thread(target=lambda: got.append(store.claim(("p",)))) for _ in range(5)]
    for t in waiting:
        t.start()
    store.release(("p",), Page((b"<html>",)))
    for t in waiting:
        t.join(timeout=30)
    assert got == [(Page((b"<html>",)), False)] * 5
    assert store.misses == 1


def test_a_failed_render_lets_the_next_caller_render() -> None:
    store = PageStore()
    assert store.claim(("p",)) == (None, True)
    got: list[tuple[Page | None, bool]] = []
    waiter = threading.Thread(target=lambda: got.append(store.claim(("p",))))
    waiter.start()
    store.release(("p",), None)  # the first render failed: nothing kept
    waiter.join(timeout=30)
    assert got == [(None, True)]
    assert store.pages == {}


def test_board_order_is_worked_out_once_as_before(web_env: WebEnv) -> None:
    """The board page's order (worst first, then id) comes from the snapshot's sorted lists."""
    client = signed_in(web_env, "inspector")
    html = body(client, "/boards/Northshire%20LSCB")[1]
    ids = re.findall(r'href="/reviews/([^"]+)"', html)
    snap = web_env.app.extensions["tracker"].snapshots.get()
    reviews = [r for r in snap.reviews if r.board == NORTHSHIRE]
    reviews.sort(
        key=lambda r: (STATUS_ORDER.index(r.worst) if r.worst in STATUS_ORDER else -1, r.review_id)
    )
    assert ids == [quote(r.key, safe="") for r in reviews] and len(ids) == 5
    assert snap.board_reviews(NORTHSHIRE) is snap.board_reviews(NORTHSHIRE)  # sorted once
    assert [r.count("overdue") for r in reviews] == [
        sum(s.get("status") == "overdue" for s in r.stages) for r in reviews
    ]


def test_others_keep_the_last_snapshot_while_a_new_one_loads(web_env: WebEnv) -> None:
    """Loading a 10,000-review file takes seconds: one request loads it, the rest do not queue."""
    client = signed_in(web_env, "inspector")
    board = "/boards/Northshire%20LSCB"
    assert "NS-2023-01" in body(client, board)[1]
    doc = read_snapshot(web_env.config.state_dir)
    assert doc is not None
    doc["reviews"] = [r for r in doc["reviews"] if r["review_id"] != "NS-2023-01"]
    loading = web_env.app.extensions["tracker"].snapshots._lock  # as while a request loads
    answers: list[tuple[int, str]] = []
    with loading:
        write_snapshot(web_env.config.state_dir, doc)
        other = threading.Thread(target=lambda: answers.append(body(client, board)))
        other.start()
        other.join(timeout=60)
        assert not other.is_alive(), "a request queued behind the load"
    assert answers[0][0] == 200 and "NS-2023-01" in answers[0][1]  # the last good snapshot
    assert "NS-2023-01" not in body(client, board)[1]  # and the new one once loaded


def test_a_new_page_is_kept_with_its_own_headers(
    web_env: WebEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page added later (another blueprint made cacheable) is kept as its view made it."""
    extra = Blueprint("extra", __name__)

    @extra.get("/extra")
    def page() -> Response:
        html = render_template_string(
            '{% extends "base.html" %}{% block content %}<p>{{ n }}</p>{% endblock %}',
            n=len(views.snapshot().reviews),
        )
        return Response(html, headers={"Link": "</overdue>; rel=next", "X-Page": "extra"})

    web_env.app.register_blueprint(extra)
    monkeypatch.setattr(cache, "CACHED_BLUEPRINTS", frozenset({"pages", "extra"}))
    client = signed_in(web_env, "inspector")
    first, second = client.get("/extra"), client.get("/extra")
    assert page_store(web_env).hits == 1
    for r in (first, second):
        assert r.headers["Link"] == "</overdue>; rel=next" and r.headers["X-Page"] == "extra"
        assert r.headers["Content-Type"] == "text/html; charset=utf-8"
        assert r.headers["Cache-Control"] == "no-store"  # the view's own hooks still run
        assert "Signed in as <strong>inspector</strong>" in r.get_data(as_text=True)
    assert first.get_data() == second.get_data()


@pytest.mark.parametrize("user", ["inspector", "northshire"])
def test_every_kept_page_without_arguments_is_the_page_rendered_afresh(
    web_env: WebEnv, user: str
) -> None:
    """Every page route of the kept blueprints, pages added later included."""
    paths = sorted(
        rule.rule
        for rule in web_env.app.url_map.iter_rules()
        if rule.endpoint.partition(".")[0] in cache.CACHED_BLUEPRINTS
        and rule.endpoint not in cache.UNCACHED
        and not rule.arguments
        and "GET" in (rule.methods or ())
    )
    assert {"/", "/overdue", "/due-soon", "/paused", "/problems", "/frameworks"} <= set(paths)
    client = signed_in(web_env, user)
    fresh_client = signed_in(WebEnv(web_env.root, web_env.config, uncached(web_env)), user)
    for path in paths:
        first, second, afresh = body(client, path), body(client, path), body(fresh_client, path)
        assert first == second, path
        assert (second[0], without_token(second[1])) == (afresh[0], without_token(afresh[1])), path
