"""Deadlines met over time in the web view: overview, board page, /trend, downloads, a real browser.

The web fixtures' Northshire board (England SCR, as of Friday 1 March 2024), counted by hand:

- NS-2023-01: aware Thu 5 Jan 2023 -> notified and Ofsted due Thu 12 Jan 2023 (5 working days);
  notified 10 Jan (met), Ofsted never (not met); decision due 10 Feb 2023 (1 month after
  notified), made 1 Feb (met); SCR completion due 1 Aug 2023 (6 months after the decision), not
  done (not met). Jan to Mar 2023: 2 of 3; Jul to Sep 2023: 0 of 1.
- NS/2023/02: notified 12 Jun 2023 with no aware date (its own stage waits); decision due
  12 Jul 2023, not made: Jul to Sep 2023: 0 of 1.
- NS-2024-03: decision due 12 Mar 2024, after the as-of date: not counted yet.
- NS-2023-04: decision due Sat 1 Apr 2023 (a month after 1 March), made 2 May (not met); "do not
  initiate" told to the panel by 16 May (14 days), told 10 May (met): Apr to Jun 2023: 1 of 2.
- NS-2023-05: an impossible date, cannot be assessed: not counted.

Every one of these is a should: Northshire has no must deadline with a due date.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page

from tests.test_web_browser import axe, browser, page, page_at, served, sign_in  # noqa: F401 (fixtures)
from tests.web_fixtures import (
    ENGLAND_ROWS,
    HIGHLAND,
    NORTHSHIRE,
    PASSWORD,
    WebEnv,
    fresh_env,
    signed_in,
    write_workbook,
)
from tracker.access.users import UserStore, users_path
from tracker.check import check_config
from tracker.config import load_config
from tracker.output.snapshot import write_snapshot
from tracker.output.trend import HEADERS, Quarter, quarterly
from tracker.web.trend import HEIGHT, TOP, chart

NORTHSHIRE_BY_QUARTER = {
    "2023-01-01": "67% (2 of 3)",
    "2023-04-01": "50% (1 of 2)",
    "2023-07-01": "0% (0 of 2)",
    "2023-10-01": "no such deadlines",
    "2024-01-01": "no such deadlines",
}


@pytest.fixture
def web_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WebEnv:
    return fresh_env(tmp_path, monkeypatch)


def _section(html: str) -> str:
    start = html.index('<section class="tracker-trend"')
    return html[start : html.index("</section>", start)]


def _cells(section: str, group: str) -> dict[str, str]:
    """{quarter start: the group's cell text} from the table beside the chart."""
    out = {}
    for quarter, row in re.findall(
        r'<tr class="govuk-table__row" data-quarter="([\d-]+)">(.*?)</tr>', section, re.S
    ):
        cell = re.search(rf'data-group="{group}">(.*?)</td>', row, re.S)
        assert cell, row
        out[quarter] = re.sub(r"<[^>]+>", "", cell.group(1)).strip()
    return out


def test_board_page_shows_the_hand_counted_quarters(web_env: WebEnv) -> None:
    client = signed_in(web_env, "inspector")
    section = _section(client.get("/boards/Northshire%20LSCB").get_data(as_text=True))
    assert _cells(section, "should") == NORTHSHIRE_BY_QUARTER
    assert set(_cells(section, "must").values()) == {"no such deadlines"}
    # the quarter the as-of date falls in is marked as not over
    assert re.search(r"Jan to Mar 2024</span> <span[^>]*>\(to date\)", section)
    assert "Deadlines met on time by quarter, Northshire LSCB" in section
    assert 'role="img"' in section and "<desc" in section
    # no script, no inline style: the CSP stays as it is
    assert "<script" not in section and " style=" not in section


def test_the_overview_sums_every_board_the_user_may_see(web_env: WebEnv) -> None:
    national = _section(signed_in(web_env, "inspector").get("/").get_data(as_text=True))
    assert "Deadlines met on time by quarter, all boards" in national
    # Highland's HC-2023-01 (notified 1 Sep 2023) adds its overdue deadlines to July to September
    should = _cells(national, "should")
    assert should["2023-04-01"] == NORTHSHIRE_BY_QUARTER["2023-04-01"]
    assert should["2023-07-01"] == "0% (0 of 3)"
    assert _cells(national, "local")["2023-07-01"] == "0% (0 of 1)"  # Highland's local timescale
    mine = _section(signed_in(web_env, "northshire").get("/").get_data(as_text=True))
    assert "Deadlines met on time by quarter, your boards" in mine
    assert _cells(mine, "should") == NORTHSHIRE_BY_QUARTER
    assert 'data-group="local"' not in mine  # no local rules in Northshire


def test_the_overview_filtered_to_a_nation_shows_that_nations_trend(web_env: WebEnv) -> None:
    client = signed_in(web_env, "inspector")
    england = _section(client.get("/?nation=england").get_data(as_text=True))
    assert "Deadlines met on time by quarter, all boards in England" in england
    assert _cells(england, "should") == NORTHSHIRE_BY_QUARTER  # without Highland's July quarter
    assert 'data-group="local"' not in england  # Highland's local timescale is in Scotland
    assert "/trend?nation=england" in england  # every quarter, for the same nation
    scotland = _section(client.get("/?nation=scotland").get_data(as_text=True))
    assert _cells(scotland, "local")["2023-07-01"] == "0% (0 of 1)"


def test_trend_page_filters_and_scoping(web_env: WebEnv) -> None:
    client = signed_in(web_env, "inspector")
    html = client.get("/trend?nation=england").get_data(as_text=True)
    assert _cells(_section(html), "should") == NORTHSHIRE_BY_QUARTER
    assert 'value="england" selected' in html
    scotland = _section(client.get("/trend?framework=scotland-scr").get_data(as_text=True))
    assert _cells(scotland, "should")["2023-07-01"] == "0% (0 of 1)"
    board_user = signed_in(web_env, "northshire")
    assert board_user.get(f"/trend?board={HIGHLAND}").status_code == 404
    assert HIGHLAND not in board_user.get("/trend").get_data(as_text=True)
    assert client.get("/trend?format=pdf").status_code == 400


def test_downloads_every_scope_and_quarter(web_env: WebEnv) -> None:
    client = signed_in(web_env, "inspector")
    r = client.get("/trend?format=csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "deadlines-met-by-quarter.csv" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert tuple(rows[0]) == HEADERS
    by = {tuple(row[:4]): dict(zip(HEADERS, row, strict=True)) for row in rows[1:]}
    spring = by[("England", NORTHSHIRE, "All frameworks", "Apr to Jun 2023")]
    assert (spring["Should deadlines met"], spring["Should deadlines"]) == ("1", "2")
    assert spring["Should met (%)"] == "50" and spring["Must met (%)"] == ""
    assert spring["From"] == "2023-04-01" and spring["To"] == "2023-06-30"
    now = by[("All nations", "All boards", "All frameworks", "Jan to Mar 2024")]
    assert now["Quarter over"] == "no" and now["To"] == "2024-02-29"
    assert ("Scotland", HIGHLAND, "scotland-scr", "Jul to Sep 2023") in by
    # a board's own download (the link on its page) holds that board only
    own = client.get(f"/trend?board={NORTHSHIRE}&format=xlsx")
    ws = load_workbook(io.BytesIO(own.data)).active
    assert ws is not None
    values = list(ws.iter_rows(values_only=True))
    assert values[0] == HEADERS
    assert {v[1] for v in values[1:]} == {"All boards", NORTHSHIRE}
    assert {v[0] for v in values[1:]} == {"All nations", "England"}
    first = values[1]
    assert isinstance(first[4], datetime) and first[4].date() == date(2023, 1, 1)
    assert first[9] is None  # no must deadlines: an empty share, never 0%


def test_a_formula_like_board_name_is_text_in_the_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.web import create_app

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    write_workbook(tmp_path / "book.xlsx", "england-scr", ENGLAND_ROWS)
    name = '=HYPERLINK("http://evil.example","x")'
    (tmp_path / "tracker.toml").write_text(
        'state_dir = "var"\n[[boards]]\nname = \'' + name + "'\n"
        'nation = "england"\nsources = ["book.xlsx"]\n',
        encoding="utf-8",
    )
    config = load_config(tmp_path / "tracker.toml")
    write_snapshot(config.state_dir, check_config(config, date(2024, 3, 1)).to_json())
    UserStore(users_path(config.state_dir)).add("inspector", PASSWORD, national=True)
    env = WebEnv(tmp_path, config, create_app(config, overrides={"SESSION_COOKIE_SECURE": False}))
    client = signed_in(env, "inspector")
    text = client.get("/trend?format=csv").get_data(as_text=True)
    assert "'" + name.replace('"', '""') in text
    ws = load_workbook(io.BytesIO(client.get("/trend?format=xlsx").data)).active
    assert ws is not None
    cell = next(c for row in ws.iter_rows(min_row=2) for c in row if c.value == name)
    assert cell.data_type == "s"


def test_chart_geometry_gaps_and_open_quarter() -> None:
    stage = {"basis": "statute", "must": False}
    reviews = [
        ("england", "B", {"framework": "f", "stages": [stage | {"status": s, "latest": d}]})
        for s, d in (
            ("on_time", "2023-02-01"),
            ("late", "2023-02-02"),
            ("on_time", "2023-08-01"),
            ("overdue", "2024-01-02"),
        )
    ]
    series = quarterly(reviews, date(2024, 2, 1)).series()
    drawn = chart(series)
    should = next(line for line in drawn.lines if line.group == "should")
    # Jan-Mar 2023 50%, Apr-Jun none (a gap), Jul-Sep 100%, Oct-Dec none, Jan-Mar 2024 0%
    assert len(should.segments) == 3
    ys = [p.y for p in should.points]
    bottom = HEIGHT - 66
    assert ys == [round(TOP + (bottom - TOP) * 0.5, 1), TOP, bottom]
    assert [p.complete for p in should.points] == [True, True, False]
    assert should.points[-1].title == "Should, Jan to Mar 2024 (to date): 0% (0 of 1)"
    assert [c.months for c in drawn.columns] == [
        "Jan–Mar",
        "Apr–Jun",
        "Jul–Sep",
        "Oct–Dec",
        "Jan–Mar",
    ]
    assert Quarter.of(date(2024, 2, 1)).label == "Jan to Mar 2024"
    must = next(line for line in drawn.lines if line.group == "must")
    assert must.points == [] and must.segments == []


# ---- a real browser ------------------------------------------------------------------------------


@pytest.fixture
def narrow(browser: Browser) -> Iterator[Page]:  # noqa: F811
    with page_at(browser, 375, 800) as pg:
        yield pg


def _layout(pg: Page) -> dict[str, float]:
    return pg.evaluate(
        """() => {
          const vis = s => { const e = document.querySelector(s); return !!e && e.getBoundingClientRect().width > 0; };
          const svg = [...document.querySelectorAll('.tracker-trend__svg')].find(e => e.getBoundingClientRect().width > 0);
          const tick = svg.querySelector('.tr-quarter').getBoundingClientRect();
          const section = document.querySelector('.tracker-trend');
          const table = document.querySelector('.tracker-trend__table');
          return {wide: vis('.tracker-trend__svg--wide'), narrow: vis('.tracker-trend__svg--narrow'),
                  label: tick.height, section: section.scrollWidth, page: document.documentElement.scrollWidth,
                  table: table.scrollWidth, room: table.parentElement.clientWidth,
                  groups: table.querySelectorAll('thead th').length - 1};
        }"""
    )


def test_the_chart_fits_and_stays_legible_at_1280_and_375(
    served: tuple[WebEnv, str],  # noqa: F811
    page: Page,  # noqa: F811
    narrow: Page,
) -> None:
    _, base = served
    most = 0  # the most columns of figures a table had: must, should and local at their widest
    for pg, width in ((page, 1280), (narrow, 375)):
        sign_in(pg, base, "inspector")
        for path in ("/", "/trend", "/boards/Northshire%20LSCB"):
            pg.goto(base + path)
            found = _layout(pg)
            assert found["section"] <= width, (path, width, found)
            if path != "/boards/Northshire%20LSCB":  # the board's review table is not the chart's
                assert found["page"] <= width, (path, width, found)
            assert found["wide"] is (width == 1280) and found["narrow"] is (width == 375)
            # the table beside the chart shows every column without scrolling sideways
            assert found["table"] <= found["room"], (path, width, found)
            most = max(most, found["groups"])
            # quarter labels at least 11 px high on the screen, at either width
            assert found["label"] >= 11, (path, width, found)
            if path == "/trend":
                pg.locator(".tracker-trend").screenshot(path=str(_shots() / f"trend-{width}.png"))
        assert pg.csp_errors == []  # type: ignore[attr-defined]
    assert most == 3


def test_trend_page_has_no_serious_accessibility_violations(
    served: tuple[WebEnv, str],  # noqa: F811
    page: Page,  # noqa: F811
) -> None:
    _, base = served
    sign_in(page, base, "inspector")
    page.goto(base + "/trend")
    assert axe(page) == []
    assert page.get_by_role("img", name=re.compile("Deadlines met on time by quarter")).count() == 1
    assert page.get_by_role("table", name="Deadlines met by quarter").is_visible()


def _shots() -> Path:
    from tests.test_web_browser import shots_dir

    return shots_dir()
