"""A real headless Chromium against the real app served by waitress on 127.0.0.1.

Signs in, filters the overdue list, opens a review's timeline, saves screenshots, and runs
axe-core (from the npm registry, installed by ``make web-assets``) on the overview, list and review
pages. Needs a Chromium (``make test`` finds or installs one: scripts/browser.py) and
build/npm/node_modules (``make web-assets``), so these tests always run; a missing piece is a failure,
never a skip.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from waitress.server import create_server

from scripts.browser import HOW, chromium_path, playwright_chromium
from tests.web_fixtures import NOTE, PASSWORD, WebEnv, make_env

ROOT = Path(__file__).resolve().parent.parent
AXE = Path(os.environ.get("TRACKER_AXE", ROOT / "build/npm/node_modules/axe-core/axe.min.js"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WebEnv, str]]:
    root = tmp_path_factory.mktemp("browser")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        # production cookie flags: Chromium keeps a Secure cookie from http://127.0.0.1
        env = make_env(root, SESSION_COOKIE_SECURE=True)
    finally:
        os.chdir(cwd)
    server: Any = create_server(env.app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield env, f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = chromium_path()
    assert chromium or playwright_chromium(), HOW
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@contextmanager
def page_at(browser: Browser, width: int, height: int) -> Iterator[Page]:
    """A page in its own context at a screen size; CSP complaints gathered in ``csp_errors``."""
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(15_000)
    pg = context.new_page()
    pg.csp_errors = []  # type: ignore[attr-defined]
    pg.on(
        "console",
        lambda m: "Content Security Policy" in m.text and pg.csp_errors.append(m.text),  # type: ignore[attr-defined]
    )
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with page_at(browser, 1280, 900) as pg:
        yield pg


def shots_dir() -> Path:
    folder = Path(os.environ.get("TRACKER_SCREENSHOTS", ROOT / "build/screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sign_in(page: Page, base: str, name: str) -> None:
    page.goto(f"{base}/")
    assert "/sign-in" in page.url
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def axe(page: Page) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.x A/AA and best practice); return serious and critical violations."""
    assert AXE.is_file(), f"{AXE} missing: run make web-assets"
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_sign_in_filter_overdue_open_timeline(served: tuple[WebEnv, str], page: Page) -> None:
    env, base = served
    folder = shots_dir()
    sign_in(page, base, "inspector")
    assert page.get_by_role("heading", level=1).inner_text() == "Compliance overview"
    assert "Data as of" in page.locator("#data-as-of").inner_text()
    page.screenshot(path=str(folder / "overview.png"), full_page=True)

    page.get_by_role("link", name="Overdue", exact=True).click()
    page.wait_for_url(f"{base}/overdue")
    before = page.locator("tbody tr").count()
    assert before >= 3
    page.get_by_label("Nation").select_option("england")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/overdue?*nation=england*")
    rows = page.locator("tbody tr")
    assert 0 < rows.count() < before
    assert "HC-2023-01" not in page.locator("tbody").inner_text()
    assert (
        "matches the filters" in page.locator("#result-count").inner_text()
        or "match the filters" in page.locator("#result-count").inner_text()
    )
    page.screenshot(path=str(folder / "overdue-filtered.png"), full_page=True)

    page.get_by_role("link", name="NS/2023/02").click()
    page.wait_for_url("**/reviews/NS%2F2023%2F02")
    assert page.get_by_role("heading", level=1).inner_text() == "Review NS/2023/02"
    svg = page.locator("svg.tracker-timeline__svg--wide")
    assert svg.count() == 1 and svg.locator("g.tl-row").count() > 5
    assert svg.locator("g.tl-overdue rect.tl-overdue").count() >= 1
    page.screenshot(path=str(folder / "review-timeline.png"), full_page=True)

    html = page.content()
    assert NOTE not in html
    assert page.csp_errors == []  # type: ignore[attr-defined]


