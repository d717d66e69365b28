"""The pipeline: read each source, locate and validate its framework tables, evaluate them.

A source that cannot be read is reported (one line, naming it) and the run goes on with the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from typing import Any

from schemas.optional import SheetRows, SheetSpec, read_sheet_rows
from schemas.table import locate_table
from schemas.validate import ValidatedTable, apply_schemas, check_run_ids, prepare_table
from tracker.access.boards import source_owners
from tracker.calendars import today_in_london
from tracker.config import BoardConfig, Config, board_framework
from tracker.evaluate import TableResult, evaluate_table, evaluate_tables
from tracker.frameworks.registry import all_frameworks
from tracker.model import Framework, Status
from tracker.optional.actions import SPEC as ACTIONS_SPEC
from tracker.optional.actions import ActionResult, actions_framework
from tracker.optional.actions import evaluate as evaluate_actions
from tracker.optional.pauses import SPEC as PAUSES_SPEC
from tracker.optional.pauses import collect as collect_adjustments
from tracker.problems import Problem
from tracker.sources import RawWorkbook, SourceError, read_source
from tracker.sources.ahead import read_ahead
from tracker.sources.base import is_gsheet

log = logging.getLogger(__name__)

#: Optional per-workbook sheets: read in the same request as the framework sheets, each located and
#: parsed by ``schemas.optional``; what their rows mean is their own module's job.
OPTIONAL_SHEETS: tuple[SheetSpec, ...] = (PAUSES_SPEC, ACTIONS_SPEC)


@dataclass(frozen=True)
class SourceSpec:
    source: str
    board: BoardConfig | None = None
    #: every board whose config names this source (the first is ``board``); see tracker.access.boards
    owners: tuple[str, ...] = ()

    @property
    def board_names(self) -> tuple[str, ...]:
        return self.owners or ((self.board.name,) if self.board else ())


@dataclass
class CheckResult:
    as_of: date
    tables: list[TableResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: one-line messages for sources that could not be used at all
    unusable: list[str] = field(default_factory=list)
    #: per Google Sheet source: sheet id -> (title, position), for publishing its Tracker tab
    sheet_ids: dict[str, dict[int, tuple[str, int]]] = field(default_factory=dict)
    #: data rows read from optional sheets (Pauses and extensions), by (source, sheet)
    optional_rows: dict[tuple[str, str], int] = field(default_factory=dict)
    #: usable rows of every workbook's Actions sheet, judged (tracker.optional.actions)
    actions: list[ActionResult] = field(default_factory=list)
    _reviews: list[dict[str, Any]] | None = field(default=None, repr=False)

    @property
    def reviews(self) -> list[dict[str, Any]]:
        if self._reviews is None:
            from tracker.output.records import actions_by_review, review_dicts

            by_review = actions_by_review(self)
            self._reviews = [r for t in self.tables for r in review_dicts(t, by_review)]
        return self._reviews

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "reviews": self.reviews,
            "problems": [p.to_json() for p in self.problems],
        }

    def count(self, status: Status) -> int:
        return sum(t.status_counts().get(status.value, 0) for t in self.tables)

    @property
    def exit_code(self) -> int:
        if self.unusable:
            return 2
        # info notes (how a merged block was read) are not problems to act on
        if any(not p.is_info for p in self.problems) or self.count(Status.OVERDUE):
            return 1
        return 0


def frameworks_for(board: BoardConfig | None) -> tuple[Framework, ...]:
    """The board's frameworks with its local timescales and counting (every one without a board)."""
    frameworks = all_frameworks()
    if board is None:
        return frameworks
    return tuple(board_framework(f, board) for f in frameworks if f.nation == board.nation)


@dataclass
class _Prepared:
    """One source read and parsed, waiting for the batched schema step."""

    result: CheckResult
    workbook: Any = None
    tables: list[ValidatedTable] = field(default_factory=list)
    #: the workbook's optional sheets, by spec title
    optional: dict[str, SheetRows] = field(default_factory=dict)
    #: the action rules in the source's calendar, with the board's overrides
    actions_framework: Framework | None = None


def check_source(spec: SourceSpec, as_of: date, **read_options: Any) -> CheckResult:
    return _finish([_prepare_source(spec, as_of, **read_options)], as_of)


