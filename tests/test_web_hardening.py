"""The web view's smaller holes: non-ASCII download names, HEAD, snapshots of the wrong shape,
HSTS, and the client address behind a reverse proxy (``[web] trusted_proxies``)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.web_fixtures import (
    AS_OF,
    PASSWORD,
    WebEnv,
    csrf_from,
    fresh_env,
    make_config,
    signed_in,
)
from tracker.access.users import UserStore, users_path
from tracker.check import check_config
from tracker.config import load_config
from tracker.output.snapshot import snapshot_path, write_snapshot
from tracker.web.exports import content_disposition

WELSH = "Bwrdd Diogelu Gŵyr"


@pytest.fixture
def web_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WebEnv:
    return fresh_env(tmp_path, monkeypatch)


def _env_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: str = "", **kw: Any
) -> WebEnv:
    """The fixture's two boards, the first renamed ``name`` and ``extra`` added to the config."""
    from tracker.web import create_app

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    make_config(tmp_path)
    toml = tmp_path / "tracker.toml"
    text = toml.read_text(encoding="utf-8").replace("Northshire LSCB", kw.get("name", WELSH))
    toml.write_text(text + extra, encoding="utf-8")
    config = load_config(toml)
    write_snapshot(config.state_dir, check_config(config, AS_OF).to_json(), now=datetime.now(UTC))
    UserStore(users_path(config.state_dir)).add("inspector", PASSWORD, national=True)
    app = create_app(config, overrides={"SESSION_COOKIE_SECURE": False})
    return WebEnv(tmp_path, config, app)


def test_content_disposition_has_an_ascii_name_and_the_real_one() -> None:
    header = content_disposition("bwrdd-diogelu-gŵyr.csv")
    header.encode("latin-1")  # a header must encode
    assert header == (
        'attachment; filename="bwrdd-diogelu-g_yr.csv"; '
        "filename*=UTF-8''bwrdd-diogelu-g%C5%B5yr.csv"
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_welsh_boards_downloads_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    env = _env_with(tmp_path, monkeypatch)
    client = signed_in(env, "inspector")
    r = client.get(f"/boards/Bwrdd%20Diogelu%20G%C5%B5yr?format={fmt}")
    assert r.status_code == 200
    assert "filename*=UTF-8''bwrdd-diogelu-g%C5%B5yr." + fmt in r.headers["Content-Disposition"]
    if fmt == "xlsx":
        ws = load_workbook(io.BytesIO(r.data)).active
        assert ws is not None and ws.max_row > 1


GET_PAGES = [
    "/",
    "/overdue",
    "/due-soon",
    "/paused",
    "/actions",
    "/problems",
    "/frameworks",
    "/calendar",
    "/trend",
    "/boards/Northshire%20LSCB",
    "/search",
    "/paused",
    "/reviews/NS-2023-01",
    "/api/reviews",
    "/api/actions",
    "/api/problems",
    "/api/frameworks",
    "/api/openapi.json",
]


def test_head_answers_like_get_on_every_page(web_env: WebEnv) -> None:
    anonymous = web_env.client()
    for path in ("/sign-in", "/healthz"):
        assert anonymous.head(path).status_code == 200, path
    client = signed_in(web_env, "inspector")
    for path in GET_PAGES:
        get, head = client.get(path), client.head(path)
        assert (head.status_code, get.status_code) == (200, 200), path
        assert head.data == b""
    # every GET endpoint is among those tried (the feed and static files have their own tests)
    urls = web_env.app.url_map.bind("localhost")
    tried = {urls.match(p.replace("%20", " "))[0] for p in [*GET_PAGES, "/sign-in", "/healthz"]}
    every = {r.endpoint for r in web_env.app.url_map.iter_rules() if "GET" in (r.methods or set())}
    assert every - tried == {"static", "feeds.calendar_ics"}


@pytest.mark.parametrize(
    "content, reason",
    [
        ('{"as_of": "2024-03-01", "reviews": [', "cannot be used"),  # truncated
        ('["not", "a", "snapshot"]', "not an object"),
        ('{"reviews": "none"}', "reviews is not a list"),
        ('{"reviews": [{"stages": 5}]}', "stages is not a list"),
        ('{"reviews": [], "problems": [7]}', "problems[0] is not an object"),
    ],
)
def test_a_snapshot_of_the_wrong_shape_is_kept_out_and_healthz_says_why(
    web_env: WebEnv, content: str, reason: str
) -> None:
    client = signed_in(web_env, "inspector")
    assert "NS-2023-01" in client.get("/api/reviews").get_data(as_text=True)
    snapshot_path(web_env.config.state_dir).write_text(content, encoding="utf-8")
    for path in ("/", "/overdue", "/api/reviews", "/boards/Northshire%20LSCB"):
        assert client.get(path).status_code == 200, path
    assert "NS-2023-01" in client.get("/api/reviews").get_data(as_text=True)  # the last good one
    health = web_env.client().get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["status"] == "error" and reason in health.get_json()["reason"]


def test_a_wrong_shape_snapshot_at_start_gives_503_not_500(web_env: WebEnv) -> None:
    from tracker.web import create_app

    snapshot_path(web_env.config.state_dir).write_text('{"reviews": {}}', encoding="utf-8")
    app = create_app(web_env.config, overrides={"SESSION_COOKIE_SECURE": False})
    env = WebEnv(web_env.root, web_env.config, app)
    assert env.client().get("/healthz").status_code == 503
    assert signed_in(env, "inspector").get("/").status_code == 200


def test_hsts_only_over_https(web_env: WebEnv) -> None:
    plain = web_env.client().get("/sign-in")
    assert "Strict-Transport-Security" not in plain.headers
    secure = web_env.client().get("/sign-in", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def _try(env: WebEnv, name: str, password: str, forwarded: str) -> int:
    """A sign-in through a proxy at 10.0.0.1, for a person at ``forwarded``."""
    client = env.client()
    headers = {"X-Forwarded-For": forwarded, "X-Forwarded-Proto": "https"}
    here = {"REMOTE_ADDR": "10.0.0.1"}
    page = client.get("/sign-in", headers=headers, environ_base=here)
    data = {
        "name": name,
        "password": password,
        "csrf_token": csrf_from(page.get_data(as_text=True)),
    }
    r = client.post("/sign-in", headers=headers, environ_base=here, data=data)
    return r.status_code


def test_behind_one_trusted_proxy_each_person_has_their_own_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _env_with(tmp_path, monkeypatch, "\n[web]\ntrusted_proxies = 1\n", name="Northshire LSCB")
    for i in range(5):
        assert _try(env, f"guess{i}", "wrong password!", "203.0.113.7") == 401
    assert _try(env, "guess9", "wrong password!", "203.0.113.7") == 429  # that person is locked
    assert _try(env, "inspector", PASSWORD, "198.51.100.2") == 302  # everyone else is not
    secure = env.client().get(
        "/sign-in", headers={"X-Forwarded-Proto": "https"}, environ_base={"REMOTE_ADDR": "10.0.0.1"}
    )
    assert "Strict-Transport-Security" in secure.headers


def test_without_trusted_proxies_a_forged_forwarded_for_is_ignored(web_env: WebEnv) -> None:
    for i in range(5):
        assert _try(web_env, f"guess{i}", "wrong password!", f"192.0.2.{i}") == 401
    assert _try(web_env, "guess9", "wrong password!", "192.0.2.200") == 429
    assert (
        "Strict-Transport-Security"
        not in web_env.client().get("/sign-in", headers={"X-Forwarded-Proto": "https"}).headers
    )
