"""The weekly run end to end: real workbooks, the real check, a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.email_fixtures import (
    AS_OF,
    FREE_TEXT_IN_DATE,
    HC_RECIPIENTS,
    HIGHLAND,
    NATIONAL_RECIPIENTS,
    NORTHSHIRE,
    NOTE_TEXT,
    NS_RECIPIENTS,
    SENDER,
    WEEK,
    SmtpServer,
    eml_texts,
    read_eml,
    running_smtp,
    write_config,
)
from tracker.config import Config, load_config
from tracker.mail.ledger import QUEUED, SENT, Ledger
from tracker.mail.mailing import compose, deliver, run_weekly
from tracker.mail.outbox import Outbox

NOW = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    yield from running_smtp()


@pytest.fixture
def smtp_port() -> Iterator[SmtpServer]:
    """Nothing listens on this port until the test starts the server."""
    yield from running_smtp(started=False)


def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **kw: object) -> Config:
    monkeypatch.chdir(tmp_path)
    return load_config(write_config(tmp_path, **kw))  # type: ignore[arg-type]


def _by_recipients(server: SmtpServer) -> dict[tuple[str, ...], int]:
    counts: dict[tuple[str, ...], int] = {}
    for m in server.messages:
        key = tuple(sorted(m.recipients))
        counts[key] = counts.get(key, 0) + 1
    return counts


def test_messages_arrive_with_recipients_subject_parts_and_attachment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_server: SmtpServer
) -> None:
    config = _config(tmp_path, monkeypatch, backend="smtp", smtp_port=smtp_server.port)
    out = run_weekly(config, AS_OF, send_now=True, now=NOW)
    assert out.ok, out.failed
    assert len(out.sent) == 3
    received = {tuple(sorted(m.recipients)): m for m in smtp_server.messages}
    assert set(received) == {
        tuple(sorted(NS_RECIPIENTS)),
        tuple(sorted(HC_RECIPIENTS)),
        tuple(sorted(NATIONAL_RECIPIENTS)),
    }
    ns = received[tuple(sorted(NS_RECIPIENTS))]
    assert ns.sender == SENDER
    msg = ns.message
    assert msg["Subject"] == (
        f"Case review compliance, {NORTHSHIRE}, week {WEEK}: 3 overdue (0 statutory), "
        "1 due in 14 days, 2 data problems"
    )
    assert msg["To"] == ", ".join(NS_RECIPIENTS)
    plain = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert plain is not None and html is not None
    assert "NS-2024-01" in plain.get_content()
    assert "NS-2024-01" in html.get_content()
    attachments = list(msg.iter_attachments())
    assert [a.get_filename() for a in attachments] == [f"case-reviews-northshire-lscb-{WEEK}.xlsx"]
    data = attachments[0].get_payload(decode=True)
    wb = load_workbook(io.BytesIO(data))
    rows = list(wb["Overdue"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:4] == ("Board", "Review ID", "Framework", "Stage")
    overdue = {(r[1], r[3]): r for r in body}
    assert set(overdue) == {
        ("NS-2024-01", "Decision date"),
        ("LS-2024-01", "Date serious incident notified to Panel"),
        ("LS-2024-01", "Date safeguarding partners notified"),
    }
    decision = overdue[("NS-2024-01", "Decision date")]
    assert decision[7] == datetime(2024, 2, 8)  # latest (due)
    assert decision[8] == 22  # days overdue
    # the same words as the e-mail's overdue table
    assert header[8] == "Days overdue"
    assert wb["Completed late"].cell(1, 9).value == "Days late"
    # every stage of every review is in the attachment, and the data problems with their cells
    assert wb["All stages"].max_row > 20
    cells = {(r[1], r[2]) for r in wb["Data problems"].iter_rows(min_row=2, values_only=True)}
    assert ("England SCR", "G4") in cells
    # the outbox keeps a copy of what was sent
    assert (config.state_dir / "outbox" / "sent" / f"{WEEK}--northshire-lscb.eml").is_file()
    assert not list((config.state_dir / "outbox").glob("*.eml"))


def test_no_note_or_free_text_in_any_email(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_server: SmtpServer
) -> None:
    config = _config(tmp_path, monkeypatch, backend="smtp", smtp_port=smtp_server.port)
    run_weekly(config, AS_OF, send_now=True, now=NOW)
    assert len(smtp_server.messages) == 3
    for received in smtp_server.messages:
        text = eml_texts(received.message)
        assert "NS-2024-01" in text or "HC-2024-01" in text  # the decoding did see content
        assert NOTE_TEXT not in text
        assert "SECRET-NOTE" not in text
        assert FREE_TEXT_IN_DATE not in text
        assert "SECRET-CELL" not in text
        if "LS-2024-01" in text:  # its pause is reported (reason, date), its notes never
            assert "Paused or extended (1)" in text and "Criminal proceedings" in text


def test_smtp_down_then_up_waits_in_outbox_then_delivers_exactly_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_port: SmtpServer
) -> None:
    config = _config(tmp_path, monkeypatch, backend="smtp", smtp_port=smtp_port.port)
    first = run_weekly(config, AS_OF, send_now=True, now=NOW)
    assert len(first.failed) == 3
    assert all("cannot connect" in line for line in first.failed)
    waiting = sorted(p.name for p in Outbox(config.state_dir).waiting())
    assert waiting == [
        f"{WEEK}--highland-child-protection-committee.eml",
        f"{WEEK}--national.eml",
        f"{WEEK}--northshire-lscb.eml",
    ]
    with Ledger(config.state_dir) as ledger:
        entries = ledger.entries()
    assert {e.state for e in entries} == {QUEUED}
    assert {e.attempts for e in entries} == {1}
    assert all(e.next_attempt_at == NOW + timedelta(minutes=1) for e in entries)

    # Still down, and the backoff has not passed: nothing is tried.
    assert deliver(config, now=NOW + timedelta(seconds=30)).failed == []
    # Still down after the backoff: tried again, the wait doubles.
    again = deliver(config, now=NOW + timedelta(minutes=2))
    assert len(again.failed) == 3
    with Ledger(config.state_dir) as ledger:
        entry = ledger.get(NORTHSHIRE, WEEK)
    assert entry is not None and entry.attempts == 2
    assert entry.next_attempt_at == NOW + timedelta(minutes=4)

    smtp_port.start()
    later = NOW + timedelta(minutes=5)
    sent = deliver(config, now=later)
    assert sorted(sent.sent) == sorted(f"{s} {WEEK}" for s in (NORTHSHIRE, HIGHLAND, "national"))
    # later runs (the outbox job, another report run) find nothing left to send
    assert deliver(config, now=later + timedelta(hours=1)).sent == []
    assert run_weekly(config, AS_OF, send_now=True, now=later + timedelta(hours=2)).sent == []
    assert _by_recipients(smtp_port) == {
        tuple(sorted(NS_RECIPIENTS)): 1,
        tuple(sorted(HC_RECIPIENTS)): 1,
        tuple(sorted(NATIONAL_RECIPIENTS)): 1,
    }
    with Ledger(config.state_dir) as ledger:
        assert {e.state for e in ledger.entries()} == {SENT}
    assert Outbox(config.state_dir).waiting() == []


def _tracker(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TRACKER_CONFIG"}
    return subprocess.run(
        [sys.executable, "-m", "tracker.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_two_runs_of_the_same_week_with_a_restart_send_one_message_per_board(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_server: SmtpServer
) -> None:
    config = _config(tmp_path, monkeypatch, backend="smtp", smtp_port=smtp_server.port)
    path = str(config.path)
    # Each run is its own process: a restart loses nothing but memory.
    first = _tracker("report", "--config", path, "--as-of", "2024-03-01", "--send", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("sent     ") == 3
    # The same ISO week again, two days later (Sunday 3 March).
    second = _tracker("report", "--config", path, "--as-of", "2024-03-03", "--send", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("already  ") == 3
    assert "sent     " not in second.stdout
    assert _by_recipients(smtp_server) == {
        tuple(sorted(NS_RECIPIENTS)): 1,
        tuple(sorted(HC_RECIPIENTS)): 1,
        tuple(sorted(NATIONAL_RECIPIENTS)): 1,
    }
    # The next week is a new report.
    third = _tracker("report", "--config", path, "--as-of", "2024-03-04", "--send", cwd=tmp_path)
    assert third.returncode == 0, third.stderr
    assert len(smtp_server.messages) == 6


def test_without_send_reports_go_to_the_outbox_as_eml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(tmp_path, monkeypatch)
    result = _tracker("report", "--config", str(config.path), "--as-of", "2024-03-01", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "e-mails are written to" in result.stdout
    emls = sorted((config.state_dir / "outbox").glob("*.eml"))
    assert [p.name for p in emls] == [
        f"{WEEK}--highland-child-protection-committee.eml",
        f"{WEEK}--national.eml",
        f"{WEEK}--northshire-lscb.eml",
    ]
    for path in emls:
        text = eml_texts(read_eml(path))
        assert NOTE_TEXT not in text and "SECRET-CELL" not in text
    assert NOTE_TEXT not in result.stdout + result.stderr


def test_board_option_makes_one_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _config(tmp_path, monkeypatch)
    out = run_weekly(config, AS_OF, send_now=False, only_board=HIGHLAND, now=NOW)
    assert [line.split(":")[0] for line in out.queued] == [f"{HIGHLAND} {WEEK}"]
    unknown = _tracker("report", "--config", str(config.path), "--board", "Nowhere", cwd=tmp_path)
    assert unknown.returncode == 2
    assert "unknown board 'Nowhere'" in unknown.stderr


def test_as_of_gives_reproducible_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _config(tmp_path, monkeypatch)
    run_weekly(config, AS_OF, send_now=False, now=NOW)
    first = read_eml(config.state_dir / "outbox" / f"{WEEK}--northshire-lscb.eml")
    # A fresh state directory, the same as-of date, a different clock: the same report.
    other = tmp_path / "again"
    other.mkdir()
    config2 = _config(other, monkeypatch)
    run_weekly(config2, AS_OF, send_now=False, now=NOW + timedelta(days=40))
    second = read_eml(config2.state_dir / "outbox" / f"{WEEK}--northshire-lscb.eml")
    for kind in ("plain", "html"):
        a, b = first.get_body((kind,)), second.get_body((kind,))
        assert a is not None and b is not None
        assert a.get_content() == b.get_content()
    assert first["Subject"] == second["Subject"]


def test_a_board_without_recipients_is_skipped_and_the_rest_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(tmp_path, monkeypatch)
    text = config.path.read_text().replace('recipients = ["cpc.manager@example.org"]\n', "")
    config.path.write_text(text)
    config = load_config(config.path)
    out = compose(config, {"reviews": [], "problems": []}, AS_OF, now=NOW)
    assert out.skipped == [f"{HIGHLAND} {WEEK}"]
    assert len(out.queued) == 2


def test_a_full_disk_gives_a_clear_message_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(tmp_path, monkeypatch)
    outbox_dir = config.state_dir / "outbox"
    outbox_dir.mkdir(parents=True)
    # A real, tiny file system (root only, as on every machine of this project): 16 KiB holds
    # no report with its attachment.
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(outbox_dir)], check=True)
    try:
        out = compose(config, {"reviews": [], "problems": []}, AS_OF, now=NOW)
        assert len(out.failed) == 3
        assert all("cannot write the e-mail: the disk is full" in f for f in out.failed)
        assert not list(outbox_dir.glob(".writing-*"))  # no half-written file left behind
        with Ledger(config.state_dir) as ledger:
            assert ledger.entries() == []  # not recorded: the next run makes them again
    finally:
        subprocess.run(["umount", str(outbox_dir)], check=True)
    again = compose(config, {"reviews": [], "problems": []}, AS_OF, now=NOW)
    assert len(again.queued) == 3
