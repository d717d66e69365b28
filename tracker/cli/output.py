"""Render check and validate results: a table for people, JSON, CSV and XLSX for machines.

The table is grouped by board and review with overdue first. It fits the width it is given (the
terminal's, or 100 columns for a file or a pipe: ``tracker.cli.terminal``) and colours statuses
only when asked. Notes never appear: results carry review ids, dates and outcomes only.
"""

from __future__ import annotations

import csv
import io
import json
import os
import textwrap
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tracker.check import CheckResult
from tracker.cli.files import save_workbook_atomic
from tracker.cli.terminal import PLAIN_WIDTH, paint, paint_status, plural, uk_date
from tracker.frameworks.vocabulary import GROUPS, GroupCounts, stage_must_label
from tracker.model import STATUS_ORDER
from tracker.output.safe_cells import csv_value, xlsx_value
from tracker.problems import Problem, display_value

WIDTH = PLAIN_WIDTH
_LABEL = {
    "on_time": "on time",
    "late": "LATE",
    "early": "EARLY",
    "overdue": "OVERDUE",
    "pending": "pending",
    "waiting": "waiting",
    "not_applicable": "n/a",
    "met": "met",
    "not_met": "NOT MET",
    "paused": "paused",
}
#: the stage-label column: never narrower than this, however narrow the terminal
_MIN_LABEL = 20
#: the widths of the "when" column ("due 26/02/2023 · 1374d overdue") and of the basis after it
_WHEN, _BASIS = 30, 24


def _label(status: str) -> str:
    return _LABEL.get(status, status.replace("_", " "))


#: Shown stage by stage in the table; the rest are counted on the review's line.
_SHOWN = ("overdue", "not_met", "late", "early", "paused", "pending")
_ORDER = {s.value: i for i, s in enumerate(STATUS_ORDER)}
_SHORT_BASIS = {
    "statutory guidance": "stat. guidance",
    "national guidance": "nat. guidance",
}
CSV_COLUMNS = [
    "source",
    "sheet",
    "row",
    "review_id",
    "board",
    "framework",
    "assessable",
    "stage",
    "label",
    "done",
    "earliest",
    "latest",
    "status",
    "days_late",
    "basis",
    "must",
    "must_label",
    "citation",
    "original_latest",
    "adjustments",
]


def _wrap(text: str, first: str, rest: str, width: int = WIDTH) -> list[str]:
    """A message or fix wrapped to the table's width (cutting would lose the end of a fix);
    at most three lines, so a long value typed in a cell cannot flood the table."""
    lines = textwrap.wrap(
        text, width, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False
    ) or [first.rstrip()]
    if len(lines) > 3:
        lines = lines[:2] + [_cut(rest + " ".join(line.strip() for line in lines[2:]), width)]
    return lines


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def headline(result: CheckResult) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for review in result.reviews:
        for stage in review["stages"]:
            counts[stage["status"]] += 1
    return dict(counts)


def _groups_lines(reviews: list[dict[str, Any]]) -> list[str]:
    """Deadlines met and overdue, must apart from should and local (tracker.frameworks.vocabulary)."""
    groups = GroupCounts()
    for review in reviews:
        for stage in review["stages"]:
            groups.add_stage(stage)
    met = " · ".join(f"{g} {groups.share_text(g)}" for g in GROUPS)
    return [_cut(f"Deadlines met: {met}", WIDTH), f"Overdue: {groups.overdue_text()}"]


