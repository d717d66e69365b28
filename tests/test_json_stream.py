"""The streamed check JSON: the standard encoder's exact text, chunk by chunk, for any shape of
result; the snapshot written through it reads back as the same document."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.conftest import framework_rows, write_workbook
from tests.officer_fixtures import GOOD_SCR
from tracker import records
from tracker.check import CheckResult, SourceSpec, run_check
from tracker.cli.output import check_csv, check_json_text
from tracker.json_stream import write_check_json
from tracker.snapshot import read_snapshot, write_snapshot

AS_OF = date(2024, 6, 30)


def _result(tmp_path: Path, name: str = "board {0} {x}.xlsx", count: int = 7) -> CheckResult:
    """Reviews over two sheets, one of them not assessable; braces in the file name (the
    templates must not read them as placeholders)."""
    scr = [dict(GOOD_SCR, review_id=f"NS-{i}", board="Board {name}") for i in range(count)]
    scr[2]["decision"] = "31/02/2024"  # an error: not assessable, no stages
    path = write_workbook(
        tmp_path / name,
        {
            "England SCR": framework_rows("england-scr", scr),
            "England LCSPR": framework_rows(
                "england-lcspr", [{"review_id": "L-1", "la_aware": date(2024, 1, 8)}]
            ),
        },
    )
    return run_check([SourceSpec(str(path))], AS_OF)


def _reference(result: CheckResult) -> str:
    return json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("chunk", [1, 3, 2048])
def test_streamed_text_is_the_standard_encoders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(records, "CHUNK", chunk)
    monkeypatch.setattr(records.chunks, "__defaults__", (chunk,))
    result = _result(tmp_path)
    assert not result.reviews[2]["assessable"] and result.reviews[2]["stages"] == []
    assert "{0}" in result.reviews[0]["source"]
    assert check_json_text(result) == _reference(result)


def test_empty_results_and_extra_keys(tmp_path: Path) -> None:
    empty = CheckResult(as_of=AS_OF)
    assert check_json_text(empty) == _reference(empty)
    out = io.StringIO()
    write_check_json(empty, out, indent=None, extra={"generated_at": "2024-06-30T08:00:00+00:00"})
    assert json.loads(out.getvalue()) == {
        **empty.to_json(),
        "generated_at": "2024-06-30T08:00:00+00:00",
    }


def test_writer_holds_one_chunk_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each write is at most a chunk of reviews: the text is never built whole."""
    monkeypatch.setattr(records.chunks, "__defaults__", (2,))
    result = _result(tmp_path, count=9)
    writes: list[str] = []

    class Sink:
        def write(self, text: str) -> int:
            writes.append(text)
            return len(text)

    write_check_json(result, Sink())
    assert "".join(writes) == _reference(result)
    assert max(w.count('"review_id"') for w in writes) <= 2
    assert len(writes) >= 6


def test_snapshot_streams_the_same_document(tmp_path: Path) -> None:
    result = _result(tmp_path)
    now = datetime(2024, 6, 30, 8, 0, tzinfo=UTC)
    path = write_snapshot(tmp_path / "state", result, now=now)
    text = path.read_text(encoding="utf-8")
    assert "\n" not in text  # no whitespace: the snapshot is read by programs only
    assert read_snapshot(tmp_path / "state") == {
        **result.to_json(),
        "generated_at": "2024-06-30T08:00:00+00:00",
    }
    # a ready document (tests, older callers) is written as it is
    write_snapshot(tmp_path / "dict", result.to_json(), now=now)
    assert read_snapshot(tmp_path / "dict") == read_snapshot(tmp_path / "state")


def test_records_and_rows_carry_the_same_values(tmp_path: Path) -> None:
    """CSV rows, JSON records and XLSX come from one field list: the CSV is the records, flat."""
    result = _result(tmp_path)
    lines = check_csv(result).splitlines()
    stages = sum(len(r["stages"]) or 1 for r in result.reviews)
    assert len(lines) == 1 + stages
    first = result.reviews[0]
    stage = first["stages"][0]
    assert lines[1].split(",")[:10] == [
        first["source"],
        first["sheet"],
        str(first["row"]),
        first["review_id"],
        first["board"],
        first["framework"],
        "True",
        stage["id"],
        stage["label"],
        stage["done"] or "",
    ]
