"""The weekly run: compose each report once per week, queue it in the outbox, deliver it.

Order matters for "never twice, never lost": a report is written to the outbox (atomically, under
a name fixed by its week and scope) before the ledger records it, and it leaves the outbox only
after the SMTP server has accepted it. A second run of the same week finds the ledger row and
composes nothing; a failed send stays queued and is retried with backoff by the next run.

With the ``outbox`` backend the outbox is where e-mails land, so a queued report counts as
delivered at once. With ``smtp`` it is a queue: ``--send`` (and the service) deliver it.
Log lines name boards, weeks, files and addresses only: never a cell's content.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from tracker.access.boards import source_owners
from tracker.config import Config
from tracker.mail.ledger import NATIONAL_SCOPE, Ledger, iso_week
from tracker.mail.outbox import Outbox, OutboxError, filename_for
from tracker.mail.render import build_message
from tracker.mail.report import Report, board_report, national_report, scopes
from tracker.mail.smtp import DeliveryError, send

log = logging.getLogger("tracker.mail")


@dataclass
class Outcome:
    """What a run did, one line per report, for the CLI and the logs."""

    queued: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def merge(self, other: Outcome) -> Outcome:
        for name in ("queued", "already", "skipped", "sent", "failed"):
            getattr(self, name).extend(getattr(other, name))
        return self


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def make_report(
    config: Config, check: Mapping[str, Any], scope: str, as_of: date, since: date | None
) -> Report:
    if scope == NATIONAL_SCOPE:
        report = national_report(check, config, as_of, since)
    else:
        report = board_report(check, config.board(scope), as_of, since, source_owners(config))
    return replace(report, web_url=config.web.public_url)


def compose(
    config: Config,
    check: Mapping[str, Any],
    as_of: date,
    *,
    only_board: str | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Queue this week's reports that are not queued yet. One failure does not stop the others."""
    now = _now(now)
    week = iso_week(as_of)
    outbox = Outbox(config.state_dir)
    out = Outcome()
    with Ledger(config.state_dir) as ledger:
        for scope in scopes(config, only_board):
            label = f"{scope} {week}"
            if ledger.get(scope, week) is not None:
                out.already.append(label)
                log.info("report for %s week %s was made already: not made again", scope, week)
                continue
            since = ledger.last_report_as_of(scope, week)
            report = make_report(config, check, scope, as_of, since)
            if not report.recipients:
                out.skipped.append(label)
                key = "national.recipients" if scope == NATIONAL_SCOPE else "recipients"
                log.warning("report for %s week %s not made: no %s in the config", scope, week, key)
                continue
            filename = filename_for(week, scope)
            try:
                message = build_message(report, config.email.sender, now)
                path = outbox.put(filename, message)
            except OutboxError as exc:
                out.failed.append(f"{label}: {exc.strerror}")
                log.error("report for %s week %s not queued: %s", scope, week, exc.strerror)
                continue
            ledger.record_queued(
                scope, week, as_of, filename, str(message["Message-ID"]), report.recipients, now
            )
            if config.email.backend == "outbox":
                ledger.mark_sent(scope, week, now)
            out.queued.append(f"{label}: {path}")
            log.info(
                "report for %s week %s written to %s (%d overdue, %d problems)",
                scope,
                week,
                path,
                len(report.overdue),
                len(report.problems),
            )
    return out


def deliver(
    config: Config, *, now: datetime | None = None, ignore_backoff: bool = False
) -> Outcome:
    """Send every queued report whose backoff has passed; failures stay queued."""
    out = Outcome()
    if config.email.backend != "smtp":
        return out
    now = _now(now)
    outbox = Outbox(config.state_dir)
    with Ledger(config.state_dir) as ledger:
        for entry in ledger.due(now, ignore_backoff=ignore_backoff):
            label = f"{entry.scope} {entry.week}"
            if not ledger.claim(entry.scope, entry.week, now):
                continue  # sent meanwhile, or another process is sending it
            message = outbox.read(entry.filename)
            if message is None:
                error = f"{outbox.path(entry.filename)} is missing from the outbox"
                failed = ledger.mark_failed(entry.scope, entry.week, error, now)
                out.failed.append(f"{label}: {error}")
                log.error("report for %s week %s: %s", entry.scope, entry.week, error)
                continue
            try:
                refused = send(config.email.smtp, message, entry.recipients)
            except DeliveryError as exc:
                failed = ledger.mark_failed(entry.scope, entry.week, str(exc), now)
                out.failed.append(f"{label}: {exc}")
                log.warning(
                    "report for %s week %s not sent (attempt %d): %s; stays in the outbox, "
                    "next try after %s",
                    entry.scope,
                    entry.week,
                    failed.attempts,
                    exc,
                    failed.next_attempt_at.isoformat(timespec="seconds"),
                )
                continue
            ledger.mark_sent(entry.scope, entry.week, now)
            try:
                outbox.move_to_sent(entry.filename)
            except OSError as exc:  # sent all the same: the ledger says so, nothing is resent
                log.warning(
                    "report for %s week %s sent but not moved: %s", entry.scope, entry.week, exc
                )
            out.sent.append(label)
            accepted = len(entry.recipients) - len(refused)
            log.info(
                "report for %s week %s sent to %d recipient(s)", entry.scope, entry.week, accepted
            )
            for address, (code, _) in refused.items():
                log.warning(
                    "report for %s week %s: the server refused %s (%d)",
                    entry.scope,
                    entry.week,
                    address,
                    code,
                )
    return out


def run_weekly(
    config: Config,
    as_of: date,
    *,
    send_now: bool,
    only_board: str | None = None,
    check: Mapping[str, Any] | None = None,
    now: datetime | None = None,
    ignore_backoff: bool = False,
) -> Outcome:
    """Check every source (unless results are given), queue the week's reports, maybe send."""
    if check is None:
        from tracker.check import check_config

        check = check_config(config, as_of).to_json()
    out = compose(config, check, as_of, only_board=only_board, now=now)
    if send_now:
        out.merge(deliver(config, now=now, ignore_backoff=ignore_backoff))
    return out


def describe_delivery(config: Config) -> str:
    """One line for ``tracker report``, ``tracker run`` and the service log: where e-mails go."""
    outbox = (config.state_dir / "outbox").resolve()
    if config.email.backend == "outbox":
        return f"e-mails are written to {outbox} (outbox backend: nothing is sent)"
    smtp = config.email.smtp
    return (
        f"e-mails are queued in {outbox} and sent through {smtp.host}:{smtp.port} ({smtp.security})"
    )
