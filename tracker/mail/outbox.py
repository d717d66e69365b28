"""The outbox: every report is written here as an ``.eml`` file before any attempt to send it.

With the ``outbox`` backend this folder is where the e-mails land (open them in any mail
program). With ``smtp`` it is the queue: a message stays in ``outbox/`` until the server has
accepted it, then moves to ``outbox/sent/``. A file's name is fixed by its week and scope, so
writing a report twice replaces it rather than queueing a duplicate, and writes are atomic (a
temporary file, flushed to disk, then renamed): a crash never leaves half a message behind.
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
import unicodedata
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

DIRNAME = "outbox"
SENT_DIRNAME = "sent"


class OutboxError(OSError):
    """The outbox cannot be written; the message names the file and says why in one line."""


def slug(text: str) -> str:
    """A file-name-safe form of a board name: ``Northshire LSCB`` -> ``northshire-lscb``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "board"


def filename_for(week: str, scope: str) -> str:
    return f"{week}--{slug(scope)}.eml"


class Outbox:
    def __init__(self, state_dir: Path) -> None:
        self.dir = state_dir / DIRNAME
        self.sent_dir = self.dir / SENT_DIRNAME

    def path(self, filename: str) -> Path:
        return self.dir / filename

    def put(self, filename: str, message: EmailMessage) -> Path:
        """Write atomically; raises OutboxError (disk full, no permission) with a clear message."""
        target = self.dir / filename
        data = message.as_bytes(policy=policy.SMTP)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".writing-", suffix=".eml")
        except OSError as exc:
            raise OutboxError(
                exc.errno, f"{self.dir}: cannot write the outbox: {_why(exc)}"
            ) from exc
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise OutboxError(exc.errno, f"{target}: cannot write the e-mail: {_why(exc)}") from exc
        return target

    def read(self, filename: str) -> EmailMessage | None:
        """The queued message, or None if its file is gone."""
        try:
            data = (self.dir / filename).read_bytes()
        except FileNotFoundError:
            return None
        message = BytesParser(policy=policy.default).parsebytes(data)
        assert isinstance(message, EmailMessage)
        return message

    def move_to_sent(self, filename: str) -> Path:
        self.sent_dir.mkdir(parents=True, exist_ok=True)
        target = self.sent_dir / filename
        os.replace(self.dir / filename, target)
        return target

    def waiting(self) -> list[Path]:
        """Messages in the outbox that have not been sent (sorted by name: week, then scope)."""
        if not self.dir.is_dir():
            return []
        return sorted(p for p in self.dir.glob("*.eml") if not p.name.startswith("."))


def _why(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "the file system is read-only"
    return exc.strerror or str(exc)
