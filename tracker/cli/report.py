"""``tracker report`` and ``tracker run``: the weekly e-mail by hand, and the service.

Exit codes follow the rest of the CLI: 0 done, 1 a report could not be queued or sent (it stays
in the outbox for the next run), 2 unusable config or usage.
"""

from __future__ import annotations

import logging
import sys
from datetime import date, datetime
from pathlib import Path

import click

from tracker.config import Config, ConfigError, find_config, load_config

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _load(config_path: str | None) -> tuple[Config, Path]:
    path = find_config(config_path)
    if path is None:
        click.echo(
            "tracker: no config: pass --config FILE, set TRACKER_CONFIG, "
            "or put tracker.toml in this folder",
            err=True,
        )
        sys.exit(2)
    try:
        return load_config(path), path
    except ConfigError as exc:
        click.echo(f"tracker: {exc}", err=True)
        sys.exit(2)


def _as_of(value: datetime | None) -> date:
    if value is not None:
        return value.date()
    from tracker.calendars import today_in_london

    return today_in_london()


@click.command("report")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="tracker.toml")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Report as of this date (YYYY-MM-DD); default today in London.",
)
@click.option("--send", is_flag=True, help="Deliver now (SMTP backend); otherwise queue only.")
@click.option("--board", "board", help="Only this board's report (no national summary).")
def report_command(
    config_path: str | None, as_of: datetime | None, send: bool, board: str | None
) -> None:
    """Make this week's e-mail for each board and the national summary.

    Each report is made once per ISO week: a second run of the same week sends nothing new.
    Without --send the messages are written to the outbox as .eml files (with the SMTP backend
    the service, or a later --send, delivers them).
    """
    from tracker.mail.mailing import describe_delivery, run_weekly

    config, _ = _load(config_path)
    if board is not None and board not in {b.name for b in config.boards}:
        names = ", ".join(b.name for b in config.boards) or "none"
        click.echo(f"tracker: unknown board {board!r} (boards in the config: {names})", err=True)
        sys.exit(2)
    day = _as_of(as_of)
    out = run_weekly(config, day, send_now=send, only_board=board, ignore_backoff=True)
    for line in out.queued:
        click.echo(f"queued   {line}")
    for line in out.already:
        click.echo(f"already  {line} (made earlier this week: not made again)")
    for line in out.skipped:
        click.echo(f"skipped  {line} (no recipients)")
    for line in out.sent:
        click.echo(f"sent     {line}")
    for line in out.failed:
        click.echo(f"FAILED   {line}")
    click.echo(describe_delivery(config))
    if config.email.backend == "smtp" and not send and out.queued:
        click.echo("not sent yet: run with --send, or let `tracker run` deliver the outbox")
    sys.exit(0 if out.ok else 1)


@click.command("run")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="tracker.toml")
@click.option("--no-web", is_flag=True, help="Run the scheduled jobs without the web view.")
def run_command(config_path: str | None, no_web: bool) -> None:
    """Run the service: refresh sources, weekly report, outbox retries, and the web view.

    Stops cleanly on SIGTERM or Ctrl-C.
    """
    from jobs.service import run_service
    from tracker.mail.mailing import describe_delivery

    # The service logs what ran, what was sent and what failed (the group set WARNING).
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, stream=sys.stderr, force=True)
    config, path = _load(config_path)
    click.echo(f"tracker run: {describe_delivery(config)}")
    click.echo(
        f"tracker run: weekly report {config.schedule.weekly_report} "
        f"({config.schedule.timezone}), refresh every {config.schedule.refresh_minutes} min; "
        "Ctrl-C to stop"
    )
    sys.exit(run_service(config, path, with_web=not no_web))
