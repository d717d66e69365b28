"""Where review tables come from: Excel workbooks and Google Sheets."""

from __future__ import annotations

from typing import Any

from tracker.sources.base import SourceError, is_gsheet
from tracker.tables import RawSheet, RawWorkbook


def read_source(source: str, titles: set[str], **options: Any) -> RawWorkbook:
    """Read the sheets whose case-folded titles are in ``titles`` from any supported source."""
    if is_gsheet(source):
        from tracker.sources.gsheet import read_gsheet

        return read_gsheet(source, titles, **options)
    from tracker.sources.xlsx import read_xlsx

    return read_xlsx(source, titles)


__all__ = ["RawSheet", "RawWorkbook", "SourceError", "read_source"]
