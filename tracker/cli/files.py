"""Writing files so that a reader never sees half of one, and a failed write leaves the old file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def save_workbook_atomic(
    workbook: Any, path: Path, finish: Callable[[Path], object] | None = None
) -> None:
    """Save an openpyxl workbook beside ``path`` under a temporary name, then rename it over.

    ``finish`` may amend the temporary file before it replaces ``path``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        workbook.save(tmp)
        if finish is not None:
            finish(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
