"""Web-view users: who may sign in, and which boards each may see.

Kept in ``users.json`` under the state directory, written atomically with owner-only permissions,
each change made under an exclusive lock (``users.json.lock``) so concurrent ``tracker user``
commands never lose each other's writes. Passwords are stored as werkzeug scrypt hashes, never in
clear. Each user also has a random calendar token, the secret in their ``/calendar.ics`` address (a
calendar program cannot sign in), and may have an API token for programs (``tracker user token``),
of which only the SHA-256 is kept.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

FILENAME = "users.json"
MIN_PASSWORD_LENGTH = 12
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_METHOD = "scrypt"
TOKEN_PREFIX = "trk_"


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked when the user does not exist, so a wrong name costs as long as a wrong password."""
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
    api_token_hash: str | None = None

    @property
    def session_stamp(self) -> str:
        """Changes whenever the user is replaced or gets a new password: a session signed in
        under an earlier stamp is over, whatever the sessions file says."""
        text = f"{self.password_hash}|{self.calendar_token}|{self.national}|{self.boards}"
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def may_see(self, board: str | None) -> bool:
        """National users see every board; others only the boards they were given."""
        return self.national or (board is not None and board in self.boards)

    def to_json(self) -> dict[str, Any]:
        return {
            "password_hash": self.password_hash,
            "boards": list(self.boards),
            "national": self.national,
            "calendar_token": self.calendar_token,
            **({"api_token_hash": self.api_token_hash} if self.api_token_hash else {}),
        }


def users_path(state_dir: Path) -> Path:
    return state_dir / FILENAME


def token_hash(token: str) -> str:
    """API tokens are 256 random bits: a plain SHA-256 is enough to keep them unusable at rest."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


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

    def by_api_token(self, token: str) -> User | None:
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        wanted = token_hash(token).encode()
        found = None
        for user in self.users().values():
            if user.api_token_hash and hmac.compare_digest(user.api_token_hash.encode(), wanted):
                found = user
        return found

    @contextmanager
    def _locked(self) -> Iterator[dict[str, User]]:
        """Read, change and write the file under an exclusive lock held across all three."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield dict(_read(self.path))
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def new_api_token(self, name: str) -> str:
        """A new API token for this user, replacing any earlier one; shown once, kept hashed."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._locked() as users:
            if name not in users:
                raise UserError(f"no user {name!r} in {self.path}")
            users[name] = dataclasses.replace(users[name], api_token_hash=token_hash(token))
            _write(self.path, users)
        return token

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
        user = User(
            name=name,
            password_hash=generate_password_hash(password, method=_METHOD),
            boards=tuple(boards),
            national=national,
            calendar_token=secrets.token_urlsafe(32),
        )
        with self._locked() as users:
            if name in users and not replace:
                raise UserError(f"user {name!r} already exists (remove it first)")
            users[name] = user
            _write(self.path, users)
        return user

    def remove(self, name: str) -> None:
        with self._locked() as users:
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
                api_token_hash=str(entry["api_token_hash"])
                if entry.get("api_token_hash")
                else None,
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
