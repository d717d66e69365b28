"""The streamed check JSON: the standard encoder's exact text, chunk by chunk, for any shape of
result; the snapshot written through it reads back as the same document."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import framework_rows, write_workbook
from tests.officer_fixtures import GOOD_SCR
from tracker.check import CheckResult, SourceSpec, check_config, run_check
from tracker.cli.output import check_csv, check_json_text
from tracker.output import records
from tracker.output.json_stream import write_check_json
from tracker.output.snapshot import read_snapshot, write_snapshot

AS_OF = date(2024, 6, 30)
ROOT = Path(__file__).resolve().parent.parent


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


@pytest.mark.parametrize("few", [0, 256])  # dates through numpy's tables, or one by one
@pytest.mark.parametrize("chunk", [1, 3, 2048])
def test_streamed_text_is_the_standard_encoders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, few: int
) -> None:
    monkeypatch.setattr(records, "CHUNK", chunk)
    monkeypatch.setattr(records.chunks, "__defaults__", (chunk,))
    result = _result(tmp_path)
    reference = _reference(result)  # the records, dates made one by one (small chunks)
    assert not result.reviews[2]["assessable"] and result.reviews[2]["stages"] == []
    assert "{0}" in result.reviews[0]["source"]
    monkeypatch.setattr(records, "_FEW", few)
    assert check_json_text(result) == reference


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


SAMPLES = sorted((ROOT / "sample_workbooks").glob("*.xlsx"))
SAMPLES_AS_OF = date(2025, 3, 31)


@pytest.fixture(scope="module")
def samples() -> CheckResult:
    """The sample boards on their own as-of date: pauses, an agreed extension, a national body
    not told of a pause, and actions under their reviews."""
    return run_check([SourceSpec(str(p)) for p in SAMPLES], SAMPLES_AS_OF)


@pytest.mark.parametrize("chunk", [1, 5, 2048])
def test_pauses_extensions_findings_and_actions_stream_as_the_standard_encoder(
    samples: CheckResult, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(records.chunks, "__defaults__", (chunk,))
    stages = [s for r in samples.reviews for s in r["stages"]]
    assert any(s["adjustments"] for s in stages)
    assert any(s["basis"] == "agreed extension" for s in stages)
    assert any(s["findings"] for s in stages)
    assert any(r["actions"] for r in samples.reviews)
    assert check_json_text(samples) == _reference(samples)


def _expand(compact: dict[str, Any]) -> dict[str, Any]:
    """The full document from the ``--compact`` one: each stage's rule fields from the map."""
    rules = compact.pop("rules")
    for review in compact["reviews"]:
        for i, stage in enumerate(review["stages"]):
            fields = dict(stage, **rules[stage.pop("rule")])
            review["stages"][i] = {f: fields[f] for f in records.STAGE_FIELDS}
    return compact


def test_compact_form_names_each_rule_once_and_expands_to_the_full_document(
    samples: CheckResult,
) -> None:
    text = check_json_text(samples, compact=True)
    full = check_json_text(samples)
    assert text.count("\n") == 1 and text.endswith("}\n")  # one line
    assert len(text) < len(full) / 2
    doc = json.loads(text)
    # every rule in the map is used, and a citation appears once in the whole document
    used = {s["rule"] for r in doc["reviews"] for s in r["stages"]}
    assert used == set(doc["rules"])
    citation = next(iter(doc["rules"].values()))["source"]
    assert text.count(json.dumps(citation, ensure_ascii=False)) == 1
    # stages a board's extension governs name a rule of their own, citing the extension row
    extended = [rid for rid, r in doc["rules"].items() if r["basis"] == "agreed extension"]
    assert extended and all("+extension@Pauses and extensions!" in rid for rid in extended)
    assert json.loads(full) == _expand(doc)


def test_compact_ids_keep_a_boards_own_timescales_apart(tmp_path: Path) -> None:
    """Two boards' versions of one stage (one with a local timescale) get two ids."""
    from tracker.config import load_config

    config = load_config(ROOT / "tests" / "golden" / "inputs" / "tracker.toml")
    result = check_config(config, AS_OF)
    doc = json.loads(check_json_text(result, compact=True))
    decision = {rid: r for rid, r in doc["rules"].items() if rid.startswith("england-scr.decision")}
    assert len({json.dumps(r, sort_keys=True) for r in decision.values()}) == len(decision)
    assert json.loads(check_json_text(result)) == _expand(doc)


def test_compact_is_a_form_of_json_only(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from tracker.cli import main

    run = CliRunner().invoke(main, ["check", str(SAMPLES[0]), "--compact"])
    assert run.exit_code == 2
    assert "tracker: --compact is a form of --format json" in run.stderr
