"""Fixtures for the web view's tests: real workbooks, the real core, a real snapshot.

Two boards in two nations, checked by ``tracker.check.check_config`` as of 1 March 2024 and written
with ``write_snapshot``, so the pages show exactly what the core produces. Every row carries a
note with a marker that must never appear in any response.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook

from tracker.access.users import UserStore, users_path
from tracker.check import check_config
from tracker.config import Config, load_config
from tracker.frameworks.registry import get_framework
from tracker.output.snapshot import write_snapshot

AS_OF = date(2024, 3, 1)
NOTE = "SECRET-NOTE-do-not-show"
PASSWORD = "correct horse battery staple"
NORTHSHIRE = "Northshire LSCB"
HIGHLAND = "Highland Child Protection Committee"

ENGLAND_ROWS: list[dict[str, Any]] = [
    # decided on time, initiated, completion overdue
    {
        "review_id": "NS-2023-01",
        "la_aware": date(2023, 1, 5),
        "notified": date(2023, 1, 10),
        "decision": date(2023, 2, 1),
        "decision_outcome": "Initiate SCR",
        "report_link": "https://example.org/reports/ns-2023-01",
    },
    # an id with a slash: the decision is overdue
    {"review_id": "NS/2023/02", "notified": date(2023, 6, 12)},
    # decision due on 12 March 2024: due soon
    {"review_id": "NS-2024-03", "notified": date(2024, 2, 12)},
    # a decision made late
    {
        "review_id": "NS-2023-04",
        "notified": date(2023, 3, 1),
        "decision": date(2023, 5, 2),
        "decision_outcome": "Do not initiate",
        "panel_notified": date(2023, 5, 10),
    },
    # an impossible date: a data problem, the review cannot be assessed
    {"review_id": "NS-2023-05", "notified": "31/02/2024"},
]
SCOTLAND_ROWS: list[dict[str, Any]] = [
    # initial case review overdue (a local default timescale)
    {"review_id": "HC-2023-01", "notified": date(2023, 9, 1)},
    {"review_id": "HC-2024-02", "notified": date(2024, 2, 20)},
]


def write_workbook(path: Path, framework_id: str, rows: list[dict[str, Any]]) -> Path:
    framework = get_framework(framework_id)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = framework.sheet
    ws.append([f.header for f in framework.all_fields])
    for row in rows:
        values = {"notes": NOTE, **row}
        ws.append([values.get(f.id) for f in framework.all_fields])
    wb.save(path)
    return path


@dataclass
class WebEnv:
    root: Path
    config: Config
    app: Flask

    def client(self) -> FlaskClient:
        return self.app.test_client()


def make_config(root: Path) -> Config:
    write_workbook(root / "northshire.xlsx", "england-scr", ENGLAND_ROWS)
    write_workbook(root / "highland.xlsx", "scotland-scr", SCOTLAND_ROWS)
    (root / "tracker.toml").write_text(
        f"""
state_dir = "var"

[[boards]]
name = "{NORTHSHIRE}"
nation = "england"
sources = ["northshire.xlsx"]

[[boards]]
name = "{HIGHLAND}"
nation = "scotland"
sources = ["highland.xlsx"]

[boards.timescales]
"scotland-scr.icr_completed" = "within 20 working days after notified"
""",
        encoding="utf-8",
    )
    return load_config(root / "tracker.toml")


def make_env(root: Path, *, now: datetime | None = None, **overrides: Any) -> WebEnv:
    from tracker.web import create_app

    config = make_config(root)
    result = check_config(config, AS_OF)
    write_snapshot(config.state_dir, result, now=now or datetime.now(UTC))
    store = UserStore(users_path(config.state_dir))
    store.add("inspector", PASSWORD, national=True)
    store.add("northshire", PASSWORD, boards=(NORTHSHIRE,))
    settings = {"SESSION_COOKIE_SECURE": False, **overrides}
    return WebEnv(root, config, create_app(config, overrides=settings))


def fresh_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WebEnv:
    """The body of the ``web_env`` fixture each test module declares."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    return make_env(tmp_path)


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def sign_in(client: FlaskClient, name: str, password: str = PASSWORD) -> Any:
    page = client.get("/sign-in")
    token = csrf_from(page.get_data(as_text=True))
    return client.post("/sign-in", data={"name": name, "password": password, "csrf_token": token})


def signed_in(env: WebEnv, name: str) -> FlaskClient:
    client = env.client()
    response = sign_in(client, name)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