def test_board_user_sees_only_their_board(served: tuple[WebEnv, str], page: Page) -> None:
    _, base = served
    sign_in(page, base, "northshire")
    body = page.locator("main").inner_text()
    assert "Northshire LSCB" in body and "Highland" not in body
    response = page.goto(f"{base}/reviews/HC-2023-01")
    assert response is not None and response.status == 404


def test_keyboard_skip_link(served: tuple[WebEnv, str], page: Page) -> None:
    _, base = served
    sign_in(page, base, "inspector")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main-content")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/overdue",
        "/due-soon",
        "/problems",
        "/frameworks",
        "/reviews/NS-2023-01",
        "/boards/Northshire%20LSCB",
    ],
)
def test_no_serious_accessibility_violations(
    served: tuple[WebEnv, str], page: Page, path: str
) -> None:
    _, base = served
    sign_in(page, base, "inspector")
    page.goto(base + path)
    assert axe(page) == []


def test_sign_in_page_accessible(served: tuple[WebEnv, str], page: Page) -> None:
    _, base = served
    page.goto(f"{base}/sign-in")
    assert axe(page) == []
    page.screenshot(path=str(shots_dir() / "sign-in.png"), full_page=True)


def test_failed_sign_in_shows_an_accessible_error(served: tuple[WebEnv, str], page: Page) -> None:
    _, base = served
    page.goto(f"{base}/sign-in")
    page.get_by_label("User name").fill("inspector")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    assert axe(page) == []
    page.screenshot(path=str(shots_dir() / "sign-in-error.png"), full_page=True)


#: every page a signed-in person can open, with the states that widen them (filters, a 404)
EVERY_PAGE = [
    "/",
    "/?nation=england",
    "/overdue",
    "/overdue?sort=review&must=should",
    "/due-soon",
    "/paused",
    "/problems",
    "/frameworks",
    "/calendar",
    "/trend",
    "/actions",
    "/search?q=NS",
    "/search?q=nothing-like-this",
    "/reviews/NS-2023-01",
    "/reviews/NS%2F2023%2F02",
    "/reviews/NS-2023-05",
    "/reviews/HC-2023-01",
    "/boards/Northshire%20LSCB",
    "/boards/Northshire%20LSCB?status=late&sort=next",
    "/boards/Highland%20Child%20Protection%20Committee",
    "/no-such-page",
]


def shot_name(path: str) -> str:
    name = re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-")
    return name or "overview"


