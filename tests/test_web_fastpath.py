"""Kept pages answered in front of Flask (tracker.web.fastpath).

The answer must be Flask's answer, status, headers in order and body, for the same request; and
everything Flask would refuse must still be refused: a signed-out, removed, changed, idle or too
old session gets the sign-in page, not the kept page. Real workbooks, the real core, the real app
through Flask's test client (which calls the whole WSGI app, this layer included).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask, request_started
from flask.testing import FlaskClient
from werkzeug.test import Client

from tests.test_web_cache import PAGES
from tests.web_fixtures import NORTHSHIRE, PASSWORD, WebEnv, csrf_from, fresh_env, signed_in
from tracker.access.sessions import SessionStore
from tracker.access.users import UserStore, users_path
from tracker.cli import main
from tracker.web import cache, create_app
from tracker.web.cache import store_of
from tracker.web.fastpath import KeptPages

COOKIE = "tracker_session"


@pytest.fixture
def web_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WebEnv:
    return fresh_env(tmp_path, monkeypatch)


@contextmanager
def flask_requests(app: Flask) -> Iterator[list[str]]:
    """The paths Flask itself handled meanwhile (its ``request_started`` signal)."""
    seen: list[str] = []

    def started(_sender: Flask, **_: Any) -> None:
        from flask import request

        seen.append(request.path)

    request_started.connect(started, app)
    try:
        yield seen
    finally:
        request_started.disconnect(started, app)


def answer(client: FlaskClient | Client, path: str) -> tuple[int, list[tuple[str, str]], bytes]:
    r = client.get(path)
    return r.status_code, list(r.headers.items()), r.get_data()


def flask_only(env: WebEnv, signed: FlaskClient) -> Client:
    """A client of the same app without the layer in front, carrying the same session."""
    layer = env.app.wsgi_app
    assert isinstance(layer, KeptPages)
    client = Client(layer.inner)
    cookie = signed.get_cookie(COOKIE)
    assert cookie is not None
    client.set_cookie(COOKIE, cookie.value)
    return client


def kept(env: WebEnv, client: FlaskClient, path: str) -> str:
    """Ask twice (rendered and kept, then answered in front of Flask); the page's HTML."""
    client.get(path)
    with flask_requests(env.app) as seen:
        r = client.get(path)
    assert r.status_code == 200 and seen == [], f"{path} was not answered in front of Flask"
    return r.get_data(as_text=True)


@pytest.mark.parametrize("user", ["inspector", "northshire"])
def test_a_kept_page_is_flasks_own_answer_headers_and_all(web_env: WebEnv, user: str) -> None:
    client = signed_in(web_env, user)
    behind = flask_only(web_env, client)
    fast = 0
    api = ["/api/reviews", "/api/reviews?limit=2&offset=1", "/api/problems", "/api/frameworks"]
    for path in [*PAGES, "/search?q=NS", "/trend", "/actions", *api]:
        client.get(path)  # rendered and kept (a 200 page)
        with flask_requests(web_env.app) as seen:
            mine = answer(client, path)
        flasks = answer(behind, path)
        assert mine == flasks, path
        fast += seen == []
        if mine[0] == 200:
            assert seen == [], path
            assert ("Vary", "Cookie") in mine[1] and ("Cache-Control", "no-store") in mine[1]
    assert fast >= 14


def test_over_https_the_kept_page_has_hsts_as_from_flask(web_env: WebEnv) -> None:
    client = signed_in(web_env, "inspector")
    client.get("/overdue")
    secure = {"base_url": "https://localhost"}
    r = client.get("/overdue", **secure)  # type: ignore[arg-type]
    behind = flask_only(web_env, client).get("/overdue", **secure)
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert list(r.headers.items()) == list(behind.headers.items())
    assert r.get_data() == behind.get_data()