def render_check_table(
    result: CheckResult, *, verbose: bool = False, width: int = WIDTH, colour: bool = False
) -> str:
    """The people's table; sources that could not be read are named first, in full."""
    reviews = result.reviews
    lines = [paint(f"UNUSABLE  {m}", "red", enabled=colour) for m in result.unusable]
    if result.unusable and not result.tables:
        return "\n".join(lines) + "\n"  # nothing was read: no empty headline after the error
    counts = headline(result)
    errors = sum(1 for p in result.problems if p.is_error)
    warnings = sum(1 for p in result.problems if not p.is_error and not p.is_info)
    blocked = sum(1 for r in reviews if not r["assessable"])
    lines += [
        f"As of {result.as_of:%d/%m/%Y}: {plural(len(reviews), 'review')}"
        f" · {counts.get('overdue', 0)} overdue · {counts.get('not_met', 0)} not met"
        f" · {counts.get('late', 0)} late · {counts.get('pending', 0)} pending"
        f" · {counts.get('paused', 0)} paused",
        *_groups_lines(reviews),
        f"Data: {plural(blocked, 'review cannot', 'reviews cannot')} be assessed"
        f" · {plural(errors, 'error')}, {plural(warnings, 'warning')} (see `tracker validate`)",
    ]
    if result.actions:
        n = action_counts(result)
        lines.append(
            f"Actions: {n['total']} · {n['overdue']} overdue · {n['open']} open"
            f" · {n['completed']} completed ({n['late']} late)"
            f" · {n['not_applicable']} not accepted or superseded"
        )
    by_board: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for review in reviews:
        by_board[review["board"] or "(no board named)"].append(review)

    def urgency(review: dict[str, Any]) -> tuple[int, int, str]:
        statuses = {s["status"] for s in review["stages"]}
        rank = (
            0
            if "overdue" in statuses
            else 1
            if "not_met" in statuses
            else 2
            if not review["assessable"]
            else 3
            if statuses & {"late", "early"}
            else 4
            if "pending" in statuses
            else 5
        )
        most = max(
            (s["days_late"] for s in review["stages"] if s["status"] == "overdue"), default=0
        )
        return (rank, -most, str(review["review_id"]))

    def board_order(board: str) -> tuple[int, int, str]:
        stages = [s["status"] for r in by_board[board] for s in r["stages"]]
        return (-stages.count("overdue"), -stages.count("not_met"), board)

    shown = [s for r in reviews if r["assessable"] for s in _shown_stages(r, verbose)]
    # the label column takes what the terminal has left after status, dates and basis
    room = width - 4 - 9 - (_WHEN + 1) - _BASIS
    label_width = max(_MIN_LABEL, min(max((len(s["label"]) for s in shown), default=0), room))
    for board in sorted(by_board, key=board_order):
        lines.append("")
        lines.append(board)
        lines.append("=" * min(len(board), width))
        for review in sorted(by_board[board], key=urgency):
            lines.extend(_review_lines(review, verbose, width, label_width, colour))
    return "\n".join(lines) + "\n"


def _shown_stages(review: dict[str, Any], verbose: bool) -> list[dict[str, Any]]:
    stages = review["stages"] if verbose else [s for s in review["stages"] if s["status"] in _SHOWN]
    return sorted(stages, key=lambda s: _ORDER.get(s["status"], len(_ORDER)))


def _review_lines(
    review: dict[str, Any], verbose: bool, width: int, label_width: int, colour: bool
) -> list[str]:
    rid = review["review_id"] or "(no review ID)"
    where = f"{review['sheet']} row {review['row']}"
    if not review["assessable"]:
        return [
            _cut(f"  {rid:<18} {where}: cannot be assessed until its data errors are fixed", width)
        ] + _action_lines(review, verbose, width)
    tally = Counter(s["status"] for s in review["stages"])
    summary = ", ".join(
        f"{n} {_label(s)}"
        for s, n in sorted(tally.items(), key=lambda x: _ORDER.get(x[0], len(_ORDER)))
    )
    out = [_cut(f"  {rid:<18} {where} · {summary}", width)]
    for s in _shown_stages(review, verbose):
        status = _label(s["status"])
        label = _cut(s["label"], label_width)
        if s["status"] == "overdue":
            when = f"due {uk_date(s['latest'])} · {s['days_late']}d overdue"
        elif s["status"] == "late":
            when = f"done {uk_date(s['done'])} · {s['days_late']}d late"
        elif s["status"] == "early":
            when = f"done {uk_date(s['done'])} · {s['days_late']}d early"
        elif s["status"] == "pending":
            when = f"due by {uk_date(s['latest'])}" if s["latest"] else "no deadline"
        elif s["status"] == "paused":
            since = next((a["from"] for a in s.get("adjustments", ()) if a["to"] is None), None)
            when = f"from {uk_date(since)} (due {uk_date(s['original_latest'])})"
        elif s["done"]:
            when = f"done {uk_date(s['done'])}"
        else:
            when = ""
        basis = (
            f"{stage_must_label(s)} · {_SHORT_BASIS.get(s['basis'], s['basis'])}"
            if s["basis"]
            else ""
        )
        line = f"    {status:<8} {label:<{label_width}} {when:<{_WHEN}} {basis}".rstrip()
        if len(line) > width:  # a split must/should keeps its wording: on a line of its own
            line = f"    {status:<8} {label:<{label_width}} {when}".rstrip()
            out.append(line.replace(status, paint_status(status, s["status"], enabled=colour), 1))
            out.append(_cut(f"{'':<13}{basis}", width))
        else:
            # colour after fitting, so the codes never count against the width
            out.append(line.replace(status, paint_status(status, s["status"], enabled=colour), 1))
        if s.get("adjustments") and s["status"] != "paused":
            out.append(_cut(f"             {adjustment_text(s)}", width))
        for finding in s.get("findings", ()):
            out.append(_cut(f"             should: {finding['message']}", width))
    return out + _action_lines(review, verbose, width)


