"""What every source reader shares: its error, its signature, how a Google Sheet is named.

Readers return the :mod:`tracker.tables` types (re-exported here): raw cell values with their
positions, nothing interpreted.
"""

from __future__ import annotations

from typing import Protocol

from tracker.tables import RawSheet, RawWorkbook, column_letter

__all__ = [
    "RawSheet",
    "RawWorkbook",
    "Reader",
    "SourceError",
    "column_letter",
    "gsheet_key",
    "is_gsheet",
]


class SourceError(Exception):
    """A source that cannot be used at all. The message is one line that names the source."""

    def __init__(self, source: str, message: str, slug: str = "unreadable-source") -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.reason = message
        self.slug = slug


class Reader(Protocol):
    def __call__(self, source: str, titles: set[str]) -> RawWorkbook:
        """Read the sheets whose titles (case-folded) are in ``titles``."""
        ...


def is_gsheet(source: str) -> bool:
    return source.startswith("gsheet:") or "docs.google.com/spreadsheets/" in source


def gsheet_key(source: str) -> str:
    """The spreadsheet key of ``gsheet:KEY`` or a Google Sheets URL."""
    if source.startswith("gsheet:"):
        return source[len("gsheet:") :].strip()
    marker = "/spreadsheets/d/"
    if marker in source:
        return source.split(marker, 1)[1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return source