def _sign_out(env: WebEnv, client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert client.post("/sign-out", data={"csrf_token": csrf_from(page)}).status_code == 302


def _remove(env: WebEnv, _client: FlaskClient) -> None:
    config = str(env.root / "tracker.toml")
    result = CliRunner().invoke(main, ["user", "remove", "northshire", "--config", config])
    assert result.exit_code == 0, result.output


def _replace_behind_its_back(env: WebEnv, _client: FlaskClient) -> None:
    store = UserStore(users_path(env.config.state_dir))
    store.remove("northshire")
    store.add("northshire", PASSWORD, boards=(NORTHSHIRE,))  # same scope, new password


def _clock(env: WebEnv) -> list[float]:
    store: SessionStore = env.app.extensions["tracker"].sessions
    now = [1_800_000_000.0]
    store.clock = lambda: now[0]
    return now


@pytest.mark.parametrize(
    "end",
    [_sign_out, _remove, _replace_behind_its_back],
    ids=["sign-out", "user-remove", "user-replaced"],
)
def test_an_ended_session_never_gets_a_kept_page(
    web_env: WebEnv, end: Callable[[WebEnv, FlaskClient], None]
) -> None:
    client = signed_in(web_env, "northshire")
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    assert "Signed in as <strong>northshire</strong>" in kept(web_env, client, "/overdue")
    end(web_env, client)
    replay = web_env.client()
    replay.set_cookie(COOKIE, cookie.value)  # the old cookie, sent again
    r = replay.get("/overdue")
    assert r.status_code == 302 and "/sign-in" in r.headers["Location"]


def test_the_idle_time_and_the_lifetime_hold_for_kept_pages(web_env: WebEnv) -> None:
    now = _clock(web_env)
    client = signed_in(web_env, "inspector")
    kept(web_env, client, "/overdue")
    now[0] += 29 * 60
    kept(web_env, client, "/overdue")  # within 30 minutes: still in, and the idle clock restarts
    now[0] += 31 * 60
    assert client.get("/overdue").status_code == 302  # idle too long
    busy = signed_in(web_env, "inspector")
    for _ in range(47):  # a page every 10 minutes for 7 h 50 min
        now[0] += 10 * 60
        assert busy.get("/overdue").status_code == 200
    now[0] += 10 * 60
    assert busy.get("/overdue").status_code == 302  # 8 hours: over, however busy


def test_head_tokens_and_misses_are_flasks(web_env: WebEnv) -> None:
    client = signed_in(web_env, "inspector")
    kept(web_env, client, "/overdue")
    with flask_requests(web_env.app) as seen:
        assert client.head("/overdue").status_code == 200
        assert client.get("/overdue", headers={"Authorization": "Bearer x"}).status_code == 200
        assert client.get("/due-soon").status_code == 200  # not kept yet
        assert client.get("/api/reviews").status_code == 200
        assert web_env.client().get("/overdue").status_code == 302  # no session
    assert seen == ["/overdue", "/overdue", "/due-soon", "/api/reviews", "/overdue"]


def test_a_session_is_read_once_when_flask_answers(
    web_env: WebEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = signed_in(web_env, "inspector")
    store: SessionStore = web_env.app.extensions["tracker"].sessions
    reads: list[str] = []
    load = store.load

    def counted(sid: str) -> Any:
        reads.append(sid)
        return load(sid)

    monkeypatch.setattr(store, "load", counted)
    for path in ("/api/reviews", "/due-soon", "/due-soon"):
        reads.clear()
        assert client.get(path).status_code == 200
        assert len(reads) == 1, path


def test_the_search_box_shows_the_query_on_the_search_page_only(web_env: WebEnv) -> None:
    client = signed_in(web_env, "inspector")
    assert 'name="q" type="search" spellcheck="false" autocomplete="off" value="NS-20"' in kept(
        web_env, client, "/search?q=NS-20"
    )
    assert 'autocomplete="off" value=""' in kept(web_env, client, "/overdue?q=NS-20")


def test_each_persons_part_is_rendered_once_a_snapshot(web_env: WebEnv) -> None:
    first, second = signed_in(web_env, "inspector"), signed_in(web_env, "northshire")
    for path in ("/", "/overdue", "/due-soon", "/problems"):
        for client in (first, second):
            client.get(path)
            client.get(path)
    with web_env.app.test_request_context("/"):
        store = store_of(web_env.app.extensions["tracker"].snapshots.get())
    accounts = [key for key in store.parts if key[0] == "account" and key[1] is not None]
    assert sorted(key[1].name for key in accounts) == ["inspector", "northshire"]
    assert len({key[2] for key in accounts}) == 2  # each with their own sign-out token


def test_without_the_page_cache_every_page_is_flasks(web_env: WebEnv) -> None:
    app = create_app(
        web_env.config, overrides={"SESSION_COOKIE_SECURE": False, "PAGE_CACHE": False}
    )
    client = signed_in(WebEnv(web_env.root, web_env.config, app), "inspector")
    with flask_requests(app) as seen:
        client.get("/overdue")
        client.get("/overdue")
    assert seen == ["/overdue", "/overdue"]


def test_the_apis_json_is_kept_whole_up_to_a_size(
    web_env: WebEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = signed_in(web_env, "northshire")
    small, large = "/api/reviews?limit=1", "/api/reviews"
    client.get(small)
    monkeypatch.setattr(cache, "MAX_JSON_BYTES", len(client.get(small).get_data()))
    client.get(large)
    with flask_requests(web_env.app) as seen:
        one = client.get(small).get_json()
        every = client.get(large).get_json()
    assert seen == [large]  # larger than the bound: not kept, Flask answers every time
    assert len(one["reviews"]) == 1 and one["total"] == len(every["reviews"]) == 5
    assert {r["board"] for r in every["reviews"]} == {NORTHSHIRE}  # the scope's own
