"""The officers' own e-mail: a short note to a board's ``data_recipients`` when its data problems change.

The people who keep the spreadsheet hear about a problem when it appears and again when it is
fixed: new problems first, then fixed ones. Nothing is sent when nothing changed, and at most one
message a day per board: the ledger keys it by (``officers:BOARD``, day) exactly as the weekly
report is keyed by week, and it goes through the same outbox, so delivery, retries and "never
twice" work the same way. What the last message told them is kept in the state directory; a
change on a day that already had its message waits for the next day's, compared with what they
were last told. Problem text goes through the weekly report's filter: a value that may be free
text is withheld.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from tracker.config import BoardConfig, Config
from tracker.mail.ledger import Ledger
from tracker.mail.mailing import Outcome, deliver
from tracker.mail.outbox import Outbox, OutboxError, filename_for, slug
from tracker.mail.report import ProblemLine, _problem, safe_value

log = logging.getLogger("tracker.mail.officers")

STATE_DIRNAME = "officers"
SCOPE_PREFIX = "officers:"


def scope_for(board: BoardConfig) -> str:
    return f"{SCOPE_PREFIX}{board.name}"


def problem_key(problem: Mapping[str, Any]) -> str:
    """What makes a problem the same problem from one refresh to the next."""
    parts = (problem.get(k) or "" for k in ("source", "sheet", "cell", "type"))
    return "|".join(str(p) for p in parts)


def _line(p: ProblemLine, fix: str | None) -> str:
    where = f"{p.sheet}!{p.cell}" if p.sheet and p.cell else (p.sheet or p.source)
    rid = f" ({p.review_id})" if p.review_id else ""
    return f"{where}{rid}: {p.message}" + (f" Fix: {fix}" if fix else "")


def _fix(problem: Mapping[str, Any]) -> str | None:
    """The fix, unless the value was withheld (a fix may quote a suggestion made from it)."""
    fix = problem.get("fix")
    if not fix or safe_value(problem.get("value")) is None:
        return None
    return str(fix)


def where_to_look(board: BoardConfig) -> list[str]:
    """Where each of the board's Tracker sheets is, for the message's last lines."""
    if not board.publish:
        return []
    from tracker.output.publish.workbook import companion_path
    from tracker.sources.base import is_gsheet

    out = []
    for source in board.sources:
        if is_gsheet(source):
            out.append(f"  - {source}: its Tracker tab")
        else:
            out.append(f"  - {Path(source).name}: {companion_path(source, board.publish_dir)}")
    return out


class Baseline:
    """What the officers were last told, per board: problem key -> the line they read."""

    def __init__(self, state_dir: Path) -> None:
        self.dir = state_dir / STATE_DIRNAME

    def _path(self, board: str) -> Path:
        digest = hashlib.sha256(board.encode("utf-8")).hexdigest()[:8]
        return self.dir / f"{slug(board)}-{digest}.json"

    def get(self, board: str) -> dict[str, str]:
        try:
            data = json.loads(self._path(board).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def put(self, board: str, lines: dict[str, str]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".writing-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(lines, fh, sort_keys=True)
            os.replace(tmp, self._path(board))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def current_problems(check: Mapping[str, Any], board: BoardConfig) -> dict[str, str]:
    """The board's problems now: key -> the line an officer reads (free text withheld)."""
    out: dict[str, str] = {}
    for problem in check.get("problems", []):
        if problem.get("severity") == "info":  # a note that needs no action
            continue
        if str(problem.get("source", "")) in board.sources:
            out[problem_key(problem)] = _line(_problem(problem), _fix(problem))
    return out


def build_officers_message(
    board: BoardConfig,
    sender: str,
    new: list[str],
    fixed: list[str],
    as_of: date,
    now: datetime,
) -> EmailMessage:
    parts = []
    if new:
        parts.append(f"{len(new)} new data problem{'s' if len(new) != 1 else ''}")
    if fixed:
        parts.append(f"{len(fixed)} fixed")
    message = EmailMessage()
    message["Subject"] = f"{board.name}: {', '.join(parts)}"
    message["From"] = sender
    message["To"] = ", ".join(board.data_recipients)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=sender.partition("@")[2] or None)
    lines = [
        f"The case review tracker checked {board.name}'s review spreadsheets on {as_of:%d/%m/%Y}.",
        "",
    ]
    if new:
        lines.append(f"New data problems ({len(new)}): please correct them in the spreadsheet.")
        lines += [f"  - {line}" for line in new]
        lines.append("")
    if fixed:
        lines.append(f"Fixed since the last message ({len(fixed)}): thank you.")
        lines += [f"  - {line}" for line in fixed]
        lines.append("")
    places = where_to_look(board)
    if places:
        lines.append("Every problem, with a link to its cell, is on the Tracker sheet:")
        lines += places
        lines.append("")
    lines.append("You get this message only when the list of problems changes, at most once a day.")
    message.set_content("\n".join(lines) + "\n")
    return message


def notify_officers(
    config: Config,
    check: Mapping[str, Any],
    as_of: date,
    *,
    now: datetime | None = None,
    send_now: bool = True,
) -> Outcome:
    """Queue (and with SMTP, send) each board's message if its problems changed since last told."""
    now = now or datetime.now(UTC)
    day = as_of.isoformat()
    out = Outcome()
    baseline = Baseline(config.state_dir)
    outbox = Outbox(config.state_dir)
    with Ledger(config.state_dir) as ledger:
        for board in config.boards:
            if not board.data_recipients:
                continue
            label = f"{scope_for(board)} {day}"
            told = baseline.get(board.name)
            current = current_problems(check, board)
            new = [line for key, line in sorted(current.items()) if key not in told]
            fixed = [line for key, line in sorted(told.items()) if key not in current]
            if not new and not fixed:
                continue
            if ledger.get(scope_for(board), day) is not None:
                out.already.append(label)
                log.info("officers of %s had their message today: the change waits", board.name)
                continue
            filename = filename_for(day, scope_for(board))
            try:
                message = build_officers_message(board, config.email.sender, new, fixed, as_of, now)
                path = outbox.put(filename, message)
            except OutboxError as exc:
                out.failed.append(f"{label}: {exc.strerror}")
                log.error("officers' message for %s not queued: %s", board.name, exc.strerror)
                continue
            ledger.record_queued(
                scope_for(board),
                day,
                as_of,
                filename,
                str(message["Message-ID"]),
                board.data_recipients,
                now,
            )
            if config.email.backend == "outbox":
                ledger.mark_sent(scope_for(board), day, now)
            baseline.put(board.name, current)
            out.queued.append(f"{label}: {path}")
            log.info(
                "officers' message for %s written to %s (%d new, %d fixed)",
                board.name,
                path,
                len(new),
                len(fixed),
            )
    if send_now and out.queued:
        out.merge(deliver(config, now=now))
    return out
