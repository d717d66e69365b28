"""Every route through Flask's test client, both access levels, scoping, 405s and headers."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from tests.test_web_security import Clock
from tests.web_fixtures import (
    HIGHLAND,
    NORTHSHIRE,
    NOTE,
    PASSWORD,
    WebEnv,
    csrf_from,
    fresh_env,
    make_env,
    sign_in,
    signed_in,
)
from tracker.output.snapshot import read_snapshot, write_snapshot
from tracker.web.security import SignInLimiter


@pytest.fixture
def web_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WebEnv:
    return fresh_env(tmp_path, monkeypatch)


PAGES = [
    "/",
    "/overdue",
    "/due-soon",
    "/actions",
    "/problems",
    "/frameworks",
    "/calendar",
    "/trend",
    "/boards/Northshire%20LSCB",
    "/reviews/NS-2023-01",
    "/reviews/NS%2F2023%2F02",
]
API = ["/api/reviews", "/api/actions", "/api/problems", "/api/frameworks", "/api/openapi.json"]


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def test_healthz_needs_no_sign_in(web_env: WebEnv) -> None:
    r = web_env.client().get("/healthz")
    assert r.status_code == 200
    assert r.json == {"status": "ok", "snapshot": r.json["snapshot"], "stale": False}
    assert r.json["snapshot"] is not None


@pytest.mark.parametrize("path", PAGES)
def test_pages_redirect_to_sign_in(web_env: WebEnv, path: str) -> None:
    r = web_env.client().get(path)
    assert r.status_code == 302
    assert r.headers["Location"].startswith("/sign-in?next=")


@pytest.mark.parametrize("path", [*API, "/api/reviews?format=csv"])
def test_api_answers_401_without_sign_in(web_env: WebEnv, path: str) -> None:
    r = web_env.client().get(path)
    assert r.status_code == 401
    assert r.json == {"error": "sign in required"}


@pytest.mark.parametrize("path", PAGES + API)
@pytest.mark.parametrize("user", ["inspector", "northshire"])
def test_every_route_for_both_access_levels(web_env: WebEnv, path: str, user: str) -> None:
    client = signed_in(web_env, user)
    r = client.get(path)
    assert r.status_code == 200, (path, r.status_code)
    body = text(r)
    assert NOTE not in body
    if r.mimetype == "text/html":
        assert "Data as of" in body and "1 March 2024" in body
        assert "out of date" not in body
    if user == "northshire" and path not in ("/frameworks", "/api/frameworks", "/api/openapi.json"):
        assert HIGHLAND not in body and "HC-2023-01" not in body


def test_overview_counts_come_from_the_core(web_env: WebEnv) -> None:
    body = text(signed_in(web_env, "inspector").get("/"))
    assert "6</strong> overdue stages" in body
    plain = " ".join(re.sub(r"<[^>]+>", " ", body).split())
    assert "6 overdue stages ( 0 must , 5 should , 1 local )" in plain
    assert NORTHSHIRE in body and HIGHLAND in body
    # one ranking: no overdue must-stage, three overdue each, Northshire's oldest is the older
    assert body.index(f'data-board="{NORTHSHIRE}"') < body.index(f'data-board="{HIGHLAND}"')
    # musts, shoulds and local timescales apart: Northshire met 3 of its 7 should deadlines,
    # and has no must deadlines (said so, never "none yet")
    assert (
        "Northshire LSCB Serious case review (Working Together 2015) England 5 1 cannot assess"
        " 0 3 414 1 0 3 0 3 no such deadlines 43% (3 of 7) no such deadlines 5" in plain
    )
    assert "Highland Child Protection Committee Significant case review" in plain
    assert " Scotland 2 0 3 175 " in plain
    assert "none yet" not in body


def _overdue_review(rid: str, board: str, framework: str, stages: list[tuple[bool, int]]) -> dict:
    """A review as the check JSON has it, with these (must, days overdue) overdue stages."""
    return {
        "review_id": rid,
        "board": board,
        "framework": framework,
        "source": f"{board}.xlsx",
        "sheet": "Reviews",
        "row": 2,
        "assessable": True,
        "stages": [
            {
                "id": f"stage_{i}",
                "label": f"Stage {i}",
                "status": "overdue",
                "must": must,
                "days_late": days,
                "latest": "2024-01-02",
                "basis": "statutory guidance",
            }
            for i, (must, days) in enumerate(stages)
        ],
    }


def test_overview_ranks_boards_across_nations_by_overdue_must_stages(web_env: WebEnv) -> None:
    """Overdue must-stages first, then all overdue, then the longest overdue: never by nation."""
    doc = {
        "as_of": "2024-03-01",
        "reviews": [
            # England: five overdue stages, the longest overdue, but only one is a must
            _overdue_review("W-1", "Westmere", "england-scr", [(True, 300)] + [(False, 200)] * 4),
            # Scotland: two overdue must-stages
            _overdue_review("E-1", "Eastmarch", "scotland-scr", [(True, 10), (True, 5)]),
            # Wales: no must-stage overdue, two overdue each; the longer overdue first
            _overdue_review("S-1", "Southfold", "wales-cpr", [(False, 20), (False, 3)]),
            _overdue_review("N-1", "Northfold", "wales-cpr", [(False, 50), (False, 3)]),
            # England again: nothing overdue
            {**_overdue_review("A-1", "Ashby", "england-scr", []), "row": 3},
            # a second framework at Westmere: one more overdue should-stage
            {**_overdue_review("W-2", "Westmere", "england-lcspr", [(False, 30)]), "row": 4},
        ],
        "problems": [],
    }
    # the config says which board each source belongs to (a cell never does)
    from tracker.access.users import UserStore, users_path
    from tracker.config import load_config
    from tracker.web import create_app

    nations = {"Westmere": "england", "Eastmarch": "scotland", "Southfold": "wales"}
    nations |= {"Northfold": "wales", "Ashby": "england"}
    root = web_env.root / "ranking"
    root.mkdir()
    (root / "tracker.toml").write_text(
        f'state_dir = "{root / "var"}"\n\n'
        + "".join(
            f'[[boards]]\nname = "{b}"\nnation = "{n}"\nsources = ["{b}.xlsx"]\n\n'
            for b, n in nations.items()
        ),
        encoding="utf-8",
    )
    config = load_config(root / "tracker.toml")
    owner = {b.name: s for s, b in config.source_boards()}
    for review in doc["reviews"]:
        review["source"] = owner[review["board"]]
    write_snapshot(config.state_dir, doc)
    UserStore(users_path(config.state_dir)).add("inspector", PASSWORD, national=True)
    app = create_app(config, overrides={"SESSION_COOKIE_SECURE": False})
    client = signed_in(WebEnv(root, config, app), "inspector")
    body = text(client.get("/"))
    order = [b for b in ["Eastmarch", "Westmere", "Northfold", "Southfold", "Ashby"]]
    positions = [body.index(f'data-board="{b}"') for b in order]
    assert positions == sorted(positions), positions
    # each count links to the list it counts
    assert '/overdue?board=Eastmarch&amp;must=must">2</a>' in body
    assert '/overdue?board=Westmere">6</a>' in body
    assert '/overdue?board=Northfold">50</a>' in body
    # a board with two frameworks has a row for each, whose counts link to its reviews alone
    assert '/overdue?board=Westmere&amp;framework=england-lcspr">1</a>' in body
    assert '/boards/Westmere?framework=england-lcspr">1</a>' in body
    lcspr = text(client.get("/boards/Westmere?framework=england-lcspr"))
    assert "W-2" in lcspr and "W-1" not in lcspr
    assert "1 review under Local child safeguarding practice review" in lcspr
    assert "(of 2)" in lcspr
    # nation is a filter, and the ranking holds within it
    welsh = text(client.get("/?nation=wales"))
    assert 'data-board="Eastmarch"' not in welsh and 'data-board="Westmere"' not in welsh
    assert welsh.index('data-board="Northfold"') < welsh.index('data-board="Southfold"')


def test_board_page_filters_by_status(web_env: WebEnv) -> None:
    client = signed_in(web_env, "inspector")
    board = "/boards/" + quote(NORTHSHIRE)
    everything = text(client.get(board))
    assert "NS-2023-04" in everything and "NS/2023/02" in everything
    late = text(client.get(board + "?status=late"))
    assert "NS-2023-04" in late and "NS/2023/02" not in late
    assert "with a stage late (of 5)" in late
    assert client.get(board + "?status=nonsense").status_code == 400


def test_board_scoping(web_env: WebEnv) -> None:
    client = signed_in(web_env, "northshire")
    assert client.get("/reviews/HC-2023-01").status_code == 404
    assert client.get("/boards/Highland%20Child%20Protection%20Committee").status_code == 404
    ids = {r["review_id"] for r in client.get("/api/reviews").json["reviews"]}
    assert ids == {"NS-2023-01", "NS/2023/02", "NS-2024-03", "NS-2023-04", "NS-2023-05"}
    overdue = text(client.get("/overdue?format=csv"))
    assert "NS/2023/02" in overdue and "HC-2023-01" not in overdue
    national = signed_in(web_env, "inspector")
    all_ids = {r["review_id"] for r in national.get("/api/reviews").json["reviews"]}
    assert {"HC-2023-01", "HC-2024-02"} <= all_ids
    assert national.get("/reviews/HC-2023-01").status_code == 200


def test_overdue_filters(web_env: WebEnv) -> None:
    client = signed_in(web_env, "inspector")
    everything = text(client.get("/overdue"))
    assert "HC-2023-01" in everything and "NS/2023/02" in everything
    scottish = text(client.get("/overdue?nation=scotland"))
    assert "HC-2023-01" in scottish and "NS/2023/02" not in scottish
    local = text(client.get("/overdue?basis=local+override"))
    assert "HC-2023-01" in local and "NS-2023-01" not in local
    should = text(client.get("/overdue?must=must"))
    assert "0 stages match" in should
    soon = text(client.get("/due-soon"))
    assert "NS-2024-03" in soon and "12 March 2024" in soon


def test_review_timeline_shows_rules_and_svg(web_env: WebEnv) -> None:
    body = text(signed_in(web_env, "inspector").get("/reviews/NS-2023-01"))
    # drawn twice: labels beside the bars, and above them for phones (the CSS shows one)
    assert '<svg class="tracker-timeline__svg tracker-timeline__svg--wide"' in body
    assert '<svg class="tracker-timeline__svg tracker-timeline__svg--narrow"' in body
    assert 'class="tl-row tl-overdue"' in body and "<circle" in body
    assert "within 1 month after Date notified to LSCB" in body
    assert "Statutory guidance, should; confirmed." in body
    assert 'href="https://example.org/reports/ns-2023-01"' in body
    local = text(signed_in(web_env, "inspector").get("/reviews/HC-2023-01"))
    assert "within 20 working days after Date notified to CPC" in local
    assert "Local override by Highland Child Protection Committee" in local
    assert "<del>within 1 month after Date notified to CPC</del>" in local


def test_review_page_with_ambiguous_ids_uses_source_sheet_row(web_env: WebEnv) -> None:
    doc = read_snapshot(web_env.config.state_dir)
    assert doc is not None
    twin = json.loads(json.dumps(doc["reviews"][0]))
    twin["row"] = 99
    doc["reviews"].append(twin)
    write_snapshot(web_env.config.state_dir, doc)
    client = signed_in(web_env, "inspector")
    assert client.get("/reviews/NS-2023-01").status_code == 404
    key = "northshire.xlsx-England SCR-99"
    r = client.get("/reviews/northshire.xlsx-England%20SCR-99")
    assert r.status_code == 200, key
    assert "row 99" in text(r)


def test_script_in_a_review_id_is_escaped(web_env: WebEnv) -> None:
    doc = read_snapshot(web_env.config.state_dir)
    assert doc is not None
    doc["reviews"][0]["review_id"] = "<script>alert(1)</script>"
    write_snapshot(web_env.config.state_dir, doc)
    client = signed_in(web_env, "inspector")
    for path in [
        "/boards/Northshire%20LSCB",
        "/reviews/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/overdue",
    ]:
        body = text(client.get(path))
        assert "<script>alert(1)</script>" not in body, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, path
    board = text(client.get("/boards/Northshire%20LSCB"))
    assert 'href="/reviews/%3Cscript%3Ealert%281%29%3C%2Fscript%3E"' in board


def test_notes_never_leave_the_snapshot(web_env: WebEnv) -> None:
    doc = read_snapshot(web_env.config.state_dir)
    assert doc is not None
    doc["reviews"][0]["notes"] = NOTE
    doc["reviews"][0]["stages"][0]["notes"] = NOTE
    doc["problems"].append(
        {
            "source": "northshire.xlsx",
            "sheet": "England SCR",
            "cell": "E2",
            "row": 2,
            "column": "Notes",
            "review_id": "NS-2023-01",
            "value": NOTE,
            "type": "too-long",
            "severity": "warning",
            "message": f"{NOTE} is too long",
        }
    )
    write_snapshot(web_env.config.state_dir, doc)
    client = signed_in(web_env, "inspector")
    token = web_env.app.extensions["tracker"].users.get("inspector").calendar_token
    paths = [
        *PAGES,
        *API,
        "/problems?format=csv",
        "/overdue?format=csv",
        "/api/reviews?format=csv",
        "/api/problems?format=csv",
        f"/calendar.ics?token={token}",
    ]
    for path in paths:
        assert NOTE not in text(client.get(path)), path
    problems = client.get("/api/problems").json["problems"]
    note_problem = [p for p in problems if p["column"] == "Notes"][0]
    assert note_problem["value"] is None and note_problem["cell"] == "E2"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
@pytest.mark.parametrize(
    "path", ["/", "/overdue", "/api/reviews", "/reviews/NS-2023-01", "/nowhere", "/healthz"]
)
def test_writes_are_405(web_env: WebEnv, method: str, path: str) -> None:
    client = signed_in(web_env, "inspector")
    r = client.open(path, method=method)
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, HEAD"


def test_head_is_allowed(web_env: WebEnv) -> None:
    assert signed_in(web_env, "inspector").head("/").status_code == 200


@pytest.mark.parametrize("path", ["/sign-in", "/", "/healthz", "/api/reviews", "/nowhere"])
def test_security_headers(web_env: WebEnv, path: str) -> None:
    r = signed_in(web_env, "inspector").get(path)
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["Cache-Control"] == "no-store"


def test_no_inline_script_or_style_in_pages(web_env: WebEnv) -> None:
    client = signed_in(web_env, "inspector")
    for path in PAGES:
        body = text(client.get(path))
        assert "<script" not in body and "<style" not in body and " style=" not in body, path


def test_session_cookie_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = make_env(tmp_path, SESSION_COOKIE_SECURE=True)
    client = env.client()
    page = client.get("/sign-in", base_url="https://localhost")
    r = client.post(
        "/sign-in",
        base_url="https://localhost",
        data={"name": "inspector", "password": PASSWORD, "csrf_token": csrf_from(text(page))},
    )
    assert r.status_code == 302
    cookie = r.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_sign_in_needs_csrf_token(web_env: WebEnv) -> None:
    client = web_env.client()
    client.get("/sign-in")
    r = client.post("/sign-in", data={"name": "inspector", "password": PASSWORD})
    assert r.status_code == 400
    r = client.post(
        "/sign-in", data={"name": "inspector", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert r.status_code == 400
    assert client.get("/").status_code == 302


def test_wrong_password_then_rate_limit(web_env: WebEnv) -> None:
    clock = Clock()
    web_env.app.extensions["tracker"].limiter = SignInLimiter(clock=clock)
    client = web_env.client()
    for i in range(5):
        clock.now += 10 if i else 0  # slower than the name's growing delay
        r = sign_in(client, "inspector", "wrong password!")
        assert r.status_code == 401
        assert "Enter a correct user name and password" in text(r)
    r = sign_in(client, "inspector", PASSWORD)
    assert r.status_code == 429 and r.mimetype == "text/html"
    assert "Too many failed attempts" in text(r)
    # the name is slowed down, not locked: from another address its owner waits seconds
    other = web_env.app.test_client()
    here = {"REMOTE_ADDR": "127.0.0.9"}

    def owner_signs_in() -> Any:
        page = other.get("/sign-in", environ_base=here)
        data = {"name": "inspector", "password": PASSWORD, "csrf_token": csrf_from(text(page))}
        return other.post("/sign-in", environ_base=here, data=data)

    r = owner_signs_in()
    assert r.status_code == 429 and int(r.headers["Retry-After"]) <= 5
    assert "seconds" in text(r)
    clock.now += 5
    assert owner_signs_in().status_code == 302
    # but the address that failed five times is locked out, whatever name it tries
    assert sign_in(client, "northshire", PASSWORD).status_code == 429


def test_unknown_user_is_refused_like_a_wrong_password(web_env: WebEnv) -> None:
    r = sign_in(web_env.client(), "nobody", PASSWORD)
    assert r.status_code == 401
    assert "Enter a correct user name and password" in text(r)


def test_open_redirect_is_refused(web_env: WebEnv) -> None:
    client = web_env.client()
    page = client.get("/sign-in?next=//evil.example/")
    r = client.post(
        "/sign-in",
        data={
            "name": "inspector",
            "password": PASSWORD,
            "next": "https://evil.example/",
            "csrf_token": csrf_from(text(page)),
        },
    )
    assert r.headers["Location"] == "/"


def test_sign_out(web_env: WebEnv) -> None:
    client = signed_in(web_env, "inspector")
    token = csrf_from(text(client.get("/")))
    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_removed_user_loses_access_at_once(web_env: WebEnv) -> None:
    client = signed_in(web_env, "northshire")
    assert client.get("/").status_code == 200
    web_env.app.extensions["tracker"].users.remove("northshire")
    assert client.get("/").status_code == 302


def test_stale_and_missing_snapshot_warnings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = make_env(tmp_path, now=datetime.now(UTC) - timedelta(hours=3))
    client = signed_in(env, "inspector")
    assert "This data is out of date" in text(client.get("/"))
    assert client.get("/healthz").json["stale"] is True
    (env.config.state_dir / "snapshot.json").unlink()
    body = text(client.get("/"))
    assert "No data yet" in body and "has not produced any results yet" in body


def test_snapshot_is_reloaded_when_the_file_changes(web_env: WebEnv) -> None:
    client = signed_in(web_env, "inspector")
    assert "NS-2023-01" in text(client.get("/boards/Northshire%20LSCB"))
    doc = read_snapshot(web_env.config.state_dir)
    assert doc is not None
    doc["reviews"] = [r for r in doc["reviews"] if r["review_id"] != "NS-2023-01"]
    write_snapshot(web_env.config.state_dir, doc)
    assert "NS-2023-01" not in text(client.get("/boards/Northshire%20LSCB"))


def test_corrupt_snapshot_keeps_the_last_good_one(web_env: WebEnv) -> None:
    client = signed_in(web_env, "inspector")
    assert "NS-2023-01" in text(client.get("/boards/Northshire%20LSCB"))
    (web_env.config.state_dir / "snapshot.json").write_text("{not json", encoding="utf-8")
    assert "NS-2023-01" in text(client.get("/boards/Northshire%20LSCB"))


def test_csv_and_xlsx_downloads(web_env: WebEnv) -> None:
    client = signed_in(web_env, "inspector")
    for path in [
        "/",
        "/overdue",
        "/due-soon",
        "/problems",
        "/boards/Northshire%20LSCB",
        "/api/reviews",
        "/api/problems",
    ]:
        sep = "&" if "?" in path else "?"
        r = client.get(f"{path}{sep}format=csv")
        assert r.status_code == 200 and r.mimetype == "text/csv", path
        rows = list(csv.reader(io.StringIO(text(r).lstrip("\ufeff"))))
        assert len(rows) >= 2, path
        x = client.get(f"{path}{sep}format=xlsx")
        assert '.xlsx"; filename*=' in x.headers["Content-Disposition"], path
        ws = load_workbook(io.BytesIO(x.data)).active
        assert ws is not None and ws.max_row == len(rows), path
    assert client.get("/overdue?format=pdf").status_code == 400


def test_downloads_never_carry_formulas(web_env: WebEnv) -> None:
    doc = read_snapshot(web_env.config.state_dir)
    assert doc is not None
    doc["reviews"][1]["review_id"] = '=HYPERLINK("http://x","y")'
    write_snapshot(web_env.config.state_dir, doc)
    client = signed_in(web_env, "inspector")
    rows = list(csv.reader(io.StringIO(text(client.get("/overdue?format=csv")).lstrip("\ufeff"))))
    assert '\'=HYPERLINK("http://x","y")' in [row[3] for row in rows]
    ws = load_workbook(io.BytesIO(client.get("/overdue?format=xlsx").data)).active
    assert ws is not None
    cells = [c for row in ws.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
    assert cells and all(c.data_type == "s" for c in cells)


def test_api_shapes_match_the_check_json(web_env: WebEnv) -> None:
    client = signed_in(web_env, "inspector")
    doc = read_snapshot(web_env.config.state_dir)
    assert doc is not None
    api = client.get("/api/reviews").json
    assert api["as_of"] == "2024-03-01"
    assert api["reviews"] == doc["reviews"] and api["total"] == len(doc["reviews"])
    page = client.get("/api/reviews?limit=2&offset=1").json
    assert page["reviews"] == doc["reviews"][1:3] and page["total"] == len(doc["reviews"])
    assert client.get("/api/reviews?limit=-1").status_code == 400
    assert client.get("/api/problems").json["problems"] == doc["problems"]
    only = client.get("/api/reviews?status=overdue&nation=scotland").json["reviews"]
    assert [r["review_id"] for r in only] == ["HC-2023-01", "HC-2024-02"]
    frameworks = client.get("/api/frameworks").json
    assert {f["id"] for f in frameworks} >= {"england-scr", "scotland-scr", "wales-cpr"}


def test_openapi_document_lists_every_api_route(web_env: WebEnv) -> None:
    spec = signed_in(web_env, "inspector").get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.1")
    api_rules = {r.rule for r in web_env.app.url_map.iter_rules() if r.rule.startswith("/api/")}
    assert set(spec["paths"]) == api_rules


def test_calendar_feed(web_env: WebEnv) -> None:
    users = web_env.app.extensions["tracker"].users
    client = web_env.client()
    assert client.get("/calendar.ics").status_code == 404
    assert client.get("/calendar.ics?token=" + "x" * 43).status_code == 404
    national = client.get("/calendar.ics?token=" + users.get("inspector").calendar_token)
    assert national.status_code == 200
    assert national.headers["Content-Type"] == "text/calendar; charset=utf-8"
    body = text(national)
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    assert "DTSTART;VALUE=DATE:20240312" in body  # NS-2024-03's decision
    assert "HC-2024-02" in body
    scoped = text(client.get("/calendar.ics?token=" + users.get("northshire").calendar_token))
    assert "NS-2024-03" in scoped and "HC-2024-02" not in scoped
    page = text(signed_in(web_env, "northshire").get("/calendar"))
    assert users.get("northshire").calendar_token in page


def test_plain_css_fallback_without_govuk_frontend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = make_env(tmp_path, GOVUK_FRONTEND=False)
    body = text(signed_in(env, "inspector").get("/"))
    assert "govuk-frontend.min.css" not in body and "tracker-plain" in body
    assert env.client().get("/static/tracker.css").status_code == 200


SAMPLE_BOARDS = [
    ("northshire.xlsx", "Northshire LSCB", "england"),
    ("eastmarch.xlsx", "Eastmarch Safeguarding Partnership", "england"),
    ("westmere.xlsx", "Westmere Regional Safeguarding Board", "wales"),
    ("lowmoor.xlsx", "Lowmoor Safeguarding Panel", "northern-ireland"),
    ("glenmoor.xlsx", "Glenmoor Child Protection Committee", "scotland"),
]


def test_every_page_of_the_sample_workbooks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real sample data, checked by the core, served page by page without an error."""
    from datetime import date

    from tracker.access.users import UserStore, users_path
    from tracker.check import check_config
    from tracker.config import load_config
    from tracker.web import create_app

    samples = Path(__file__).resolve().parent.parent / "sample_workbooks"
    monkeypatch.chdir(tmp_path)
    boards = "".join(
        f'[[boards]]\nname = "{name}"\nnation = "{nation}"\nsources = ["{samples / f}"]\n\n'
        for f, name, nation in SAMPLE_BOARDS
    )
    (tmp_path / "tracker.toml").write_text(f'state_dir = "var"\n\n{boards}', encoding="utf-8")
    config = load_config(tmp_path / "tracker.toml")
    result = check_config(config, date(2025, 3, 31))  # the samples' as-of date
    write_snapshot(config.state_dir, result)
    UserStore(users_path(config.state_dir)).add("panel", PASSWORD, national=True)
    env = WebEnv(tmp_path, config, create_app(config, overrides={"SESSION_COOKIE_SECURE": False}))
    client = signed_in(env, "panel")
    overview = text(client.get("/"))
    for _, name, nation in SAMPLE_BOARDS:
        assert f'data-board="{name}"' in overview
        assert f'<option value="{nation}"' in overview
    reviews = client.get("/api/reviews").json["reviews"]
    assert len(reviews) == len(result.reviews) > 100
    keys = env.app.extensions["tracker"].snapshots.get().by_key
    assert len(keys) == len(reviews)
    for key in keys:
        assert client.get("/reviews/" + quote(key, safe="")).status_code == 200, key
    problems = text(client.get("/problems"))
    assert "31/02/2024" in problems and "03/25/2024" in problems
    for _, name, _ in SAMPLE_BOARDS:
        assert client.get("/boards/" + quote(name, safe="")).status_code == 200