@pytest.mark.parametrize("width", [1280, 375])
def test_no_page_is_wider_than_the_screen(
    served: tuple[WebEnv, str], browser: Browser, width: int
) -> None:
    """Wide tables scroll in their own box: the page itself never scrolls sideways; axe is clean
    at both widths; a screenshot of every page is kept."""
    _, base = served
    context = browser.new_context(viewport={"width": width, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(base + "/sign-in")
        pages = [("/sign-in", page.evaluate(WIDTH_JS))]
        sign_in(page, base, "inspector")
        for path in EVERY_PAGE:
            page.goto(base + path)
            pages.append((path, page.evaluate(WIDTH_JS)))
            assert axe(page) == [], (path, width)
            page.screenshot(
                path=str(shots_dir() / f"{shot_name(path)}-{width}.png"), full_page=True
            )
        wider = [(path, scroll) for path, (scroll, inner) in pages if scroll > inner]
        assert wider == [], (width, wider)
    finally:
        context.close()


WIDTH_JS = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.mark.parametrize("width", [1280, 375])
def test_timeline_ids_and_menu_on_any_screen(
    served: tuple[WebEnv, str], browser: Browser, width: int
) -> None:
    _, base = served
    context = browser.new_context(viewport={"width": width, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, base, "inspector")
        page.goto(base + "/reviews/NS-2023-01")
        # one drawing shows: labels beside the bars on a desktop, above them on a phone
        shown = "narrow" if width == 375 else "wide"
        hidden = "wide" if width == 375 else "narrow"
        svg = page.locator(f"svg.tracker-timeline__svg--{shown}")
        assert (
            svg.is_visible()
            and not page.locator(f"svg.tracker-timeline__svg--{hidden}").is_visible()
        )
        # the labels are drawn at 12 px or more on the screen (16 units, scaled to the drawing)
        label_px = svg.evaluate(
            "e => parseFloat(getComputedStyle(e.querySelector('.tl-label')).fontSize)"
            " * e.getBoundingClientRect().width / e.viewBox.baseVal.width"
        )
        assert label_px >= 12, label_px
        # a label never runs into its bar: the label's box ends above the bar's (phone) or
        # left of the plot (desktop)
        gap = svg.evaluate(
            """e => { const row = e.querySelector('g.tl-row');
                const label = row.querySelector('.tl-label').getBoundingClientRect();
                const track = row.querySelector('.tl-track').getBoundingClientRect();
                return [label.bottom <= track.top, label.right <= track.left]; }"""
        )
        assert gap[0] if width == 375 else gap[1], gap
        page.locator("figure.tracker-timeline").screenshot(
            path=str(shots_dir() / f"timeline-{width}.png")
        )
        # review ids are never broken inside: one line box each, however narrow the column
        page.goto(base + "/overdue")
        for link in page.locator("a.tracker-id").all():
            assert link.evaluate("e => e.getClientRects().length") == 1, link.inner_text()
            assert link.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
        menu = page.locator("#navigation")
        if width == 375:
            # the navigation is collapsed behind "Menu" and opens on a click
            assert not menu.is_visible()
            top = page.evaluate(
                "() => document.querySelector('main h1').getBoundingClientRect().top"
            )
            assert top < 400, top  # the page's heading is on the first screen, not the menu
            page.locator(".tracker-menu__toggle").click()
            assert menu.is_visible()
            page.get_by_role("link", name="Data problems", exact=True).click()
            page.wait_for_url(f"{base}/problems")
        else:
            assert menu.is_visible() and not page.locator(".tracker-menu__toggle").is_visible()
        assert axe(page) == []
    finally:
        context.close()


def test_print_hides_navigation_and_link_addresses(served: tuple[WebEnv, str], page: Page) -> None:
    _, base = served
    sign_in(page, base, "inspector")
    page.goto(base + "/reviews/NS-2023-01")
    chrome = [".tracker-header", ".tracker-search", ".govuk-breadcrumbs", ".govuk-footer"]
    assert all(page.locator(c).is_visible() for c in chrome)
    page.emulate_media(media="print")
    for c in chrome:
        assert not page.locator(c).is_visible(), c
    assert not page.get_by_role("button", name="Sign out").is_visible()
    assert page.get_by_role("heading", name="Review NS-2023-01").is_visible()
    # no link prints its address after it (GOV.UK's print styles would add " (/boards/...)")
    afters = page.evaluate(
        "() => [...document.querySelectorAll('main a[href]')]"
        ".map(a => getComputedStyle(a, '::after').content)"
    )
    assert afters and set(afters) <= {"none", "normal", '""'}, set(afters)
    # one review per sheet of paper: the review ends with a page break, and no stage row or the
    # timeline is split across two sheets
    assert page.locator(".tracker-review").evaluate("e => getComputedStyle(e).breakAfter") == "page"
    assert (
        page.locator("figure.tracker-timeline").evaluate("e => getComputedStyle(e).breakInside")
        == "avoid"
    )
    page.pdf(path=str(shots_dir() / "review-print.pdf"))
    page.emulate_media(media="screen")
    assert page.locator(".tracker-header").is_visible()


def test_search_and_sort(served: tuple[WebEnv, str], page: Page) -> None:
    _, base = served
    sign_in(page, base, "inspector")
    page.goto(base + "/frameworks")
    page.get_by_label("Find a review by id").fill("ns-2023")
    page.get_by_role("button", name="Find").click()
    page.wait_for_url("**/search?q=ns-2023")
    assert "3 reviews" in page.locator("#result-count").inner_text()
    assert axe(page) == []
    page.screenshot(path=str(shots_dir() / "search-1280.png"), full_page=True)
    page.get_by_label("Find a review by id").fill("NS/2023/02")
    page.get_by_role("button", name="Find").click()
    page.wait_for_url("**/reviews/NS%2F2023%2F02")
    crumbs = page.get_by_role("navigation", name="Breadcrumb").inner_text()
    assert "Overview" in crumbs and "Northshire LSCB" in crumbs

    page.goto(base + "/overdue")

    def first_ids() -> list[str]:
        return [c.strip() for c in page.locator("tbody th a").all_inner_texts()]

    before = first_ids()
    page.get_by_role("link", name="Review (sort by)").click()
    page.wait_for_url("**/overdue?sort=review")
    after = first_ids()
    assert after == sorted(after) and after != before and sorted(after) == sorted(before)
    assert page.locator('th[aria-sort="ascending"]').inner_text().startswith("Review")
    assert axe(page) == []
    # the sorted column's header reverses it
    page.get_by_role("link", name="Review (reverse the order)").click()
    page.wait_for_url("**/overdue?sort=-review")
    assert first_ids() == after[::-1]
    assert page.locator('th[aria-sort="descending"]').inner_text().startswith("Review")


def test_search_from_a_phone_opens_the_review(served: tuple[WebEnv, str], browser: Browser) -> None:
    _, base = served
    context = browser.new_context(viewport={"width": 375, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, base, "inspector")
        box = page.get_by_label("Find a review by id")
        assert box.is_visible()
        box.fill(" hc-2023-01 ")  # as typed from a letter: any case, stray spaces
        page.get_by_role("button", name="Find").click()
        page.wait_for_url("**/reviews/HC-2023-01")
        assert page.get_by_role("heading", level=1).inner_text() == "Review HC-2023-01"
    finally:
        context.close()


@pytest.fixture(scope="module")
def served_samples(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WebEnv, str]]:
    """The five sample workbooks (four nations, pauses, actions, data problems), served."""
    from datetime import date

    from tests.test_web_app import SAMPLE_BOARDS
    from tracker.access.users import UserStore, users_path
    from tracker.check import check_config
    from tracker.config import load_config
    from tracker.output.snapshot import write_snapshot
    from tracker.web import create_app

    root = tmp_path_factory.mktemp("samples-browser")
    boards = "".join(
        f'[[boards]]\nname = "{name}"\nnation = "{nation}"\nsources = ["{ROOT / "sample_workbooks" / f}"]\n\n'
        for f, name, nation in SAMPLE_BOARDS
    )
    (root / "tracker.toml").write_text(
        f'state_dir = "{root / "var"}"\n\n{boards}', encoding="utf-8"
    )
    config = load_config(root / "tracker.toml")
    write_snapshot(config.state_dir, check_config(config, date(2025, 3, 31)).to_json())
    UserStore(users_path(config.state_dir)).add("inspector", PASSWORD, national=True)
    app = create_app(config, overrides={"SESSION_COOKIE_SECURE": True})
    server: Any = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield WebEnv(root, config, app), f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=10)


def test_every_page_of_the_sample_workbooks_fits_a_phone(
    served_samples: tuple[WebEnv, str], browser: Browser
) -> None:
    """Every list, board and review page of the real samples at 375 px: none wider than that."""
    from tests.test_web_app import SAMPLE_BOARDS

    env, base = served_samples
    keys = env.app.extensions["tracker"].snapshots.get().by_key
    paths = ["/", "/overdue", "/due-soon", "/paused", "/problems", "/frameworks", "/search?q=2"]
    paths += ["/trend", "/actions"]
    paths += ["/boards/" + quote(name, safe="") for _, name, _ in SAMPLE_BOARDS]
    paths += ["/reviews/" + quote(key, safe="") for key in keys]
    assert len(paths) > 100
    context = browser.new_context(viewport={"width": 375, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, base, "inspector")
        wider = []
        for path in paths:
            response = page.goto(base + path)
            assert response is not None and response.status == 200, path
            scroll, inner = page.evaluate(WIDTH_JS)
            if scroll > inner:
                wider.append((path, scroll))
        assert wider == []
        page.goto(base + "/")
        page.screenshot(path=str(shots_dir() / "samples-overview-375.png"), full_page=True)
    finally:
        context.close()
