"""Web-view users: who may sign in, and which boards each may see.

Kept in ``users.json`` under the state directory, written atomically with owner-only permissions.
Passwords are stored as werkzeug scrypt hashes, never in clear. Each user also has a random
calendar token, the secret in their ``/calendar.ics`` address (a calendar program cannot sign in).
"""

from __future__ import annotations

import hmac
import json
import os
import re
import secrets
import tempfile
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

FILENAME = "users.json"
MIN_PASSWORD_LENGTH = 12
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_METHOD = "scrypt"


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked when the user does not exist, so a wrong name costs as long as a wrong password."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash("not a password", method=_METHOD)


class UserError(ValueError):
    """A user cannot be added or removed; the message says why in one line."""


@dataclass(frozen=True)
class User:
    name: str
    password_hash: str
    boards: tuple[str, ...]
    national: bool
    calendar_token: str

    def may_see(self, board: str | None) -> bool:
        """National users see every board; others only the boards they were given."""
        return self.national or (board is not None and board in self.boards)

    def to_json(self) -> dict[str, Any]:
        return {
            "password_hash": self.password_hash,
            "boards": list(self.boards),
            "national": self.national,
            "calendar_token": self.calendar_token,
        }


def users_path(state_dir: Path) -> Path:
    return state_dir / FILENAME


class UserStore:
    """The users file, re-read when it changes on disk (``tracker user add`` runs in another process)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._users: dict[str, User] = {}

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def users(self) -> dict[str, User]:
        with self._lock:
            stamp = self._stat()
            if stamp != self._stamp:
                self._users = _read(self.path) if stamp else {}
                self._stamp = stamp
            return self._users

    def get(self, name: str) -> User | None:
        return self.users().get(name)

    def authenticate(self, name: str, password: str) -> User | None:
        # imported here: `tracker check` loads this module with the CLI but never hashes
        from werkzeug.security import check_password_hash

        user = self.get(name)
        if user is None:
            check_password_hash(_dummy_hash(), password)
            return None
        return user if check_password_hash(user.password_hash, password) else None

    def by_calendar_token(self, token: str) -> User | None:
        found = None
        for user in self.users().values():
            if hmac.compare_digest(user.calendar_token.encode(), token.encode()):
                found = user
        return found

    def add(
        self,
        name: str,
        password: str,
        *,
        boards: tuple[str, ...] = (),
        national: bool = False,
        replace: bool = False,
    ) -> User:
        if not _NAME.match(name):
            raise UserError(
                f"user name {name!r} must be 1-64 letters, digits, '.', '_', '@' or '-'"
            )
        if national == bool(boards):
            raise UserError("give either --boards or --national")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise UserError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
        from werkzeug.security import generate_password_hash

        users = dict(_read(self.path)) if self.path.exists() else {}
        if name in users and not replace:
            raise UserError(f"user {name!r} already exists (remove it first)")
        user = User(
            name=name,
            password_hash=generate_password_hash(password, method=_METHOD),
            boards=tuple(boards),
            national=national,
            calendar_token=secrets.token_urlsafe(32),
        )
        users[name] = user
        _write(self.path, users)
        return user

    def remove(self, name: str) -> None:
        users = dict(_read(self.path)) if self.path.exists() else {}
        if name not in users:
            raise UserError(f"no user {name!r} in {self.path}")
        del users[name]
        _write(self.path, users)


def _read(path: Path) -> dict[str, User]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: cannot read the users file: {exc}") from None
    users: dict[str, User] = {}
    for name, entry in raw.get("users", {}).items():
        try:
            users[name] = User(
                name=name,
                password_hash=str(entry["password_hash"]),
                boards=tuple(str(b) for b in entry.get("boards", [])),
                national=bool(entry.get("national", False)),
                calendar_token=str(entry["calendar_token"]),
            )
        except (KeyError, TypeError, AttributeError):
            raise UserError(f"{path}: user {name!r} is malformed") from None
    return users


def _write(path: Path, users: dict[str, User]) -> None:
    """Atomic and owner-only: the file holds password hashes and calendar tokens."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"users": {name: users[name].to_json() for name in sorted(users)}}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".users-", suffix=".json")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
