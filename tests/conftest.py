"""Shared fixtures: real workbooks built in tmp_path, a CLI runner, fixed as-of dates."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from tracker.frameworks.registry import get_framework

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks"


def write_workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """A real .xlsx with these sheets, each a list of rows (the first row usually headers)."""
    wb = Workbook()
    default = wb.active
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    if default is not None:
        wb.remove(default)
    wb.save(path)
    return path


def framework_rows(framework_id: str, reviews: Iterable[dict[str, Any]]) -> list[list[Any]]:
    """Header row plus one row per review (field id -> value) in the framework's column order."""
    fw = get_framework(framework_id)
    ids = [f.id for f in fw.all_fields]
    return [[f.header for f in fw.all_fields]] + [[r.get(i) for i in ids] for r in reviews]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def make_workbook(tmp_path: Path) -> Callable[..., Path]:
    """``make_workbook("england-scr", [{...}, ...], name="x.xlsx")``: one framework sheet."""

    def make(
        framework_id: str,
        reviews: Iterable[dict[str, Any]],
        name: str = "board.xlsx",
        extra: dict[str, list[list[Any]]] | None = None,
    ) -> Path:
        fw = get_framework(framework_id)
        sheets = {fw.sheet: framework_rows(framework_id, reviews)}
        sheets.update(extra or {})
        return write_workbook(tmp_path / name, sheets)

    return make


D = date


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    """Every test: no connection or name lookup beyond 127.0.0.1, even one the code caught."""
    from tests.gsheet_fixtures import NetworkGuard

    guard = NetworkGuard()
    guard.install()
    try:
        yield
    finally:
        guard.uninstall()
    assert not guard.blocked, f"a test tried to reach beyond 127.0.0.1: {guard.blocked}"
