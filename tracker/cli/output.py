"""Render check and validate results: a table for people, JSON, CSV and XLSX for machines.

The table is grouped by board and review with overdue first and fits a 100-column terminal. Notes
never appear: results carry review ids, dates and outcomes only.
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
from tracker.model import STATUS_ORDER
from tracker.problems import Problem, display_value
from tracker.safe_cells import csv_value, xlsx_value

WIDTH = 100
_LABEL = {
    "on_time": "on time",
    "late": "LATE",
    "early": "EARLY",
    "overdue": "OVERDUE",
    "pending": "due",
    "waiting": "waiting",
    "not_applicable": "n/a",
    "met": "met",
    "not_met": "NOT MET",
    "paused": "paused",
}
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
    "citation",
    "original_latest",
    "adjustments",
]


def uk_date(iso: str | None) -> str:
    if not iso:
        return ""
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


def _wrap(text: str, first: str, rest: str) -> list[str]:
    """A message or fix wrapped to the table's width (cutting would lose the end of a fix);
    at most three lines, so a long value typed in a cell cannot flood the table."""
    lines = textwrap.wrap(
        text, WIDTH, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False
    ) or [first.rstrip()]
    if len(lines) > 3:
        lines = lines[:2] + [_cut(rest + " ".join(line.strip() for line in lines[2:]), WIDTH)]
    return lines


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def headline(result: CheckResult) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for review in result.reviews:
        for stage in review["stages"]:
            counts[stage["status"]] += 1
    return dict(counts)


def render_check_table(result: CheckResult, *, verbose: bool = False) -> str:
    reviews = result.reviews
    counts = headline(result)
    errors = sum(1 for p in result.problems if p.is_error)
    warnings = sum(1 for p in result.problems if not p.is_error and not p.is_info)
    lines = [
        f"As of {result.as_of:%d/%m/%Y}: {len(reviews)} reviews · {counts.get('overdue', 0)} overdue"
        f" · {counts.get('not_met', 0)} not met · {counts.get('late', 0)} late"
        f" · {counts.get('pending', 0)} due · {counts.get('paused', 0)} paused",
        f"Data: {sum(1 for r in reviews if not r['assessable'])} reviews cannot be assessed"
        f" · {errors} errors, {warnings} warnings (see `tracker validate`)",
    ]
    for message in result.unusable:
        lines.append(_cut(f"UNUSABLE  {message}", WIDTH))
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

    for board in sorted(by_board, key=board_order):
        lines.append("")
        lines.append(board)
        lines.append("=" * min(len(board), WIDTH))
        for review in sorted(by_board[board], key=urgency):
            lines.extend(_review_lines(review, verbose))
    return "\n".join(lines) + "\n"


def _review_lines(review: dict[str, Any], verbose: bool) -> list[str]:
    rid = review["review_id"] or "(no review ID)"
    where = f"{review['sheet']} row {review['row']}"
    if not review["assessable"]:
        return [
            _cut(f"  {rid:<18} {where}: cannot be assessed until its data errors are fixed", WIDTH)
        ]
    tally = Counter(s["status"] for s in review["stages"])
    summary = ", ".join(
        f"{n} {_LABEL[s]}" for s, n in sorted(tally.items(), key=lambda x: _ORDER[x[0]])
    )
    out = [_cut(f"  {rid:<18} {where} · {summary}", WIDTH)]
    stages = review["stages"] if verbose else [s for s in review["stages"] if s["status"] in _SHOWN]
    for s in sorted(stages, key=lambda s: _ORDER[s["status"]]):
        status = _LABEL[s["status"]]
        label = _cut(s["label"], 30)
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
            f"{'must' if s['must'] else 'should'} · {_SHORT_BASIS.get(s['basis'], s['basis'])}"
            if s["basis"]
            else ""
        )
        out.append(_cut(f"    {status:<8} {label:<30} {when:<32} {basis}", WIDTH).rstrip())
        if s.get("adjustments") and s["status"] != "paused":
            out.append(_cut(f"             {adjustment_text(s)}", WIDTH))
        for finding in s.get("findings", ()):
            out.append(_cut(f"             should: {finding['message']}", WIDTH))
    return out


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


def render_problems_table(result: CheckResult, *, per_sheet: bool = True) -> str:
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
        lines.append(f"UNUSABLE  {message}")
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
            lines.append(_cut(f"  {p.severity}: {p.message}", WIDTH))
        for key in sheets:
            problems = by_place.get(key, [])
            kinds = Counter(p.type for p in problems)
            verdict = (
                "no problems"
                if not problems
                else ", ".join(f"{n}\u00a0{k}" for k, n in kinds.most_common())  # kept whole
            )
            lines.extend(  # every kind of problem named (the slugs to look up)
                line.replace("\u00a0", " ")
                for line in _wrap(
                    f"{key[1]}: {rows_checked.get(key, 0)} rows checked · {verdict}", "  ", "    "
                )
            )
            for p in sorted(problems, key=lambda p: (p.row or 0, p.cell or "")):
                cell = f"{key[1]}!{p.cell}" if p.cell else key[1]
                typed = f"  typed: {typed_value(p.value)}" if p.value is not None else ""
                lines.append(
                    _cut(
                        f"    {p.severity.upper():<7} {cell:<22} {p.review_id or '-':<14}"
                        f" {p.column or ''}{typed}",
                        WIDTH,
                    )
                )
                lines.extend(_wrap(p.message, "            ", "            "))
                if p.fix:
                    lines.extend(_wrap(p.fix, "            fix: ", "                 "))
    errors = sum(1 for p in result.problems if p.is_error)
    notes = sum(1 for p in result.problems if p.is_info)
    lines.append("")
    lines.append(
        f"{sum(rows_checked.values())} rows checked in {len(rows_checked)} sheets: {errors} errors,"
        f" {len(result.problems) - errors - notes} warnings"
        + (f", {notes} notes" if notes else "")
        + (f", {len(result.unusable)} unusable sources" if result.unusable else "")
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
                s["source"],
                s.get("original_latest"),
                adjustment_text(s) if s.get("adjustments") else None,
            ]


def check_csv(result: CheckResult) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in stage_rows(result.reviews):
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
    _problems_sheet(wb, result.problems, Font, path.parent)
    save_workbook_atomic(wb, path)


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
    if column in ("done", "earliest", "latest", "original_latest") and isinstance(value, str):
        return date.fromisoformat(value)
    return value
