"""Fixtures for the weekly e-mail and service tests: real workbooks, a real SMTP server, a config.

The data set (as of Friday 1 March 2024, ISO week 2024-W09):

Northshire LSCB (England), one workbook with two sheets
  England SCR
    NS-2024-01  notified 08/01/2024, no decision       -> decision overdue 22 days (should)
    NS-2024-02  notified 08/01/2024, decision 26/02     -> decision done late, this week;
                lead reviewer not independent            -> condition not met (must)
    NS-2024-03  notified 31/02/2024                     -> data problem (impossible date)
    NS-2024-04  notified 05/02/2024, no decision       -> decision due 05/03 (due soon)
    NS-2024-05  decision cell holds free text           -> data problem, value withheld
  England LCSPR
    LS-2024-01  LA aware 01/02/2024, Panel not told    -> panel_notified overdue (statute, must)
Highland CPC (Scotland)
  Scotland SCR
    HC-2024-01  notified 10/01/2024, no ICR            -> icr_completed overdue (local default)

Every row carries a note (``NOTE_TEXT``) that must never appear in an e-mail or a log.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from openpyxl import Workbook

from tracker.registry import get_framework

AS_OF = date(2024, 3, 1)
WEEK = "2024-W09"
NOTE_TEXT = "Mother disclosed SECRET-NOTE-7731 to the health visitor"
FREE_TEXT_IN_DATE = "awaiting police SECRET-CELL-4410"
NORTHSHIRE = "Northshire LSCB"
HIGHLAND = "Highland Child Protection Committee"
NS_RECIPIENTS = ("lscb.manager@example.org", "lscb.chair@example.org")
HC_RECIPIENTS = ("cpc.manager@example.org",)
NATIONAL_RECIPIENTS = ("inspectors@example.org",)
SENDER = "tracker@example.org"


def write_sheet(wb: Workbook, framework_id: str, rows: list[dict[str, Any]]) -> None:
    fw = get_framework(framework_id)
    ws = wb.create_sheet(fw.sheet)
    ws.append([f.header for f in fw.all_fields])
    for values in rows:
        ws.append([values.get(f.id) for f in fw.all_fields])


def northshire_workbook(path: Path) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    n = NOTE_TEXT
    write_sheet(
        wb,
        "england-scr",
        [
            {"review_id": "NS-2024-01", "notified": date(2024, 1, 8), "notes": n},
            {
                "review_id": "NS-2024-02",
                "notified": date(2024, 1, 8),
                "decision": date(2024, 2, 26),
                "decision_outcome": "Initiate SCR",
                "reviewer_appointed": date(2024, 2, 27),
                "reviewer_independent": "No",
                "notes": n,
            },
            {"review_id": "NS-2024-03", "notified": "31/02/2024", "notes": n},
            {"review_id": "NS-2024-04", "notified": date(2024, 2, 5), "notes": n},
            {
                "review_id": "NS-2024-05",
                "notified": date(2024, 2, 1),
                "decision": FREE_TEXT_IN_DATE,
                "notes": n,
            },
        ],
    )
    write_sheet(
        wb,
        "england-lcspr",
        [{"review_id": "LS-2024-01", "la_aware": date(2024, 2, 1), "notes": n}],
    )
    # a pause whose Notes cell holds free text: the pause is reported, its notes never
    from tracker.pauses import SPEC

    pauses = wb.create_sheet(SPEC.title)
    pauses.append([f.header for f in SPEC.fields])
    event = {
        "review_id": "LS-2024-01",
        "stage": "Date published",
        "kind": "Pause",
        "reason": "Criminal proceedings",
        "from": date(2024, 2, 20),
        "notes": n,
    }
    pauses.append([event.get(f.id) for f in SPEC.fields])
    wb.save(path)
    return path


def highland_workbook(path: Path) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    write_sheet(
        wb,
        "scotland-scr",
        [{"review_id": "HC-2024-01", "notified": date(2024, 1, 10), "notes": NOTE_TEXT}],
    )
    wb.save(path)
    return path


def free_port() -> int:
    """aiosmtpd cannot bind port 0 (NOTES.md): ask the OS for a free port first."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class Collector:
    """aiosmtpd handler that keeps every message it accepts."""

    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"


class SmtpServer:
    """A real SMTP server on 127.0.0.1 that can be started late (to test "down, then up")."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.handler = Collector()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, loop=asyncio.new_event_loop()
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.messages)


def running_smtp(*, started: bool = True) -> Iterator[SmtpServer]:
    """For a fixture: a server on a free port (started, or not yet, to test "down, then up")."""
    server = SmtpServer(free_port())
    if started:
        server.start()
    try:
        yield server
    finally:
        server.stop()


def write_config(
    tmp_path: Path,
    *,
    backend: str = "outbox",
    smtp_port: int | None = None,
    weekly: str = "mon 08:00",
    refresh_minutes: int = 15,
) -> Path:
    books = tmp_path / "books"
    books.mkdir(exist_ok=True)
    northshire_workbook(books / "northshire.xlsx")
    highland_workbook(books / "highland.xlsx")
    smtp = ""
    if smtp_port is not None:
        smtp = f"""
[email.smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
timeout_seconds = 5
"""
    text = f"""
state_dir = "state"

[[boards]]
name = "{NORTHSHIRE}"
nation = "england"
sources = ["books/northshire.xlsx"]
recipients = {list(NS_RECIPIENTS)!r}

[[boards]]
name = "{HIGHLAND}"
nation = "scotland"
sources = ["books/highland.xlsx"]
recipients = {list(HC_RECIPIENTS)!r}

[national]
recipients = {list(NATIONAL_RECIPIENTS)!r}

[email]
backend = "{backend}"
from = "{SENDER}"
{smtp}
[schedule]
timezone = "Europe/London"
weekly_report = "{weekly}"
refresh_minutes = {refresh_minutes}

[web]
host = "127.0.0.1"
port = {free_port()}
"""
    path = tmp_path / "tracker.toml"
    path.write_text(text.replace("'", '"'), encoding="utf-8")
    return path


def eml_texts(message: EmailMessage) -> str:
    """Every decoded text a message holds: headers, both parts, the xlsx's XML."""
    import io
    import zipfile

    out = [str(k) + ": " + str(v) for k, v in message.items()]
    for part in message.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        if part.get_content_type().startswith("text/"):
            out.append(payload.decode(part.get_content_charset() or "utf-8"))
        else:
            with zipfile.ZipFile(io.BytesIO(payload)) as zf:
                for name in zf.namelist():
                    out.append(zf.read(name).decode("utf-8", "replace"))
    return "\n".join(out)


def read_eml(path: Path) -> EmailMessage:
    msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert isinstance(msg, EmailMessage)
    return msg
