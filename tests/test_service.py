"""The service: a real APScheduler with its SQLite job store, the real jobs, real signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobEvent
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from jobs.service import EXTENSION_KEY, REFRESH, WEEKLY, TrackerScheduler, serve_web
from tests.email_fixtures import NOTE_TEXT, free_port, write_config
from tracker.calendars import today_in_london
from tracker.config import load_config
from tracker.mail.ledger import Ledger, iso_week

LONDON = ZoneInfo("Europe/London")


def wait_until(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return bool(predicate())  # type: ignore[operator]


def test_a_weekly_run_missed_while_stopped_runs_once_at_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = write_config(tmp_path)
    config = load_config(path)
    now = datetime.now(LONDON)
    # A short trigger: three runs, 1 s apart, all of them while the service is stopped.
    short = IntervalTrigger(
        seconds=1,
        start_date=now + timedelta(seconds=2),
        end_date=now + timedelta(seconds=4),
        timezone=LONDON,
    )
    first = TrackerScheduler(config, path, weekly=short)
    assert first.start(refresh_now=False)[WEEKLY] == "added"
    first.shutdown()
    assert wait_until(lambda: datetime.now(LONDON) > now + timedelta(seconds=5), 10)

    second = TrackerScheduler(config, path, weekly=short)
    events: list[JobEvent] = []
    second.scheduler.add_listener(
        lambda e: events.append(e) if e.job_id == WEEKLY else None,
        EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED,
    )
    try:
        # kept as stored (not re-added), so its missed run time is still there
        assert second.start(refresh_now=False)[WEEKLY] == "kept"
        assert wait_until(lambda: len(events) >= 1, 60)
        time.sleep(1.5)  # room for a second run, if there were to be one
    finally:
        second.shutdown()
    assert [e.code for e in events] == [EVENT_JOB_EXECUTED]
    week = iso_week(today_in_london())
    with Ledger(config.state_dir) as ledger:
        assert sorted(e.scope for e in ledger.entries() if e.week == week) == sorted(
            [b.name for b in config.boards] + ["national"]
        )
    assert len(list((config.state_dir / "outbox").glob(f"{week}--*.eml"))) == 3


def test_restart_keeps_jobs_and_a_changed_schedule_replaces_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = write_config(tmp_path)
    config = load_config(path)
    a = TrackerScheduler(config, path)
    assert a.start(refresh_now=False) == {REFRESH: "added", WEEKLY: "added", "outbox": "added"}
    next_weekly = a.next_run(WEEKLY)
    a.shutdown()
    assert next_weekly is not None
    local = next_weekly.astimezone(LONDON)
    assert (local.strftime("%a %H:%M"), local > datetime.now(LONDON)) == ("Mon 08:00", True)

    b = TrackerScheduler(config, path)
    assert b.start(refresh_now=False) == {REFRESH: "kept", WEEKLY: "kept", "outbox": "kept"}
    assert b.next_run(WEEKLY) == next_weekly
    b.shutdown()

    path.write_text(path.read_text().replace('"mon 08:00"', '"wed 06:30"'))
    config = load_config(path)
    c = TrackerScheduler(config, path)
    assert c.start(refresh_now=False)[WEEKLY] == "replaced"
    moved = c.next_run(WEEKLY)
    c.shutdown()
    assert moved is not None and moved.astimezone(LONDON).strftime("%a %H:%M") == "Wed 06:30"


def test_init_app_registers_without_starting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = write_config(tmp_path)
    scheduler = TrackerScheduler(load_config(path), path)
    app = Flask("probe")
    scheduler.init_app(app)
    assert app.extensions[EXTENSION_KEY] is scheduler
    assert not scheduler.scheduler.running


def test_serve_web_serves_and_stops() -> None:
    app = Flask("probe")

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    port = free_port()
    handle = serve_web(app, "127.0.0.1", port)
    try:
        url = f"http://127.0.0.1:{port}/healthz"
        assert wait_until(lambda: _get(url) == "ok", 10)
    finally:
        handle.stop()
    assert _get(url) is None


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return str(resp.read().decode())
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_tracker_run_refreshes_then_stops_cleanly_on_a_signal(
    tmp_path: Path, sig: signal.Signals
) -> None:
    path = write_config(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "TRACKER_CONFIG"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracker.cli", "run", "--config", str(path), "--no-web"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        snapshot = tmp_path / "state" / "snapshot.json"
        assert wait_until(snapshot.is_file, 90), "the refresh job did not run at start-up"
        assert wait_until(lambda: (tmp_path / "state" / "jobs.sqlite").is_file(), 10)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "e-mails are written to" in out
    assert str(tmp_path / "state" / "outbox") in out
    assert f"received {sig.name}: stopping" in err
    assert err.rstrip().endswith("tracker.service: stopped")
    assert "refreshed 2 source(s)" in err
    assert NOTE_TEXT not in out + err
    assert "SECRET" not in out + err


def test_jobs_share_no_state_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Job arguments are text only, so the SQLite job store can pickle them."""
    monkeypatch.chdir(tmp_path)
    path = write_config(tmp_path)
    config = load_config(path)
    s = TrackerScheduler(config, path)
    s.start(refresh_now=False)
    try:
        jobs = {j.id: j for j in s.scheduler.get_jobs()}
        assert {j.func_ref for j in jobs.values()} == {
            "jobs.refresh:run",
            "jobs.weekly:run",
            "jobs.outbox:run",
        }
        assert all(list(j.args) == [str(path.resolve())] for j in jobs.values())
    finally:
        s.shutdown()
