"""``tracker report`` and ``tracker run``: the weekly e-mail by hand, and the service.

Exit codes follow the rest of the CLI: 0 done, 1 a report could not be queued or sent (it stays
in the outbox for the next run), 2 unusable config or usage.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from tracker.cli.usage import fail, load, parse_day, require_boards, state_folder

if TYPE_CHECKING:
    from tracker.config import Config

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
F = TypeVar("F", bound=Callable[..., Any])


def _load(config_path: str | None) -> tuple[Config, Path]:
    config = load(config_path, required=True)
    assert config is not None and config.path is not None  # load exits without one
    return config, config.path


def _as_of(value: str | None) -> date:
    if value is not None:
        return parse_day(value)
    from tracker.calendars import today_in_london

    return today_in_london()


def with_address(config: Config, host: str | None, port: int | None) -> Config:
    """``--host``/``--port`` in place of the config's ``[web]`` ones."""
    web = config.web
    if port is not None and not 0 < port < 65536:
        fail(f"--port must be between 1 and 65535, not {port}")
    web = dataclasses.replace(web, host=host or web.host, port=port or web.port)
    return dataclasses.replace(config, web=web)


def address_options(command: F) -> F:
    """``--host`` and ``--port`` for the commands that serve the web view."""
    command = click.option(
        "--port", type=int, default=None, help="Listen on this port (default: [web] port, 8080)."
    )(command)
    return click.option(
        "--host", default=None, help="Listen on this address (default: [web] host, 127.0.0.1)."
    )(command)


@click.command("report", short_help="This week's e-mails: each board and the national summary.")
@click.option("--config", "config_path", metavar="FILE", help="tracker.toml")
@click.option(
    "--as-of",
    "as_of",
    metavar="DATE",
    help="Report as of this date (31/12/2024 or 2024-12-31); default today in London.",
)
@click.option("--send", is_flag=True, help="Deliver now (SMTP backend); otherwise queue only.")
@click.option("--board", "board", help="Only this board's report (no national summary).")
def report_command(
    config_path: str | None, as_of: str | None, send: bool, board: str | None
) -> None:
    """Make this week's e-mail for each board and the national summary.

    Each report is made once per ISO week: a second run of the same week sends nothing new.
    Without --send the messages are written to the outbox as .eml files (with the SMTP backend
    the service, or a later --send, delivers them).
    """
    from tracker.mail.mailing import describe_delivery, run_weekly

    config, _ = _load(config_path)
    day = _as_of(as_of)
    if board is not None and board not in {b.name for b in config.boards}:
        names = ", ".join(b.name for b in config.boards) or "none"
        fail(f"unknown board {board!r} (boards in the config: {names})")
    state_folder(config, create=True)
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


@click.command("run", short_help="The service: refresh, weekly e-mail, outbox and web view.")
@click.option("--config", "config_path", metavar="FILE", help="tracker.toml")
@click.option("--no-web", is_flag=True, help="Run the scheduled jobs without the web view.")
@address_options
def run_command(config_path: str | None, no_web: bool, host: str | None, port: int | None) -> None:
    """Run the service: refresh sources, weekly report, outbox retries, and the web view.

    Paths in the config (sources, state_dir) are relative to the config file's folder.
    Stops cleanly on SIGTERM or Ctrl-C.
    """
    from jobs.service import run_service
    from tracker.mail.mailing import describe_delivery
    from tracker.web import PortError

    config, path = _load(config_path)
    require_boards(config, "run")
    config = with_address(config, host, port)
    state_folder(config, create=True)
    # The service logs what ran, what was sent and what failed (the group set WARNING).
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, stream=sys.stderr, force=True)
    click.echo(f"tracker run: {describe_delivery(config)}")
    click.echo(
        f"tracker run: weekly report {config.schedule.weekly_report} "
        f"({config.schedule.timezone}), refresh every {config.schedule.refresh_minutes} min; "
        "Ctrl-C to stop"
    )
    try:
        code = run_service(config, path, with_web=not no_web)
    except PortError as exc:
        fail(str(exc))
    sys.exit(code)
