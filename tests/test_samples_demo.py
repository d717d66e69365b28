"""The demo's data: the sample boards built around any day, so stages fall due soon in the demo."""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import SAMPLES
from tracker.check import check_config
from tracker.config import load_config


@pytest.fixture(scope="module")
def generate() -> Iterator[ModuleType]:
    sys.path.insert(0, str(SAMPLES))
    try:
        import generate  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(SAMPLES))
    yield generate


def test_a_demo_copy_as_of_another_day_has_stages_due_within_14_days(
    generate: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = date(2026, 12, 1)
    demo, state = tmp_path / "var" / "demo", tmp_path / "var"
    demo.mkdir(parents=True)
    generate.build(demo, day, recent=2)
    written = generate.write_config(demo, state)
    # the copy's paths are relative to it: its workbooks beside it, its state one folder up
    assert tomllib.loads(written.read_text())["state_dir"] == ".."
    monkeypatch.chdir(tmp_path)
    config = load_config(written)
    assert config.state_dir.resolve() == state.resolve()
    # and its companion workbooks go into that state folder, not beside the committed samples
    assert {Path(b.publish_dir or "").resolve() for b in config.boards} == {
        (state / "published").resolve()
    }
    result = check_config(config, day)
    assert result.unusable == []
    doc = result.to_json()
    soon = [
        s
        for r in doc["reviews"]
        for s in r["stages"]
        if s["status"] == "pending"
        and s["latest"]
        and day <= date.fromisoformat(s["latest"]) <= day + timedelta(days=14)
    ]
    assert len({s["id"] for s in soon}) >= 3
    boards = {r["board"] for r in doc["reviews"]}
    assert len(boards) == 5
    # the same synthetic reviews, shifted: ids carry the demo's years, not 2024's
    years = {int(str(r["review_id"]).split("-")[-2]) for r in doc["reviews"] if r["review_id"]}
    assert max(years) == day.year  # older: reviews held inside each framework's window


def test_dates_for_the_generator_are_today_iso_or_uk(generate: ModuleType) -> None:
    assert generate.parse_day("2024-06-30") == date(2024, 6, 30)
    assert generate.parse_day("30/06/2024") == date(2024, 6, 30)
    with pytest.raises(Exception, match="not a date"):
        generate.parse_day("06/31/2024")
