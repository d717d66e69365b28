"""How the command line refuses: one line on stderr, one prefix, exit 2, and the fix in the line.

Every command reads its config and its ``--as-of`` through here, so a config that cannot be used
or a date that cannot be read gets the same words and the same exit code whichever command met
it (the README documents the codes: 0 clean, 1 problems found, 2 unusable input or usage).
"""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:  # the config reader imports the framework registry: only when a command runs
    from tracker.config import Config

PREFIX = "tracker: "
USAGE = 2
NO_CONFIG = (
    "no config: pass --config FILE, set TRACKER_CONFIG, or put tracker.toml in this folder "
    "(sample_workbooks/tracker.toml is an example)"
)
#: 31/12/2024, 31-12-2024 or 31.12.2024: the order every output prints
_UK = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")


def fail(message: str, code: int = USAGE) -> NoReturn:
    """One line on stderr, never a traceback."""
    click.echo(PREFIX + message, err=True)
    sys.exit(code)


def parse_day(text: str, option: str = "--as-of") -> date:
    """A day as people type it here: UK order (``31/12/2024``) or ISO (``2024-12-31``)."""
    value = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
        match = _UK.fullmatch(value)
        if match:
            day, _, month, year = match.groups()
            return date(int(year), int(month), int(day))
    except ValueError:
        pass
    fail(f"{option} {text!r} is not a date: give it as 31/12/2024 or 2024-12-31")


def load(path: str | None, *, required: bool) -> Config | None:
    """The config from ``--config``, ``$TRACKER_CONFIG`` or ./tracker.toml, with its board
    overrides checked; None if there is none and none is required."""
    from tracker.config import ConfigError, check_overrides, find_config, load_config

    found = find_config(path)
    if found is None:
        if required:
            fail(NO_CONFIG)
        return None
    try:
        config = load_config(found)
        for board in config.boards:
            check_overrides(board, str(found))
    except ConfigError as exc:
        fail(str(exc))
    return config


def require_boards(config: Config | None, what: str) -> Config:
    """``serve`` and ``run`` have nothing to show or send without a board: say so, exit 2."""
    if config is None:
        fail(f"no boards to {what}: {NO_CONFIG}")
    if not config.boards:
        fail(
            f"no boards to {what}: {config.path or 'the config'} names none; add a [[boards]] "
            "table (see sample_workbooks/tracker.toml)"
        )
    return config


def state_folder(config: Config, *, create: bool) -> Path:
    """The state folder, made if ``create``; one line naming the fix when it cannot be used."""
    folder = config.state_dir
    where = f"state_dir in {config.path}" if config.path else "the default state folder"
    if create:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            fail(
                f"cannot create the state folder {folder} ({where}): {exc.strerror or exc}; "
                "point state_dir at a folder you can write"
            )
    elif not folder.is_dir():
        fail(
            f"the state folder {folder} ({where}) does not exist: start `tracker run` with this "
            "config first (it writes the data the web view serves), or point state_dir at the "
            "service's folder"
        )
    return folder
