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
from typing import Any

FILENAME = "snapshot.json"


def snapshot_path(state_dir: Path) -> Path:
    return state_dir / FILENAME


def write_snapshot(
    state_dir: Path, check_json: dict[str, Any], *, now: datetime | None = None
) -> Path:
    """Write atomically: a reader never sees half a file."""
    state_dir.mkdir(parents=True, exist_ok=True)
    doc = dict(check_json)
    doc["generated_at"] = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    target = snapshot_path(state_dir)
    fd, tmp = tempfile.mkstemp(dir=state_dir, prefix=".snapshot-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def read_snapshot(state_dir: Path) -> dict[str, Any] | None:
    """The snapshot, or None if there is none yet. Raises ValueError (with the reason) for a
    file that is not JSON or not of the snapshot's shape: a reader must keep the last good one."""
    try:
        with snapshot_path(state_dir).open(encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return None
    check_shape(data)
    checked: dict[str, Any] = data
    return checked


def check_shape(doc: Any) -> None:
    """The parts every reader relies on, type by type; ValueError names the first that is off."""
    if not isinstance(doc, dict):
        raise ValueError(f"the snapshot is a {type(doc).__name__}, not an object")
    for key in ("as_of", "generated_at"):
        if doc.get(key) is not None and not isinstance(doc[key], str):
            raise ValueError(f"{key} is not text")
    for key in ("reviews", "problems"):
        items = doc.get(key, [])
        if not isinstance(items, list):
            raise ValueError(f"{key} is not a list")
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise ValueError(f"{key}[{i}] is not an object")
    for i, review in enumerate(doc.get("reviews", [])):
        stages = review.get("stages", [])
        if not isinstance(stages, list) or not all(isinstance(s, dict) for s in stages):
            raise ValueError(f"reviews[{i}].stages is not a list of objects")
        for key in ("actions",):
            if key in review and not isinstance(review[key], list):
                raise ValueError(f"reviews[{i}].{key} is not a list")