def test_search_by_review_id(web_env: WebEnv) -> None:
    client = signed_in(web_env, "inspector")
    # an exact match (any case, spaces trimmed) opens the review
    r = client.get("/search?q=+ns%2F2023%2F02+")
    assert r.status_code == 302 and r.headers["Location"].endswith("/reviews/NS%2F2023%2F02")
    # a prefix lists every match, in id order
    body = text(client.get("/search?q=NS-2023"))
    assert "3 reviews with an id starting" in body
    assert body.index("NS-2023-01") < body.index("NS-2023-04") < body.index("NS-2023-05")
    assert "NS-2024-03" not in body.split('id="result-count"')[1]
    # only within the user's boards
    assert client.get("/search?q=HC-2023-01").status_code == 302
    local = signed_in(web_env, "northshire")
    assert local.get("/search?q=HC-2023-01").status_code == 200
    assert "0 reviews" in text(local.get("/search?q=HC"))
    # every page carries the search box
    assert 'action="/search"' in text(client.get("/frameworks"))


def test_problems_link_to_their_review(web_env: WebEnv) -> None:
    body = text(signed_in(web_env, "inspector").get("/problems"))
    assert 'href="/reviews/NS-2023-05">NS-2023-05</a>' in body


def test_overdue_list_sorts_by_column(web_env: WebEnv) -> None:
    client = signed_in(web_env, "inspector")

    def ids(query: str) -> list[str]:
        body = text(client.get("/overdue" + query)).split("<tbody")[1]
        return [i for i in ("HC-2023-01", "NS-2023-01", "NS/2023/02") if i in body] and sorted(
            ("HC-2023-01", "NS-2023-01", "NS/2023/02"), key=body.index
        )

    by_days = ids("")
    by_id = ids("?sort=review")
    assert by_id == ["HC-2023-01", "NS-2023-01", "NS/2023/02"]
    assert by_days != by_id  # the default is the longest overdue first
    body = text(client.get("/overdue?sort=review&nation=england"))
    assert 'aria-sort="ascending"' in body and 'name="sort" value="review"' in body
    assert "HC-2023-01" not in body.split("<tbody")[1]
    # an unknown column falls back to the default order
    assert ids("?sort=bogus") == by_days


@pytest.mark.parametrize("path", ["/", "/overdue", "/boards/Northshire%20LSCB", "/search?q=NS"])
def test_pages_name_frameworks_by_title_not_id(web_env: WebEnv, path: str) -> None:
    body = text(signed_in(web_env, "inspector").get(path))
    assert "Serious case review (Working Together 2015)" in body
    assert ">england-scr<" not in body and ">england-scr " not in body
    # the API keeps the id
    api = signed_in(web_env, "inspector").get("/api/reviews").json["reviews"]
    assert {r["framework"] for r in api} >= {"england-scr"}
