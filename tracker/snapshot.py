"""The latest results, kept on disk for the web view and reports.

The service's refresh job writes it; the web view only ever reads it (never a spreadsheet per
request). The document is the ``tracker check --format json`` object plus when it was made.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.check import CheckResult

FILENAME = "snapshot.json"


def snapshot_path(state_dir: Path) -> Path:
    return state_dir / FILENAME


def write_snapshot(
    state_dir: Path, check: CheckResult | dict[str, Any], *, now: datetime | None = None
) -> Path:
    """Write atomically: a reader never sees half a file.

    A :class:`CheckResult` is streamed by the same writer as ``tracker check --format json``
    (without whitespace), so a national snapshot never exists in memory as a whole; a ready
    document (``to_json()``) is written as it is."""
    state_dir.mkdir(parents=True, exist_ok=True)
    generated_at = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    target = snapshot_path(state_dir)
    fd, tmp = tempfile.mkstemp(dir=state_dir, prefix=".snapshot-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            if isinstance(check, dict):
                json.dump({**check, "generated_at": generated_at}, fh)
            else:
                from tracker.json_stream import write_check_json

                write_check_json(check, fh, indent=None, extra={"generated_at": generated_at})
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def read_snapshot(state_dir: Path) -> dict[str, Any] | None:
    try:
        with snapshot_path(state_dir).open(encoding="utf-8") as fh:
            data: dict[str, Any] = json.load(fh)
            return data
    except FileNotFoundError:
        return None