def _action_lines(review: dict[str, Any], verbose: bool, width: int = WIDTH) -> list[str]:
    """The review's actions that need attention (all of them with ``verbose``), worst first."""
    actions = review.get("actions", ())
    shown = actions if verbose else [a for a in actions if a["status"] in _SHOWN]
    out = []
    for a in sorted(shown, key=lambda a: (_ORDER[a["status"]], -a["days_late"])):
        due = a.get("latest") or a["due"]  # moved by a pause or an agreed extension
        if a["status"] == "overdue":
            when = f"due {uk_date(due)} · {a['days_late']}d overdue"
        elif a["status"] == "late":
            when = f"done {uk_date(a['completed'])} · {a['days_late']}d late"
        elif a["status"] == "pending":
            when = f"due by {uk_date(due)}"
        elif a["status"] == "paused":
            when = adjustment_text(a)  # "paused since ...": the due date it had is in the JSON
        elif a["completed"]:
            when = f"done {uk_date(a['completed'])}"
        else:
            when = f"due {uk_date(a['due'])}"
        label = _cut(f"Action {a['action_ref']} · {a['agency']}", 30)
        out.append(_cut(f"    {_label(a['status']):<8} {label:<30} {when}", width).rstrip())
    return out


def action_counts(result: CheckResult) -> dict[str, int]:
    """open / overdue / completed / completed late / not applicable, over every action."""
    from tracker.optional.actions import COMPLETED, LIVE

    acts = result.actions
    return {
        "total": len(acts),
        "open": sum(1 for a in acts if a.action_status in LIVE and a.completed is None),
        "overdue": sum(1 for a in acts if a.status.value == "overdue"),
        "completed": sum(1 for a in acts if a.action_status == COMPLETED),
        "late": sum(1 for a in acts if a.status.value == "late"),
        "not_applicable": sum(1 for a in acts if a.status.value == "not_applicable"),
    }


def adjustment_text(stage: dict[str, Any]) -> str:
    """One line for a stage's pauses and extensions (reasons and bodies are fixed choices;
    notes are never part of it)."""
    parts = []
    for a in stage.get("adjustments", ()):
        if a["kind"] == "pause":
            span = (
                f"{uk_date(a['from'])}-{uk_date(a['to'])}"
                if a["to"]
                else f"since {uk_date(a['from'])}"
            )
            parts.append(f"paused {span}" + (f" ({a['reason']})" if a["reason"] else ""))
        else:
            who = f" with {a['agreed_by']}" if a["agreed_by"] else ""
            parts.append(f"extended to {uk_date(a['new_due'])} (agreed{who})")
    text = "; ".join(parts)
    if stage.get("original_latest") and stage.get("original_latest") != stage.get("latest"):
        text += f"; originally due {uk_date(stage['original_latest'])}"
    return text


def action_adjustment_text(action: dict[str, Any]) -> str:
    """An action's pauses and extensions in a line, its sheet's due date as the original."""
    return adjustment_text({**action, "original_latest": action["due"]})


