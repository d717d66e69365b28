"""``tracker user add|remove|token|sessions|sign-out`` and ``tracker serve``, added to the group
in ``commands``.

Exit codes as the rest of the CLI: 0 done, 1 the change could not be made (no such user...),
2 an unusable config or usage.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime

import click

from tracker.config import Config, ConfigError, default_config, find_config, load_config
from tracker.sessions import SessionStore, sessions_path
from tracker.users import UserError, UserStore, users_path


def _config(path: str | None) -> Config:
    found = find_config(path)
    try:
        return load_config(found) if found else default_config()
    except ConfigError as exc:
        click.echo(f"tracker: {exc}", err=True)
        sys.exit(2)


def _sessions(config: Config) -> SessionStore:
    return SessionStore(
        sessions_path(config.state_dir),
        lifetime_seconds=config.web.session_hours * 3600.0,
        idle_seconds=config.web.session_idle_minutes * 60.0,
    )


def _end_sessions(config: Config, name: str) -> str:
    ended = _sessions(config).end_user(name)
    return f"; {ended} session{'s' if ended != 1 else ''} ended" if ended else ""


_config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="tracker.toml (default: $TRACKER_CONFIG or ./tracker.toml)",
)


@click.group("user")
def user() -> None:
    """Manage who may sign in to the web view."""


@user.command("add")
@click.argument("name")
@click.option("--boards", default=None, help='Boards this user may see: "Board A,Board B".')
@click.option("--national", is_flag=True, help="May see every board.")
@click.option(
    "--password-stdin",
    is_flag=True,
    required=True,
    help="Read the password from standard input (never from the command line).",
)
@click.option("--replace", is_flag=True, help="Replace an existing user of that name.")
@_config_option
def add(
    name: str,
    boards: str | None,
    national: bool,
    password_stdin: bool,
    replace: bool,
    config_path: str | None,
) -> None:
    """Add user NAME, reading the password from standard input."""
    if bool(boards) == national:
        raise click.UsageError("give exactly one of --boards or --national")
    config = _config(config_path)
    board_names = tuple(b.strip() for b in (boards or "").split(",") if b.strip())
    known = {b.name for b in config.boards}
    unknown = [b for b in board_names if known and b not in known]
    if unknown:
        raise click.ClickException(
            f"unknown board(s) {', '.join(map(repr, unknown))} (known: {', '.join(sorted(known))})"
        )
    password = sys.stdin.readline().rstrip("\r\n")
    store = UserStore(users_path(config.state_dir))
    try:
        store.add(name, password, boards=board_names, national=national, replace=replace)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    # A replaced user (new scope or password) starts afresh: no session carries over.
    ended = _end_sessions(config, name)
    scope = "every board" if national else ", ".join(board_names)
    click.echo(f"added user {name} ({scope}) to {store.path}{ended}")


@user.command("remove")
@click.argument("name")
@_config_option
def remove(name: str, config_path: str | None) -> None:
    """Remove user NAME: their sessions, API token and calendar address stop working at once."""
    config = _config(config_path)
    store = UserStore(users_path(config.state_dir))
    try:
        store.remove(name)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"removed user {name}{_end_sessions(config, name)}")


@user.command("token")
@click.argument("name")
@_config_option
def token(name: str, config_path: str | None) -> None:
    """Make an API token for NAME (replacing any earlier one) and print it once.

    Programs send it as ``Authorization: Bearer TOKEN`` to /api/* only, and see what NAME may
    see. Only its hash is kept: a lost token cannot be shown again, only replaced.
    """
    config = _config(config_path)
    store = UserStore(users_path(config.state_dir))
    try:
        secret = store.new_api_token(name)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(secret)
    click.echo(
        f"API token for {name}: shown once, kept only as a hash; any earlier token stopped working",
        err=True,
    )


@user.command("sessions")
@click.argument("name")
@_config_option
def sessions(name: str, config_path: str | None) -> None:
    """List NAME's signed-in sessions: when each began, was last used and will end."""
    config = _config(config_path)
    store = _sessions(config)
    found = store.of_user(name)
    if not found:
        click.echo(f"{name} has no session")
        return
    click.echo(f"{name} has {len(found)} session{'s' if len(found) != 1 else ''}:")
    for record in found:
        click.echo(
            f"  {record.short_id}  signed in {_moment(record.created)}"
            f" · last used {_moment(record.last_seen)} · ends {_moment(store.expires_at(record))}"
        )


@user.command("sign-out")
@click.argument("name")
@_config_option
def sign_out(name: str, config_path: str | None) -> None:
    """End every session of NAME at once (they must sign in again)."""
    config = _config(config_path)
    ended = _sessions(config).end_user(name)
    click.echo(f"ended {ended} session{'s' if ended != 1 else ''} of {name}")


def _moment(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


@click.command("serve")
@_config_option
def serve(config_path: str | None) -> None:
    """Serve the read-only web view (waitress) on [web] host and port."""
    from tracker.web import create_app
    from tracker.web import serve as run

    # A long-running server logs its start, sign-ins and failures (the CLI default is warnings).
    logging.getLogger().setLevel(logging.INFO)
    config = _config(config_path)
    app = create_app(config)
    click.echo(f"serving the web view on http://{config.web.host}:{config.web.port}/")
    run(app, config.web.host, config.web.port)
