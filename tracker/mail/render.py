"""Turn a report into an e-mail: HTML and plain-text parts and an ``.xlsx`` with the full detail.

The HTML is written for Outlook as well as web mail: tables for layout, every style inline,
``bgcolor``/``width`` attributes beside the CSS, no classes, no images, no scripts, system fonts.
Everything that comes from data is escaped. The plain-text part carries the same content for
readers that block HTML.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable, Sequence
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from tracker.frameworks.vocabulary import EXPLANATION, GROUP_LABELS, GROUPS
from tracker.mail.report import (
    ACTIONS_DUE_DAYS,
    DUE_SOON_DAYS,
    FIRST_PROBLEMS,
    HEADLINE_STATUSES,
    STATUS_LABELS,
    ActionLine,
    Finding,
    ProblemLine,
    Report,
)
from tracker.output.safe_cells import xlsx_value

#: the weekly e-mail's "needs attention" threshold, in words
LONG_PAUSE_MONTHS = 6
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FONT = "Arial, Helvetica, sans-serif"
INK = "#1b1b1b"
MUTED = "#505a5f"
RULE = "#b1b4b6"
HEAD_BG = "#f3f2f1"
#: status -> (background, text colour); dark text on pale fills passes WCAG AA.
STATUS_COLOURS = {
    "overdue": ("#f6d7d2", "#6d1a0f"),
    "late": ("#fcead0", "#6b3d00"),
    "not_met": ("#f6d7d2", "#6d1a0f"),
    "early": ("#fcead0", "#6b3d00"),
    "pending": ("#e8f1f8", "#0b3c61"),
    "paused": ("#ede7f3", "#3d2063"),
    "waiting": ("#f3f2f1", "#383f43"),
    "on_time": ("#e3f1e6", "#10401f"),
    "met": ("#e3f1e6", "#10401f"),
}


def nation_name(nation: str | None) -> str:
    return "" if not nation else nation.replace("-", " ").title()


def fmt_date(day: date | None) -> str:
    """``Mon 4 Mar 2024``: unambiguous in every locale (never 03/04)."""
    return "" if day is None else f"{day:%a} {day.day} {day:%b %Y}"


def _e(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


# ---------------------------------------------------------------- sections shared by all parts


Column = tuple[str, Callable[[Finding], str]]
_BASIS: Column = ("Basis", lambda f: f"{f.basis}, {f.must_label}")


def _lead_columns(report: Report) -> list[Column]:
    """Every stage table starts the same way: its board (national e-mail only), review, stage."""
    board: list[Column] = [("Board", lambda f: f.board)] if report.is_national else []
    return [*board, ("Review", lambda f: f.review_id), ("Stage", lambda f: f.stage)]


def _overdue_columns(report: Report) -> list[Column]:
    return [
        *_lead_columns(report),
        ("Due", lambda f: fmt_date(f.latest)),
        ("Days overdue", lambda f: str(f.days_late)),
        _BASIS,
        ("Citation", lambda f: f.citation),
    ]


def _due_columns(report: Report) -> list[Column]:
    return [
        *_lead_columns(report),
        ("Due", lambda f: fmt_date(f.latest)),
        ("Days left", lambda f: str((f.latest - report.as_of).days) if f.latest else ""),
        _BASIS,
    ]


def _late_columns(report: Report) -> list[Column]:
    return [
        *_lead_columns(report),
        ("Due", lambda f: fmt_date(f.latest)),
        ("Done", lambda f: fmt_date(f.done)),
        ("Days late", lambda f: str(f.days_late)),
        _BASIS,
    ]


def _other_columns(report: Report) -> list[Column]:
    return [
        *_lead_columns(report),
        ("Finding", lambda f: STATUS_LABELS.get(f.status, f.status)),
        _BASIS,
        ("Citation", lambda f: f.citation),
    ]


def _adjusted_columns(report: Report) -> list[Column]:
    return [
        *_lead_columns(report),
        ("State", _state),
        ("Reason", lambda f: f.reason),
        ("Agreed with", lambda f: f.agreed_with or "-"),
        ("New due date", _new_due),
    ]


def _state(f: Finding) -> str:
    return f"{f.adjustment} since {fmt_date(f.since)}" if f.since else f.adjustment


def _new_due(f: Finding) -> str:
    new = fmt_date(f.latest) if f.latest else "none while paused"
    return f"{new} (was {fmt_date(f.original_latest)})" if f.original_latest else new


def _attention_columns(report: Report) -> list[Column]:
    return [
        *_lead_columns(report),
        ("State", _state),
        ("Needs attention", lambda f: f.attention),
    ]


def _problem_cell(p: ProblemLine) -> str:
    """``England SCR!G4``; the workbook is named in its own column (the attachment has paths)."""
    return f"{p.sheet}!{p.cell}" if p.sheet and p.cell else (p.sheet or "")


def _workbook_name(p: ProblemLine) -> str:
    return p.source.rsplit("/", 1)[-1] if "://" not in p.source else p.source


PROBLEM_COLUMNS: list[tuple[str, Callable[[ProblemLine], str]]] = [
    ("Workbook", _workbook_name),
    ("Cell", _problem_cell),
    ("Review", lambda p: p.review_id),
    ("Column", lambda p: p.column),
    ("Problem", lambda p: p.message),
]


def _sections(report: Report) -> list[tuple[str, str, list[Column], list[Finding]]]:
    """(heading, explanation, columns, rows) for each list of findings, in reading order."""
    out = [
        (
            f"Overdue ({len(report.overdue)})",
            "Not done, and past the latest date. Musts first, then shoulds, then local "
            "timescales; most days overdue first within each.",
            _overdue_columns(report),
            report.overdue,
        ),
        (
            f"Due in the next {DUE_SOON_DAYS} days ({len(report.due_soon)})",
            f"Not done yet; the latest date falls by {fmt_date(report.due_until)}.",
            _due_columns(report),
            report.due_soon,
        ),
        (
            f"Completed late since the last report ({len(report.completed_late)})",
            f"Done after the latest date, recorded after {fmt_date(report.since)}.",
            _late_columns(report),
            report.completed_late,
        ),
    ]
    out.append(
        (
            f"Paused or extended ({len(report.adjusted)})",
            "Not done; the clock is stopped by a pause, or a new due date was agreed. "
            "Not counted as overdue.",
            _adjusted_columns(report),
            report.adjusted,
        )
    )
    if report.needs_attention:
        out.append(
            (
                f"Needs attention ({len(report.needs_attention)})",
                f"Paused for more than {LONG_PAUSE_MONTHS} months, or the national body has not "
                "been told why publication is delayed.",
                _attention_columns(report),
                report.needs_attention,
            )
        )
    if report.other_findings:
        out.append(
            (
                f"Conditions not met and steps done too early ({len(report.other_findings)})",
                "A condition that must hold does not, or a step came before its earliest date.",
                _other_columns(report),
                report.other_findings,
            )
        )
    return out


ActionSection = tuple[str, str, list[str], list[list[str]]]


def _action_sections(report: Report) -> list[ActionSection]:
    """(heading, explanation, headers, rows) for the action plans, in reading order; none when
    no workbook in scope keeps an Actions sheet."""
    if not report.actions_total:
        return []
    national = report.is_national
    out: list[ActionSection] = []
    if national:
        out.append(
            (
                "Boards by overdue actions",
                "Open actions from review recommendations past their due date, per board.",
                ["Board", "Overdue actions", "Open actions"],
                [
                    [b.board, str(b.overdue_actions), str(b.open_actions)]
                    for b in report.boards_by_overdue_actions
                ],
            )
        )
    rows = []
    for agency, lines in report.overdue_actions_by_agency:
        for k, a in enumerate(lines):
            rows.append(
                [
                    agency if k == 0 else "",
                    *([a.board] if national else []),
                    a.review_id,
                    a.action_ref,
                    fmt_date(a.due),
                    str(a.days_late),
                ]
            )
    board_col = ["Board"] if national else []
    out.append(
        (
            f"Overdue actions by agency ({len(report.actions_overdue)})",
            f"{report.actions_open} open and {report.actions_completed} completed actions from "
            "review recommendations; these are open past their due date, agencies with the most "
            "first.",
            ["Agency", *board_col, "Review", "Action", "Due", "Days overdue"],
            rows,
        )
    )
    out.append(
        (
            f"Actions due in the next {ACTIONS_DUE_DAYS} days ({len(report.actions_due_soon)})",
            f"Open actions due by {fmt_date(report.actions_due_until)}.",
            ["Agency", *board_col, "Review", "Action", "Due", "Days left"],
            [
                [
                    a.agency,
                    *([a.board] if national else []),
                    a.review_id,
                    a.action_ref,
                    fmt_date(a.due),
                    str((a.due - report.as_of).days) if a.due else "",
                ]
                for a in report.actions_due_soon
            ],
        )
    )
    return out


# ---------------------------------------------------------------- HTML


def _td(text: str, *, head: bool = False, align: str = "left", extra: str = "") -> str:
    tag = "th" if head else "td"
    bg = f' bgcolor="{HEAD_BG}"' if head else ""
    weight = "bold" if head else "normal"
    style = (
        f"font-family:{FONT};font-size:13px;line-height:18px;color:{INK};font-weight:{weight};"
        f"text-align:{align};vertical-align:top;padding:6px 8px;"
        f"border-bottom:1px solid {RULE};{extra}"
    )
    return f'<{tag} align="{align}"{bg} style="{style}">{text}</{tag}>'


#: Columns whose values must not break across lines (an id, a date, a count).
NOWRAP_HEADERS = {
    "Review",
    "Action",
    "Due",
    "Done",
    "Cell",
    "Days overdue",
    "Days left",
    "Days late",
}


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int]) -> str:
    nowrap = {i for i, h in enumerate(headers) if h in NOWRAP_HEADERS}

    def cell(i: int, text: str, head: bool = False) -> str:
        align = "right" if i in numeric else "left"
        extra = "white-space:nowrap;" if i in nowrap and not head else ""
        return _td(_e(text), head=head, align=align, extra=extra)

    head = "".join(cell(i, h, head=True) for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(cell(i, v) for i, v in enumerate(row)) + "</tr>" for row in rows
    )
    return (
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        'style="border-collapse:collapse;width:100%;">'
        f"<tr>{head}</tr>{body}</table>"
    )


def _heading(text: str, note: str = "") -> str:
    out = (
        f'<h2 style="font-family:{FONT};font-size:17px;line-height:22px;color:{INK};'
        f'margin:26px 0 4px 0;">{_e(text)}</h2>'
    )
    if note:
        out += (
            f'<p style="font-family:{FONT};font-size:13px;line-height:18px;color:{MUTED};'
            f'margin:0 0 8px 0;">{_e(note)}</p>'
        )
    return out


def _none(text: str) -> str:
    return (
        f'<p style="font-family:{FONT};font-size:13px;line-height:18px;color:{MUTED};'
        f'margin:0;">{_e(text)}</p>'
    )


def _headline_html(report: Report) -> str:
    headers = ["Status", *(GROUP_LABELS[g] for g in GROUPS), "All"]
    cells = [
        _td(_e(h), head=True, align="left" if i == 0 else "right") for i, h in enumerate(headers)
    ]
    rows = []
    for status in HEADLINE_STATUSES:
        values = [report.counts[g][status] for g in GROUPS]
        if not any(values):
            continue
        bg, fg = STATUS_COLOURS[status]
        label = (
            f'<span style="background-color:{bg};color:{fg};padding:2px 6px;'
            f'font-weight:bold;">{_e(STATUS_LABELS[status])}</span>'
        )
        row = [_td(label)]
        row += [_td(str(v) if v else "&ndash;", align="right") for v in values]
        row.append(_td(f"<b>{sum(values)}</b>", align="right"))
        rows.append("<tr>" + "".join(row) + "</tr>")
    if not rows:
        return _none("No stage results yet.")
    return (
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        'style="border-collapse:collapse;width:100%;">'
        f"<tr>{''.join(cells)}</tr>{''.join(rows)}</table>"
    )


def deadline_rows(report: Report) -> list[list[str]]:
    """Deadlines met per group, in the words the web overview uses (tracker.frameworks.vocabulary)."""
    g = report.groups
    return [[GROUP_LABELS[k], g.share_text(k), str(g.overdue[k])] for k in GROUPS]


DEADLINE_HEADERS = ["Rules", "Deadlines met", "Overdue"]


def _deadlines_html(report: Report) -> str:
    return _table(DEADLINE_HEADERS, deadline_rows(report), numeric={2})


def _tiles_html(report: Report) -> str:
    tiles = [
        ("Overdue", len(report.overdue), report.groups.overdue_text(), "overdue"),
        (f"Due in {DUE_SOON_DAYS} days", len(report.due_soon), "not done yet", "pending"),
        ("Completed late", len(report.completed_late), "since last report", "late"),
        ("Data problems", len(report.problems), "to fix in the workbook", "waiting"),
    ]
    cells = []
    for label, number, sub, status in tiles:
        bg, fg = STATUS_COLOURS[status]
        cells.append(
            f'<td width="25%" bgcolor="{bg}" valign="top" style="font-family:{FONT};background-color:{bg};'
            f'padding:10px 12px;border:4px solid #ffffff;">'
            f'<div style="font-family:{FONT};font-size:26px;line-height:30px;font-weight:bold;'
            f'color:{fg};">{number}</div>'
            f'<div style="font-family:{FONT};font-size:13px;line-height:17px;font-weight:bold;'
            f'color:{fg};">{_e(label)}</div>'
            f'<div style="font-family:{FONT};font-size:12px;line-height:16px;color:{fg};">'
            f"{_e(sub)}</div></td>"
        )
    return (
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        f'style="border-collapse:collapse;width:100%;"><tr>{"".join(cells)}</tr></table>'
    )


def _boards_html(report: Report) -> str:
    headers = [
        "Board",
        "Nation",
        "Reviews",
        "Overdue: must",
        "Overdue: should",
        "Overdue: local",
        "Due soon",
        "Completed late",
        "Data problems",
    ]
    rows = [
        [
            b.board,
            nation_name(b.nation),
            str(b.reviews),
            *(str(b.overdue[g]) for g in GROUPS),
            str(b.due_soon),
            str(b.completed_late),
            str(b.problems),
        ]
        for b in report.boards
    ]
    return _table(headers, rows, numeric=set(range(2, 9)))


def render_html(report: Report) -> str:
    parts: list[str] = []
    scope = "All boards" if report.is_national else f"{report.scope} ({nation_name(report.nation)})"
    intro = (
        f"{scope}. Results as of {fmt_date(report.as_of)}, week {report.week}: "
        f"{report.reviews} reviews"
        + (
            f", {report.cannot_assess} cannot be assessed until their data is fixed"
            if report.cannot_assess
            else ""
        )
        + ". The attached workbook holds every stage of every review."
    )
    parts.append(
        f'<h1 style="font-family:{FONT};font-size:22px;line-height:28px;color:{INK};'
        f'margin:0 0 6px 0;">{_e(report.title)}</h1>'
        f'<p style="font-family:{FONT};font-size:14px;line-height:20px;color:{INK};'
        f'margin:0 0 14px 0;">{_e(intro)}</p>'
    )
    parts.append(_tiles_html(report))
    if report.is_national:
        parts.append(
            _heading(
                "Boards", "One line per board; overdue stages split into must, should and local."
            )
        )
        parts.append(_boards_html(report))
    parts.append(_heading("Deadlines met", EXPLANATION))
    parts.append(_deadlines_html(report))
    parts.append(
        _heading(
            "Stage results by status",
            "Musts are counted apart from shoulds, and local timescales apart from national ones.",
        )
    )
    parts.append(_headline_html(report))
    for heading, note, columns, rows in _sections(report):
        parts.append(_heading(heading, note))
        if rows:
            numeric = {i for i, (h, _) in enumerate(columns) if h.startswith("Days")}
            parts.append(
                _table(
                    [h for h, _ in columns], [[fn(f) for _, fn in columns] for f in rows], numeric
                )
            )
        else:
            parts.append(_none("None."))
    for heading, note, headers, cells in _action_sections(report):
        parts.append(_heading(heading, note))
        numeric = {i for i, h in enumerate(headers) if h.startswith("Days") or "actions" in h}
        parts.append(_table(headers, cells, numeric) if cells else _none("None."))
    parts.append(
        _heading(
            f"Data problems ({len(report.problems)})",
            f"The first {FIRST_PROBLEMS}, with the cell to fix; the attachment lists them all."
            if len(report.problems) > FIRST_PROBLEMS
            else "Each with the cell to fix.",
        )
    )
    if report.problems:
        parts.append(
            _table(
                [h for h, _ in PROBLEM_COLUMNS],
                [[fn(p) for _, fn in PROBLEM_COLUMNS] for p in report.first_problems],
                numeric=set(),
            )
        )
    else:
        parts.append(_none("None."))
    parts.append(
        f'<p style="font-family:{FONT};font-size:12px;line-height:17px;color:{MUTED};'
        f'margin:28px 0 0 0;border-top:1px solid {RULE};padding-top:10px;">'
        "Sent by the case review tracker. Dates are worked out in each nation's working-day "
        "calendar. Free-text notes are never included in this e-mail.</p>"
    )
    body = "".join(parts)
    preheader = _e(report.subject())
    return (
        "<!DOCTYPE html>"
        '<html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(report.subject())}</title></head>"
        '<body style="margin:0;padding:0;background-color:#ffffff;">'
        f'<div style="display:none;max-height:0;overflow:hidden;">{preheader}</div>'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        'bgcolor="#ffffff" style="border-collapse:collapse;width:100%;background-color:#ffffff;">'
        f'<tr><td align="center" style="font-family:{FONT};padding:18px 10px;">'
        '<table role="presentation" width="900" cellpadding="0" cellspacing="0" border="0" '
        'style="border-collapse:collapse;width:100%;max-width:900px;">'
        f'<tr><td align="left" style="font-family:{FONT};padding:0;">{body}</td></tr>'
        "</table></td></tr></table></body></html>"
    )


# ---------------------------------------------------------------- plain text


def _text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(v)) for w, v in zip(widths, row, strict=True)]
    # Long citations would make every line wrap: the last column is left unpadded.
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()
    out = [line, "  ".join("-" * w for w in widths[:-1]) + "  " + "-" * len(headers[-1])]
    for row in rows:
        out.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return out


def render_text(report: Report) -> str:
    lines = [report.title, "=" * len(report.title), ""]
    scope = "All boards" if report.is_national else f"{report.scope} ({nation_name(report.nation)})"
    lines.append(f"{scope}. Results as of {fmt_date(report.as_of)}, week {report.week}.")
    lines.append(
        f"{report.reviews} reviews; {report.cannot_assess} cannot be assessed until their data "
        "is fixed. The attached workbook holds every stage of every review."
    )
    lines.append("")
    lines.append(
        f"Overdue: {len(report.overdue)} ({report.groups.overdue_text()}) | "
        f"Due in {DUE_SOON_DAYS} days: {len(report.due_soon)} | "
        f"Completed late: {len(report.completed_late)} | Paused or extended: "
        f"{len(report.adjusted)} | Data problems: {len(report.problems)}"
    )
    if report.is_national:
        lines += ["", "Boards", "------"]
        lines += _text_table(
            ["Board", "Nation", "Reviews", "Overdue must/should/local", "Due soon", "Problems"],
            [
                [
                    b.board,
                    b.nation,
                    str(b.reviews),
                    "/".join(str(b.overdue[g]) for g in GROUPS),
                    str(b.due_soon),
                    str(b.problems),
                ]
                for b in report.boards
            ],
        )
    lines += ["", "Deadlines met", "-------------", EXPLANATION]
    lines += _text_table(DEADLINE_HEADERS, deadline_rows(report))
    lines += ["", "Stage results by status", "-----------------------"]
    rows = []
    for status in HEADLINE_STATUSES:
        values = [report.counts[g][status] for g in GROUPS]
        if any(values):
            rows.append([STATUS_LABELS[status], *(str(v) for v in values), str(sum(values))])
    lines += (
        _text_table(["Status", *(GROUP_LABELS[g] for g in GROUPS), "All"], rows)
        if rows
        else ["None."]
    )
    for heading, note, columns, findings in _sections(report):
        lines += ["", heading, "-" * len(heading), note]
        if findings:
            lines += _text_table(
                [h for h, _ in columns], [[fn(f) for _, fn in columns] for f in findings]
            )
        else:
            lines.append("None.")
    for heading, note, headers, cells in _action_sections(report):
        lines += ["", heading, "-" * len(heading), note]
        lines += _text_table(headers, cells) if cells else ["None."]
    heading = f"Data problems ({len(report.problems)})"
    lines += ["", heading, "-" * len(heading)]
    if report.problems:
        if len(report.problems) > FIRST_PROBLEMS:
            lines.append(f"The first {FIRST_PROBLEMS}; the attachment lists them all.")
        lines += _text_table(
            [h for h, _ in PROBLEM_COLUMNS],
            [[fn(p) for _, fn in PROBLEM_COLUMNS] for p in report.first_problems],
        )
    else:
        lines.append("None.")
    lines += [
        "",
        "-- ",
        "Sent by the case review tracker. Free-text notes are never included in this e-mail.",
    ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- xlsx attachment

_FINDING_HEADERS = [
    "Board",
    "Review ID",
    "Framework",
    "Stage",
    "Status",
    "Done",
    "Earliest",
    "Latest (due)",
    "Days late",
    "Basis",
    "Must/should",
    "Citation",
    "Source",
    "Sheet",
    "Row",
    "Originally due",
    "Paused or extended",
]


def _finding_row(f: Finding) -> list[Any]:
    return [
        f.board,
        f.review_id,
        f.framework,
        f.stage,
        STATUS_LABELS.get(f.status, f.status),
        f.done,
        f.earliest,
        f.latest,
        f.days_late,
        f.basis,
        f.must_label,
        f.citation,
        f.source,
        f.sheet,
        f.row,
        f.original_latest if f.adjustment else None,
        f.adjustment or None,
    ]


#: an action's status in words (Not accepted and Superseded ones are not applicable)
_ACTION_STATUS = {**STATUS_LABELS, "not_applicable": "Not applicable"}
_ACTION_HEADERS = [
    "Board",
    "Review ID",
    "Recommendation",
    "Action",
    "Agency",
    "Status",
    "Due",
    "Completed",
    "Days late",
    "Originally due",
    "Paused or extended",
    "Sheet",
    "Row",
]


def _action_row(a: ActionLine) -> list[Any]:
    """One action in the attachment: never its notes; an agency only when it reads as one."""
    return [
        a.board,
        a.review_id,
        a.recommendation,
        a.action_ref,
        a.agency,
        _ACTION_STATUS.get(a.status, a.status),
        a.due,
        a.completed,
        a.days_late,
        a.original_due,
        a.adjustment or None,
        a.sheet,
        a.row,
    ]


def _sheet(wb: Workbook, title: str, headers: list[str], rows: list[list[Any]]) -> None:
    ws = wb.create_sheet(title)
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F3F2F1")
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    for values in rows:
        ws.append([xlsx_value(ws, _cell_value(v)) for v in values])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            elif isinstance(cell.value, date):
                cell.number_format = "DD/MM/YYYY"
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    for i, header in enumerate(headers, start=1):
        longest = max([len(header)] + [len(str(r[i - 1] or "")) for r in rows[:500]])
        ws.column_dimensions[get_column_letter(i)].width = min(max(10, longest + 2), 60)


def _cell_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return value


def render_xlsx(report: Report) -> bytes:
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = "Summary"
    summary.append([xlsx_value(summary, report.title)])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append(["As of", _cell_value(report.as_of)])
    summary["B2"].number_format = "DD/MM/YYYY"
    summary.append(["Week", report.week])
    summary.append(["Reviews", report.reviews])
    summary.append(["Cannot be assessed", report.cannot_assess])
    summary.append(["Overdue", len(report.overdue)])
    summary.append([f"Due in {DUE_SOON_DAYS} days", len(report.due_soon)])
    summary.append(["Completed late since last report", len(report.completed_late)])
    summary.append(["Paused or extended", len(report.adjusted)])
    summary.append(["Data problems", len(report.problems)])
    summary.append([])
    summary.append(["Status", *(GROUP_LABELS[g] for g in GROUPS), "All"])
    for cell in summary[summary.max_row]:
        cell.font = Font(bold=True)
    for status in HEADLINE_STATUSES:
        values = [report.counts[g][status] for g in GROUPS]
        summary.append([STATUS_LABELS[status], *values, sum(values)])
    summary.append([])
    summary.append(DEADLINE_HEADERS)
    for cell in summary[summary.max_row]:
        cell.font = Font(bold=True)
    for row in deadline_rows(report):
        summary.append([row[0], row[1], int(row[2])])
    if report.actions_total:  # the workbooks in scope keep an Actions sheet
        summary.append([])
        summary.append(["Actions from review recommendations"])
        summary[summary.max_row][0].font = Font(bold=True)
        for label, value in (
            ("Overdue", len(report.actions_overdue)),
            (f"Due in {ACTIONS_DUE_DAYS} days", len(report.actions_due_soon)),
            ("Open", report.actions_open),
            ("Completed", report.actions_completed),
            ("All actions", report.actions_total),
        ):
            summary.append([label, value])
    summary.column_dimensions["A"].width = 34
    for col in "BCDE":
        summary.column_dimensions[col].width = 22
    if report.is_national:
        _sheet(
            wb,
            "Boards",
            [
                "Board",
                "Nation",
                "Reviews",
                "Cannot assess",
                "Overdue: must",
                "Overdue: should",
                "Overdue: local",
                "Due soon",
                "Completed late",
                "Data problems",
                "Overdue actions",
                "Open actions",
            ],
            [
                [
                    b.board,
                    b.nation,
                    b.reviews,
                    b.cannot_assess,
                    *(b.overdue[g] for g in GROUPS),
                    b.due_soon,
                    b.completed_late,
                    b.problems,
                    b.overdue_actions,
                    b.open_actions,
                ]
                for b in report.boards
            ],
        )
    _sheet(wb, "Overdue", _FINDING_HEADERS, [_finding_row(f) for f in report.overdue])
    _sheet(wb, "Due soon", _FINDING_HEADERS, [_finding_row(f) for f in report.due_soon])
    _sheet(wb, "Completed late", _FINDING_HEADERS, [_finding_row(f) for f in report.completed_late])
    _sheet(
        wb,
        "Paused or extended",
        [
            *_FINDING_HEADERS,
            "Since",
            "Reason",
            "Agreed with",
            "National body informed",
            "Attention",
        ],
        [
            [*_finding_row(f), f.since, f.reason, f.agreed_with, f.informed, f.attention]
            for f in report.adjusted
        ],
    )
    _sheet(wb, "All stages", _FINDING_HEADERS, [_finding_row(f) for f in report.all_stages])
    if report.actions_total:
        _sheet(wb, "Actions", _ACTION_HEADERS, [_action_row(a) for a in report.actions_all])
    _sheet(
        wb,
        "Data problems",
        ["Source", "Sheet", "Cell", "Review ID", "Column", "Problem", "Severity", "Type"],
        [
            [p.source, p.sheet, p.cell, p.review_id, p.column, p.message, p.severity, p.kind]
            for p in report.problems
        ],
    )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- the message


def attachment_name(report: Report) -> str:
    from tracker.mail.outbox import slug

    return f"case-reviews-{slug(report.scope)}-{report.week}.xlsx"


def build_message(report: Report, sender: str, now: datetime) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = report.subject()
    msg["From"] = sender
    msg["To"] = ", ".join(report.recipients)
    msg["Date"] = format_datetime(now)
    domain = sender.rpartition("@")[2] or "localhost"
    msg["Message-ID"] = make_msgid(
        idstring=f"{report.week}.{attachment_name(report)[13:-5]}", domain=domain
    )
    msg["X-Tracker-Report"] = f"{report.scope}; {report.week}; as of {report.as_of.isoformat()}"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(render_text(report))
    msg.add_alternative(render_html(report), subtype="html")
    maintype, subtype = XLSX_TYPE.split("/")
    msg.add_attachment(
        render_xlsx(report), maintype=maintype, subtype=subtype, filename=attachment_name(report)
    )
    return msg