def _finish(prepared: list[_Prepared], as_of: date) -> CheckResult:
    apply_schemas([t for p in prepared for t in p.tables])
    # every workbook's ids in one pandera call (each workbook's duplicates are its own)
    check_run_ids([p.tables for p in prepared if p.workbook is not None])
    total = CheckResult(as_of=as_of)
    adjusted = []
    for p in prepared:
        if p.workbook is not None and p.workbook.key is not None:
            total.sheet_ids[p.workbook.source] = dict(p.workbook.sheet_ids)
        pauses = p.optional.get(PAUSES_SPEC.title)
        actions = p.optional.get(ACTIONS_SPEC.title)
        adjusted.append(
            collect_adjustments(pauses, p.tables, actions) if pauses is not None else None
        )
    # every table without pauses or extensions at once (tracker.evaluate.evaluate_tables): they
    # read nothing the steps above or below change
    plain = [
        v
        for p, adjustments in zip(prepared, adjusted, strict=True)
        for v in p.tables
        if adjustments is None or not adjustments.for_table(v)
    ]
    done = dict(
        zip(map(id, plain), evaluate_tables([(v, v.framework) for v in plain], as_of), strict=True)
    )
    for p, adjustments in zip(prepared, adjusted, strict=True):
        total.problems.extend(p.result.problems)
        total.unusable.extend(p.result.unusable)
        actions = p.optional.get(ACTIONS_SPEC.title)
        evaluated = []
        for v in p.tables:
            total.problems.extend(v.problems)
            found = adjustments.for_table(v) if adjustments is not None else None
            evaluated.append(
                done[id(v)] if id(v) in done else evaluate_table(v, as_of, v.framework, found)
            )
        if actions is not None:
            moved = adjustments.actions if adjustments is not None else None
            total.actions.extend(
                evaluate_actions(actions, p.tables, as_of, p.actions_framework, moved)
            )
        for rows in p.optional.values():
            total.problems.extend(rows.problems)
            total.optional_rows[(rows.source, rows.sheet)] = len(rows)
        for e in evaluated:
            total.problems.extend(e.problems)
        total.tables.extend(evaluated)
    return total


def _wanted(spec: SourceSpec) -> tuple[dict[str, Framework], dict[str, Framework]]:
    """The source's board's frameworks and every other framework, each by case-folded sheet title.

    Another nation's framework sheet in a board's workbook is still read and assessed, in its
    own framework's calendar and national timescales, with a warning: never dropped silently."""
    by_title = {f.sheet.casefold(): f for f in frameworks_for(spec.board)}
    others = {f.sheet.casefold(): f for f in all_frameworks() if f.sheet.casefold() not in by_title}
    return by_title, others


def _titles(spec: SourceSpec) -> set[str]:
    """The case-folded titles of the sheets the check reads from the source."""
    by_title, others = _wanted(spec)
    return set(by_title) | set(others) | {o.title.casefold() for o in OPTIONAL_SHEETS}


def _prepare_source(
    spec: SourceSpec,
    as_of: date,
    read: Callable[[], RawWorkbook] | None = None,
    **read_options: Any,
) -> _Prepared:
    """Read (or take from ``read``: tracker.sources.ahead), locate and parse one source's tables."""
    result = CheckResult(as_of=as_of)
    by_title, others = _wanted(spec)
    optional = {o.title.casefold(): o for o in OPTIONAL_SHEETS}
    try:
        workbook = (
            read() if read is not None else read_source(spec.source, _titles(spec), **read_options)
        )
    except SourceError as exc:
        log.info("source unusable: %s", exc)
        hint = ""
        if spec.board is not None and exc.reason == "file not found":
            # the path came from a config: say where it was looked for, and why there
            hint = " (a config's paths are relative to the config file's folder)"
        result.unusable.append(str(exc) + hint)
        result.problems.append(Problem.make(exc.slug, source=spec.source, detail=str(exc)))
        return _Prepared(result)
    for title in workbook.all_titles:
        other = others.get(title.strip().casefold())
        if other is not None and spec.board is not None:
            result.problems.append(
                Problem.make(
                    "wrong-nation-sheet",
                    source=spec.source,
                    sheet=title,
                    value=title,
                    detail=f"{spec.board.name} is in {spec.board.nation}; {other.id} is "
                    f"{other.nation}: its reviews are assessed in {other.nation}'s calendar",
                )
            )
    extra = [s for s in workbook.sheets if s.title.strip().casefold() in optional]
    by_title.update(others)
    workbook.sheets = [s for s in workbook.sheets if s.title.strip().casefold() in by_title]
    if not workbook.sheets:
        detail, suggestion = _no_framework_sheet(workbook.all_titles, list(by_title.values()))
        message = f"{spec.source}: none of the sheets is named after a framework ({detail})"
        result.unusable.append(message)
        result.problems.append(
            Problem.make(
                "no-framework-sheet", source=spec.source, detail=detail, suggestion=suggestion
            )
        )
        return _Prepared(result)
    validated: list[ValidatedTable] = []
    default_board = spec.board.name if spec.board else None
    for sheet in workbook.sheets:
        fw = by_title[sheet.title.strip().casefold()]
        if sheet.hidden:
            result.problems.append(
                Problem.make("hidden-sheet", source=spec.source, sheet=sheet.title)
            )
        table = locate_table(sheet, fw, spec.source)
        validated.append(
            prepare_table(
                table,
                as_of,
                default_board=default_board,
                link=lambda cell, s=sheet: workbook.link(s, cell),  # type: ignore[misc]
                owners=spec.board_names,
            )
        )
        # the table holds what it needs now: let the sheet's cells go before the next source is
        # read, so a national run holds one workbook's raw cells at a time, not all of them
        sheet.rows = []
    found = {
        optional[s.title.strip().casefold()].title: read_sheet_rows(
            s,
            optional[s.title.strip().casefold()],
            spec.source,
            lambda cell, s=s: workbook.link(s, cell),  # type: ignore[misc]
        )
        for s in extra
    }
    return _Prepared(result, workbook, validated, found, _actions_framework(spec, validated))


