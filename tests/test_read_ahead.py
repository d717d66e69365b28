"""Reading the next workbooks on threads (tracker.sources.ahead) while the check parses this one:
the same results in the same order as reading each in turn, errors in their own source's place,
never more than a few workbooks held ahead, and Google Sheets left in order in the caller's thread."""

from __future__ import annotations

import json
import threading
from datetime import date
from io import StringIO
from pathlib import Path

import pytest

from tests.conftest import framework_rows, write_workbook
from tests.officer_fixtures import GOOD_SCR
from tracker.check import SourceSpec, _finish, _prepare_source, run_check
from tracker.output.json_stream import write_check_json
from tracker.sources.ahead import read_ahead
from tracker.sources.base import SourceError

AS_OF = date(2024, 3, 1)


class Recorder:
    """A read that records which thread read what, and can hold reads until released."""

    def __init__(self, hold: bool = False) -> None:
        self.lock = threading.Lock()
        self.started: list[str] = []
        self.threads: dict[str, str] = {}
        self.release = threading.Event()
        if not hold:
            self.release.set()

    def __call__(self, source: str) -> str:
        with self.lock:
            self.started.append(source)
            self.threads[source] = threading.current_thread().name
        assert self.release.wait(10), "a read was never released"
        if source.endswith("bad.xlsx"):
            raise SourceError(source, "is not a zip file")
        return source.upper()


def test_every_item_comes_back_in_order_with_its_own_result() -> None:
    sources = [f"board-{i}.xlsx" for i in range(9)]
    read = Recorder()
    got = [(s, get()) for s, get in read_ahead(sources, str, read)]
    assert got == [(s, s.upper()) for s in sources]
    assert sorted(read.started) == sorted(sources)


def test_local_files_are_read_on_other_threads_google_sheets_in_order_in_the_callers() -> None:
    sources = ["a.xlsx", "gsheet:KEY1", "b.xlsx", "c.ods", "gsheet:KEY2", "d.xlsx"]
    read = Recorder()
    got = [get() for _, get in read_ahead(sources, str, read)]
    assert got == [s.upper() for s in sources]
    main = threading.current_thread().name
    assert {s: read.threads[s] == main for s in sources} == {
        "a.xlsx": False,
        "gsheet:KEY1": True,
        "b.xlsx": False,
        "c.ods": False,
        "gsheet:KEY2": True,
        "d.xlsx": False,
    }
    # the sheets were read when their turn came, in order: KEY1 before KEY2
    assert [s for s in read.started if s.startswith("gsheet")] == ["gsheet:KEY1", "gsheet:KEY2"]


def test_an_error_is_raised_where_its_source_is_taken_and_the_rest_go_on() -> None:
    sources = ["a.xlsx", "bad.xlsx", "c.xlsx"]
    outcomes: list[str] = []
    for _source, get in read_ahead(sources, str, Recorder()):
        try:
            outcomes.append(get())
        except SourceError as exc:
            outcomes.append(f"unusable: {exc.source}")
    assert outcomes == ["A.XLSX", "unusable: bad.xlsx", "C.XLSX"]


def test_no_more_than_the_window_is_read_ahead() -> None:
    """While the caller holds the first workbook, only ``window`` more are started: a national run
    keeps a few workbooks' raw cells at a time, not every one."""
    sources = [f"board-{i}.xlsx" for i in range(10)]
    read = Recorder(hold=True)
    ahead = read_ahead(sources, str, read, readers=2, window=2)
    first, get = next(ahead)
    # both readers are busy (held), the third read waits for one: never more than 1 + window
    assert len(read.started) <= 3
    read.release.set()
    assert get() == first.upper()
    with read.lock:
        assert len(read.started) <= 3
    second, get = next(ahead)
    assert get() == second.upper()
    assert set(read.started) <= set(sources[:4])
    rest = [s for s, _ in ahead]
    assert rest == sources[2:]


def test_stopping_early_starts_no_more_reads() -> None:
    sources = [f"board-{i}.xlsx" for i in range(10)]
    read = Recorder()
    ahead = read_ahead(sources, str, read, window=2)
    next(ahead)
    ahead.close()  # the caller gave up (an exception in its loop): the pool is shut down
    assert len(read.started) <= 3
    assert all(t != threading.current_thread().name for t in read.threads.values())


@pytest.mark.parametrize("readers", [0, 1])
def test_with_no_reading_threads_or_one_file_everything_is_read_in_order_here(
    readers: int,
) -> None:
    sources = ["a.xlsx"] if readers else ["a.xlsx", "b.xlsx", "c.xlsx"]
    read = Recorder()
    got = [get() for _, get in read_ahead(sources, str, read, readers=readers)]
    assert got == [s.upper() for s in sources]
    assert set(read.threads.values()) == {threading.current_thread().name}


def _json(result: object) -> dict[str, object]:
    out = StringIO()
    write_check_json(result, out)  # type: ignore[arg-type]
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def test_a_run_read_ahead_is_the_run_read_in_turn(tmp_path: Path) -> None:
    """Real workbooks, a missing file and a corrupt one among them: run_check (reading ahead on
    threads) gives the same check JSON, problems and unusable lines as each source read in turn."""
    paths: list[str] = []
    for b in range(6):
        rows = [dict(GOOD_SCR, review_id=f"SB{b}-2023-{i:02d}") for i in range(1, 4)]
        if b == 2:
            rows[1] = dict(rows[1], decision="31/02/2023")
        paths.append(
            str(
                write_workbook(
                    tmp_path / f"b{b}.xlsx", {"England SCR": framework_rows("england-scr", rows)}
                )
            )
        )
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    paths[3:3] = [str(tmp_path / "missing.xlsx"), str(broken)]
    specs = [SourceSpec(p) for p in paths]

    told: list[str] = []
    ahead = run_check(specs, AS_OF, progress=told.append)
    in_turn = _finish([_prepare_source(s, AS_OF) for s in specs], AS_OF)

    assert told == paths
    assert ahead.unusable == in_turn.unusable and len(ahead.unusable) == 2
    assert ahead.unusable[0].startswith(str(tmp_path / "missing.xlsx"))
    assert ahead.problems == in_turn.problems
    assert any(p.type == "impossible-date" for p in ahead.problems)
    assert _json(ahead) == _json(in_turn)
    assert len(_json(ahead)["reviews"]) == 18  # type: ignore[arg-type]


def test_run_check_reads_the_files_on_reading_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real reader, watched: each file is read once, on a reading thread, not the caller's."""
    import tracker.check

    paths = [
        str(
            write_workbook(
                tmp_path / f"b{b}.xlsx",
                {"England SCR": framework_rows("england-scr", [dict(GOOD_SCR, review_id=f"X{b}")])},
            )
        )
        for b in range(4)
    ]
    threads: dict[str, str] = {}
    real = tracker.check.read_source

    def watched(source: str, titles: set[str], **options: object) -> object:
        threads[source] = threading.current_thread().name
        return real(source, titles, **options)

    monkeypatch.setattr(tracker.check, "read_source", watched)
    result = run_check([SourceSpec(p) for p in paths], AS_OF)
    assert sorted(threads) == sorted(paths)
    assert all(name.startswith("tracker-read") for name in threads.values())
    assert [t.table.review_ids[0] for t in result.tables] == ["X0", "X1", "X2", "X3"]