def render_problems_table(
    result: CheckResult, *, per_sheet: bool = True, width: int = WIDTH, colour: bool = False
) -> str:
    """Per workbook and sheet a verdict, then one line per problem with its cell and fix."""
    lines: list[str] = []
    rows_checked: dict[tuple[str, str], int] = defaultdict(int)
    for t in result.tables:
        rows_checked[(t.table.source, t.table.sheet)] += len(t.table)
    for place, n in result.optional_rows.items():
        rows_checked[place] += n
    by_place: dict[tuple[str, str], list[Problem]] = defaultdict(list)
    for p in result.problems:
        by_place[(p.source, p.sheet or "")].append(p)
    for message in result.unusable:
        lines.append(paint(f"UNUSABLE  {message}", "red", enabled=colour))
    places = sorted(set(rows_checked) | {k for k in by_place if k[1]})
    sources = sorted({s for s, _ in places} | {p.source for p in result.problems})
    for source in sources:
        source_level = [
            p
            for p in by_place.get((source, ""), [])
            if p.type not in ("unreadable-source", "unsupported-format")
        ]
        sheets = [k for k in places if k[0] == source]
        if not sheets and not source_level:
            continue
        lines.append("")
        lines.append(source)
        for p in source_level:
            lines.append(_cut(f"  {p.severity}: {p.message}", width))
        for key in sheets:
            problems = by_place.get(key, [])
            kinds = Counter(p.type for p in problems)
            verdict = (
                "no problems"
                if not problems
                else ", ".join(f"{n}\u00a0{k}" for k, n in kinds.most_common())  # kept whole
            )
            checked = plural(rows_checked.get(key, 0), "row")
            lines.extend(  # every kind of problem named (the slugs to look up)
                line.replace("\u00a0", " ")
                for line in _wrap(f"{key[1]}: {checked} checked · {verdict}", "  ", "    ", width)
            )
            for p in sorted(problems, key=lambda p: (p.row or 0, p.cell or "")):
                cell = f"{key[1]}!{p.cell}" if p.cell else key[1]
                typed = f"  typed: {typed_value(p.value)}" if p.value is not None else ""
                severity = p.severity.upper()
                line = _cut(
                    f"    {severity:<7} {cell:<22} {p.review_id or '-':<14}"
                    f" {p.column or ''}{typed}",
                    width,
                )
                hue = "red" if p.is_error else "yellow" if not p.is_info else None
                lines.append(line.replace(severity, paint(severity, hue, enabled=colour), 1))
                lines.extend(_wrap(p.message, "            ", "            ", width))
                if p.fix:
                    lines.extend(_wrap(p.fix, "            fix: ", "                 ", width))
    errors = sum(1 for p in result.problems if p.is_error)
    notes = sum(1 for p in result.problems if p.is_info)
    lines.append("")
    lines.append(
        f"{plural(sum(rows_checked.values()), 'row')} checked in"
        f" {plural(len(rows_checked), 'sheet')}: {plural(errors, 'error')},"
        f" {plural(len(result.problems) - errors - notes, 'warning')}"
        + (f", {plural(notes, 'note')}" if notes else "")
        + (f", {plural(len(result.unusable), 'unusable source')}" if result.unusable else "")
    )
    return "\n".join(lines).lstrip("\n") + "\n"


def typed_value(value: Any) -> str:
    """The value as the officer typed it; text is quoted so stray spaces show."""
    text = display_value(value)
    return f'"{text}"' if isinstance(value, str) else text


def check_json_text(result: CheckResult) -> str:
    return json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"


def validate_json(result: CheckResult) -> dict[str, Any]:
    sheets: dict[tuple[str, str, str], int] = defaultdict(int)
    for t in result.tables:
        sheets[(t.table.source, t.table.sheet, t.framework.id)] += len(t.table)
    return {
        "as_of": result.as_of.isoformat(),
        "valid": not any(not p.is_info for p in result.problems) and not result.unusable,
        "sheets": [
            {
                "source": s,
                "sheet": sh,
                "framework": fw,
                "rows": n,
                "errors": sum(
                    1 for p in result.problems if p.source == s and p.sheet == sh and p.is_error
                ),
                "warnings": sum(
                    1
                    for p in result.problems
                    if p.source == s and p.sheet == sh and not p.is_error and not p.is_info
                ),
            }
            for (s, sh, fw), n in sorted(sheets.items())
        ],
        "unusable": result.unusable,
        "problems": [p.to_json() for p in result.problems],
    }


def stage_rows(reviews: Iterable[dict[str, Any]]) -> Iterable[list[Any]]:
    for r in reviews:
        base = [
            r["source"],
            r["sheet"],
            r["row"],
            r["review_id"],
            r["board"],
            r["framework"],
            r["assessable"],
        ]
        if not r["stages"]:
            yield base + [None] * (len(CSV_COLUMNS) - len(base))
        for s in r["stages"]:
            yield base + [
                s["id"],
                s["label"],
                s["done"],
                s["earliest"],
                s["latest"],
                s["status"],
                s["days_late"],
                s["basis"],
                s["must"],
                s.get("must_label"),
                s["source"],
                s.get("original_latest"),
                adjustment_text(s) if s.get("adjustments") else None,
            ]


def action_stage_rows(reviews: Iterable[dict[str, Any]]) -> Iterable[list[Any]]:
    """Each action as a row of the stages' CSV shape (stage ``action``, its reference and agency
    as the label, its due date as the latest), so one file holds every judged deadline."""
    from tracker.optional.actions import CITATION

    for r in reviews:
        for a in r.get("actions", ()):
            yield [
                r["source"],
                a["sheet"],
                a["row"],
                r["review_id"],
                r["board"],
                "actions",
                r["assessable"],
                "action",
                f"{a['action_ref']} ({a['recommendation']}) · {a['agency']}",
                a["completed"],
                None,
                a["latest"] if a.get("adjustments") else a["due"],  # moved, or as on the sheet
                a["status"],
                a["days_late"],
                "local default",
                False,
                "should",
                CITATION,
                a["due"] if a.get("adjustments") else None,
                action_adjustment_text(a) if a.get("adjustments") else None,
            ]