def _actions_framework(spec: SourceSpec, tables: Sequence[ValidatedTable]) -> Framework:
    """The action rules counted in the workbook's nation's calendar, with the board's overrides
    (``actions.completed`` in ``[boards.timescales]``)."""
    nation = spec.board.nation if spec.board else None
    fw = next((t.framework for t in tables if nation in (None, t.framework.nation)), None)
    base = actions_framework(fw.calendar, fw.nation) if fw else actions_framework()
    return board_framework(base, spec.board) if spec.board else base


def _no_framework_sheet(titles: Sequence[str], frameworks: Sequence[Framework]) -> tuple[str, str]:
    """What was found and what was expected, and the framework sheet title nearest to a sheet's
    (a near miss such as ``England SCRs`` is the usual cause): (detail, suggestion)."""
    expected = [f.sheet for f in frameworks]
    found = ", ".join(repr(t) for t in titles) if titles else "no sheets"
    best: tuple[float, str, str] | None = None
    for title in titles:
        for sheet in expected:
            ratio = SequenceMatcher(None, title.strip().casefold(), sheet.casefold()).ratio()
            if best is None or ratio > best[0]:
                best = (ratio, title, sheet)
    detail = f"found: {found}; expected one of: {', '.join(expected)}"
    if best is None:
        return detail, f"e.g. {expected[0]}" if expected else "e.g. England SCR"
    detail += f"; nearest: {best[2]} (for {best[1]!r})"
    if best[0] >= 0.5:  # a near miss: say which sheet to rename
        return detail, f"rename {best[1]!r} to {best[2]}"
    return detail, f"e.g. {best[2]}"


def run_check(
    specs: Sequence[SourceSpec],
    as_of: date | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    **read_options: Any,
) -> CheckResult:
    """Check every source; ``progress(source)`` is told as each one is read (the CLI's bar)."""
    as_of = as_of or today_in_london()
    prepared = []
    # the next files are read on other threads while this one is parsed (tracker.sources.ahead)
    # (the titles are worked out here, in order, so the threads only read)
    jobs = [(spec, _titles(spec)) for spec in specs]
    ahead = read_ahead(
        jobs, lambda j: j[0].source, lambda j: read_source(j[0].source, j[1], **read_options)
    )
    for (spec, _), read in ahead:
        if progress is not None:
            progress(spec.source)
        prepared.append(_prepare_source(spec, as_of, read))
    return _finish(prepared, as_of)


def specs_from_config(config: Config) -> list[SourceSpec]:
    """One spec per source, read once even when several boards name it (its Board cells then
    say which of them each review belongs to)."""
    owners = source_owners(config)
    specs: dict[str, SourceSpec] = {}
    for source, board in config.source_boards():
        specs.setdefault(source, SourceSpec(source, board, owners[source]))
    return list(specs.values())


def read_options(config: Config, sources: Sequence[str] = ()) -> dict[str, Any]:
    """What readers need from the config: Google credentials and patience (for gsheet sources)."""
    options: dict[str, Any] = {}
    if config.google.credentials:
        options["credentials"] = config.google.credentials
    named = list(sources) or [source for source, _ in config.source_boards()]
    if any(is_gsheet(source) for source in named):
        from tracker.sources.google_api import GSheetSettings

        options["settings"] = GSheetSettings.from_config(config.google)
    return options


def check_config(config: Config, as_of: date | None = None) -> CheckResult:
    return run_check(specs_from_config(config), as_of, **read_options(config))
