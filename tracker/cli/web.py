"""``tracker user add|remove`` and ``tracker serve``, added to the group in ``commands``."""

from __future__ import annotations

import logging
import sys

import click

from tracker.config import Config, ConfigError, default_config, find_config, load_config
from tracker.users import UserError, UserStore, users_path


def _config(path: str | None) -> Config:
    found = find_config(path)
    try:
        return load_config(found) if found else default_config()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


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
    scope = "every board" if national else ", ".join(board_names)
    click.echo(f"added user {name} ({scope}) to {store.path}")


@user.command("remove")
@click.argument("name")
@_config_option
def remove(name: str, config_path: str | None) -> None:
    """Remove user NAME: their sessions and calendar address stop working at once."""
    config = _config(config_path)
    store = UserStore(users_path(config.state_dir))
    try:
        store.remove(name)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"removed user {name}")


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