ACTION_COLUMNS = [
    "source",
    "review_id",
    "board",
    "framework",
    "recommendation",
    "action_ref",
    "agency",
    "due",
    "completed",
    "status",
    "days_late",
    "assured",
    "evidence_link",
    "sheet",
    "row",
    "latest",
    "adjustment",
]


def action_rows(reviews: Iterable[dict[str, Any]]) -> Iterable[list[Any]]:
    """One row per action, every field of the JSON (never its notes)."""
    for r in reviews:
        for a in r.get("actions", ()):
            yield [
                r["source"],
                r["review_id"],
                r["board"],
                r["framework"],
                a["recommendation"],
                a["action_ref"],
                a["agency"],
                a["due"],
                a["completed"],
                a["status"],
                a["days_late"],
                a["assured"],
                a["evidence_link"],
                a["sheet"],
                a["row"],
                a.get("latest"),
                action_adjustment_text(a) if a.get("adjustments") else None,
            ]


def check_csv(result: CheckResult) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in stage_rows(result.reviews):
        writer.writerow(["" if v is None else csv_value(v) for v in row])
    for row in action_stage_rows(result.reviews):
        writer.writerow(["" if v is None else csv_value(v) for v in row])
    return buf.getvalue()


PROBLEM_COLUMNS = [
    "source",
    "sheet",
    "cell",
    "row",
    "column",
    "review_id",
    "value",
    "type",
    "severity",
    "message",
    "fix",
]


def write_check_xlsx(result: CheckResult, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Stages")
    ws.freeze_panes = "A2"
    ws.append(CSV_COLUMNS)
    for row in stage_rows(result.reviews):
        ws.append([xlsx_value(ws, _xl(v, CSV_COLUMNS[i])) for i, v in enumerate(row)])
    if result.actions:
        _actions_sheet(wb, result.reviews)
    _problems_sheet(wb, result.problems, Font, path.parent)
    save_workbook_atomic(wb, path)


def _actions_sheet(wb: Any, reviews: list[dict[str, Any]]) -> None:
    """The ``Actions`` sheet: dates as dates; text typed by officers kept as text, never a formula."""
    ws = wb.create_sheet("Actions")
    ws.freeze_panes = "A2"
    ws.append(ACTION_COLUMNS)
    for row in action_rows(reviews):
        ws.append([xlsx_value(ws, _xl(v, c)) for c, v in zip(ACTION_COLUMNS, row, strict=True)])


def write_problems_xlsx(result: CheckResult, path: Path) -> None:
    """A workbook an officer can work through: one row per problem, a link to each cell."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    _problems_sheet(wb, result.problems, Font, path.parent)
    save_workbook_atomic(wb, path)


def _relative_link(source: Path, base: Path) -> str:
    """A link relative to the problems workbook, so it still works where the shared drive is
    mapped under another path (the two files usually sit in the same folder)."""
    try:
        relative = os.path.relpath(source.resolve(), base.resolve())
    except ValueError:  # another drive (Windows): only an absolute address can reach it
        return source.resolve().as_uri()
    return quote(Path(relative).as_posix())


def _problems_sheet(wb: Any, problems: list[Problem], font: Any, base: Path) -> None:
    from openpyxl.cell import WriteOnlyCell

    ws = wb.create_sheet("Problems")
    ws.freeze_panes = "A2"
    ws.append(PROBLEM_COLUMNS + ["open"])
    for p in problems:
        data = p.to_json()
        row: list[Any] = [data[c] for c in PROBLEM_COLUMNS]
        link_cell = WriteOnlyCell(ws, value=None)
        target = p.link
        if not target and p.sheet and p.cell and not p.source.startswith("gsheet:"):
            sheet = p.sheet.replace("'", "''")
            target = f"{_relative_link(Path(p.source), base)}#'{sheet}'!{p.cell}"
        if target:
            link_cell.value = f"{p.sheet}!{p.cell}" if p.cell else "open"
            link_cell.data_type = "s"  # a sheet title is text, never a formula
            link_cell.hyperlink = target
            link_cell.font = font(color="0563C1", underline="single")
        ws.append(
            [xlsx_value(ws, v if not isinstance(v, bool) else str(v)) for v in row] + [link_cell]
        )


def _xl(value: Any, column: str) -> Any:
    if value is None:
        return None
    dated = ("done", "earliest", "latest", "original_latest", "due", "completed", "assured")
    if column in dated and isinstance(value, str):
        return date.fromisoformat(value)
    return value
