"""Turn a report into an e-mail: HTML and plain-text parts and an ``.xlsx`` with the full detail.

The HTML is written for Outlook as well as web mail: tables for layout, every style inline,
``bgcolor``/``width`` attributes beside the CSS, no classes, no images, no scripts, system fonts.
Everything that comes from data is escaped. The plain-text part carries the same content for
readers that block HTML.

What needs doing comes first: overdue, then due in the next 14 days, then the rest, the counts by
status last. Every table fits a 600 px window (a phone, a reading pane): in HTML a review's board
goes under its id and a rule's citation under its basis, rather than in columns of their own. With
``[web] public_url`` set, review ids link to their page in the web view. The e-mail, its text part
and its workbook use the same words for the same columns ("Review ID", "Due", "Days overdue").
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable, Sequence
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from tracker.frameworks.vocabulary import EXPLANATION, GROUP_LABELS, GROUPS, NO_SUCH_DEADLINES
from tracker.mail.report import (
    ACTIONS_DUE_DAYS,
    DUE_SOON_DAYS,
    FIRST_PROBLEMS,
    HEADLINE_STATUSES,
    NO_VALID_ID,
    STATUS_LABELS,
    ActionLine,
    Finding,
    ProblemLine,
    Report,
    safe_id,
)
from tracker.output.safe_cells import xlsx_value
from tracker.output.trend import ALL_NATIONS, download_rows
from tracker.output.trend import HEADERS as TREND_HEADERS

#: the weekly e-mail's "needs attention" threshold, in words
LONG_PAUSE_MONTHS = 6
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FONT = "Arial, Helvetica, sans-serif"
#: The message's width: a 600 px window shows every table whole (10 px margins either side).
WIDTH = 640
#: How many quarters the national e-mail shows (the attachment has them all).
TREND_QUARTERS = 4
BAR_WIDTH = 80
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


def review_href(report: Report, review_id: str, web_key: str) -> str | None:
    """The review's page in the web view, or None: no ``[web] public_url``, or no valid id.

    The base is checked again here (http or https only), the key is percent-encoded as one path
    segment, and the whole is HTML-escaped by the caller's attribute writer."""
    base = report.web_url
    if not base or not base.startswith(("https://", "http://")) or not web_key:
        return None
    if review_id == NO_VALID_ID or safe_id(review_id) != review_id:
        return None
    return f"{base}/reviews/{quote(web_key, safe='')}"


# ---------------------------------------------------------------- sections shared by all parts


Column = tuple[str, Callable[[Finding], str]]
_BASIS: Column = ("Basis", lambda f: f"{f.basis}, {f.must_label}")


def _lead_columns(report: Report) -> list[Column]:
    """Every stage table starts the same way: its board (national e-mail only), review, stage."""
    board: list[Column] = [("Board", lambda f: f.board)] if report.is_national else []
    return [*board, ("Review ID", lambda f: f.review_id), ("Stage", lambda f: f.stage)]


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
    ("Review ID", lambda p: p.review_id),
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


ActionSection = tuple[str, str, list[str], list[list[str]], list[ActionLine]]


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
                [],
            )
        )
    rows = []
    overdue: list[ActionLine] = []
    for agency, lines in report.overdue_actions_by_agency:
        for k, a in enumerate(lines):
            overdue.append(a)
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
            ["Agency", *board_col, "Review ID", "Action", "Due", "Days overdue"],
            rows,
            overdue,
        )
    )
    out.append(
        (
            f"Actions due in the next {ACTIONS_DUE_DAYS} days ({len(report.actions_due_soon)})",
            f"Open actions due by {fmt_date(report.actions_due_until)}.",
            ["Agency", *board_col, "Review ID", "Action", "Due", "Days left"],
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
            report.actions_due_soon,
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
    "Review ID",
    "Action",
    "Due",
    "Done",
    "Cell",
    "Days overdue",
    "Days left",
    "Days late",
}


#: In HTML a column's value goes under another's, on a second muted line, so that every table
#: fits 600 px: a review's board under its id, a rule's citation under its basis, a board's nation
#: under its name. The text part and the attachment keep them in columns of their own.
STACKED = {"Board": "Review ID", "Citation": "Basis", "Nation": "Board"}


def _link(href: str, text: str) -> str:
    return f'<a href="{_e(href)}" style="color:#1d70b8;text-decoration:underline;">{_e(text)}</a>'


def _table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric: set[int],
    links: Sequence[str | None] = (),
) -> str:
    """An e-mail table; ``links[r]`` is row r's review page (its Review ID cell links there)."""
    stacked = {
        i: headers.index(STACKED[h])
        for i, h in enumerate(headers)
        if h in STACKED and STACKED[h] in headers
    }
    shown = [i for i in range(len(headers)) if i not in stacked]

    def value(i: int, row: Sequence[str], r: int) -> str:
        text = row[i]
        href = links[r] if r < len(links) and headers[i] == "Review ID" and text else None
        out = _link(href, text) if href else _e(text)
        if headers[i] in NOWRAP_HEADERS:
            out = f'<span style="white-space:nowrap;">{out}</span>'
        for j, target in stacked.items():
            if target == i and row[j]:
                out += (
                    f'<br><span style="font-size:12px;line-height:16px;color:{MUTED};">'
                    f"{_e(row[j])}</span>"
                )
        return out

    def align(i: int) -> str:
        return "right" if i in numeric else "left"

    head = "".join(_td(_e(headers[i]), head=True, align=align(i)) for i in shown)
    body = "".join(
        "<tr>" + "".join(_td(value(i, row, r), align=align(i)) for i in shown) + "</tr>"
        for r, row in enumerate(rows)
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


OVERDUE_SPLIT = "Overdue (must / should / local)"


def _boards_html(report: Report) -> str:
    headers = [
        "Board",
        "Nation",
        "Reviews",
        OVERDUE_SPLIT,
        "Due soon",
        "Completed late",
        "Data problems",
    ]
    rows = [
        [
            b.board,
            nation_name(b.nation),
            str(b.reviews),
            " / ".join(str(b.overdue[g]) for g in GROUPS),
            str(b.due_soon),
            str(b.completed_late),
            str(b.problems),
        ]
        for b in report.boards
    ]
    return _table(headers, rows, numeric=set(range(2, 7)))


def _bar(fraction: float) -> str:
    """A bar made of two table cells (no image: many mail programs block them)."""
    filled = round(BAR_WIDTH * fraction)
    cells = []
    for width, colour in ((filled, "#1d70b8"), (BAR_WIDTH - filled, "#dfe1e3")):
        if width:
            cells.append(
                f'<td width="{width}" height="8" bgcolor="{colour}" style="width:{width}px;'
                f'height:8px;background-color:{colour};font-size:1px;line-height:8px;">&nbsp;</td>'
            )
    return (
        f'<table role="presentation" width="{BAR_WIDTH}" cellpadding="0" cellspacing="0" '
        f'border="0" style="border-collapse:collapse;width:{BAR_WIDTH}px;margin-top:3px;">'
        f"<tr>{''.join(cells)}</tr></table>"
    )


def trend_rows(
    report: Report,
) -> tuple[list[str], list[tuple[str, list[tuple[str, float | None]]]]]:
    """(groups, [(quarter, [(share text, fraction)])]) for the last quarters, newest first."""
    if report.trend is None:
        return [], []
    series = report.trend.series().last(TREND_QUARTERS)
    groups = list(series.groups)
    rows = []
    for row in reversed(series.rows()):
        cells = []
        for g in groups:
            c = row.cells[g]
            text = f"{c.share}% ({c.met} of {c.deadlines})" if c.deadlines else NO_SUCH_DEADLINES
            cells.append((text, c.fraction))
        rows.append((row.label, cells))
    return groups, rows


TREND_NOTE = (
    "For each quarter, the deadlines that fell due in it and the share met on time. A stage not "
    "done by its due date counts as not met; the current quarter counts the deadlines passed so "
    "far (to date). The attached workbook has every quarter per nation, board and framework."
)


def _trend_html(report: Report) -> str:
    groups, rows = trend_rows(report)
    if not rows:
        return _none("No deadlines have fallen due yet.")
    head = _td("Quarter", head=True) + "".join(_td(_e(GROUP_LABELS[g]), head=True) for g in groups)
    body = []
    for label, cells in rows:
        tds = [_td(_e(label))]
        for text, fraction in cells:
            bar = _bar(fraction) if fraction is not None else ""
            tds.append(_td(f'<span style="white-space:nowrap;">{_e(text)}</span>{bar}'))
        body.append("<tr>" + "".join(tds) + "</tr>")
    return (
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        f'style="border-collapse:collapse;width:100%;"><tr>{head}</tr>{"".join(body)}</table>'
    )


def _section_html(
    report: Report, heading: str, note: str, columns: list[Column], rows: list[Finding]
) -> list[str]:
    out = [_heading(heading, note)]
    if not rows:
        return [*out, _none("None.")]
    numeric = {i for i, (h, _) in enumerate(columns) if h.startswith("Days")}
    links = [review_href(report, f.review_id, f.web_key) for f in rows]
    cells = [[fn(f) for _, fn in columns] for f in rows]
    return [*out, _table([h for h, _ in columns], cells, numeric, links)]


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
    sections = _sections(report)
    # what needs doing first: overdue, then due soon
    for section in sections[:2]:
        parts += _section_html(report, *section)
    if report.is_national:
        parts.append(
            _heading(
                "Boards", "One line per board; overdue stages split into must, should and local."
            )
        )
        parts.append(_boards_html(report))
    parts.append(_heading("Deadlines met", EXPLANATION))
    parts.append(_deadlines_html(report))
    if report.trend is not None:
        parts.append(_heading("Deadlines met over time", TREND_NOTE))
        parts.append(_trend_html(report))
    for section in sections[2:]:
        parts += _section_html(report, *section)
    for heading, note, headers, cells, actions in _action_sections(report):
        parts.append(_heading(heading, note))
        numeric = {i for i, h in enumerate(headers) if h.startswith("Days") or "actions" in h}
        links = [review_href(report, a.review_id, a.web_key) for a in actions]
        parts.append(_table(headers, cells, numeric, links) if cells else _none("None."))
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
        _heading(
            "Stage results by status",
            "Musts are counted apart from shoulds, and local timescales apart from national ones.",
        )
    )
    parts.append(_headline_html(report))
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
        f'<table role="presentation" width="{WIDTH}" cellpadding="0" cellspacing="0" border="0" '
        f'style="border-collapse:collapse;width:100%;max-width:{WIDTH}px;">'
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


def _section_text(
    heading: str, note: str, columns: list[Column], findings: list[Finding]
) -> list[str]:
    lines = ["", heading, "-" * len(heading), note]
    if not findings:
        return [*lines, "None."]
    return lines + _text_table(
        [h for h, _ in columns], [[fn(f) for _, fn in columns] for f in findings]
    )


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
    if report.web_url:
        lines.append(f"Each review's page in the web view: {report.web_url}/reviews/REVIEW-ID")
    sections = _sections(report)
    # what needs doing first: overdue, then due soon
    for section in sections[:2]:
        lines += _section_text(*section)
    if report.is_national:
        lines += ["", "Boards", "------"]
        lines += _text_table(
            ["Board", "Nation", "Reviews", OVERDUE_SPLIT, "Due soon", "Data problems"],
            [
                [
                    b.board,
                    nation_name(b.nation),
                    str(b.reviews),
                    " / ".join(str(b.overdue[g]) for g in GROUPS),
                    str(b.due_soon),
                    str(b.problems),
                ]
                for b in report.boards
            ],
        )
    lines += ["", "Deadlines met", "-------------", EXPLANATION]
    lines += _text_table(DEADLINE_HEADERS, deadline_rows(report))
    if report.trend is not None:
        lines += ["", "Deadlines met over time", "-----------------------", TREND_NOTE]
        groups, trend = trend_rows(report)
        lines += (
            _text_table(
                ["Quarter", *(GROUP_LABELS[g] for g in groups)],
                [[label, *(text for text, _ in cells)] for label, cells in trend],
            )
            if trend
            else ["No deadlines have fallen due yet."]
        )
    for section in sections[2:]:
        lines += _section_text(*section)
    for heading, note, headers, cells, _actions in _action_sections(report):
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
    "Due",
    "Days late or overdue",
    "Basis",
    "Must or should",
    "Citation",
    "Source",
    "Sheet",
    "Row",
    "Originally due",
    "Paused or extended",
]


def _finding_headers(days: str) -> list[str]:
    """The attachment's columns, its days column named as the e-mail names it in that list."""
    return [days if h == "Days late or overdue" else h for h in _FINDING_HEADERS]


def _finding_row(f: Finding, days: int | None = None) -> list[Any]:
    """``days``: the days column's value when it is not ``days_late`` (the days left)."""
    return [
        f.board,
        f.review_id,
        f.framework,
        f.stage,
        STATUS_LABELS.get(f.status, f.status),
        f.done,
        f.earliest,
        f.latest,
        f.days_late if days is None else days,
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
    "Days late or overdue",
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


def _nation_or_all(nation: str) -> str:
    return nation if nation == ALL_NATIONS else nation_name(nation)


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
                    nation_name(b.nation),
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
    _sheet(
        wb, "Overdue", _finding_headers("Days overdue"), [_finding_row(f) for f in report.overdue]
    )
    _sheet(
        wb,
        "Due soon",
        _finding_headers("Days left"),
        [
            _finding_row(f, (f.latest - report.as_of).days if f.latest else None)
            for f in report.due_soon
        ],
    )
    _sheet(
        wb,
        "Completed late",
        _finding_headers("Days late"),
        [_finding_row(f) for f in report.completed_late],
    )
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
    if report.trend is not None:
        _sheet(
            wb,
            "Deadlines met by quarter",
            list(TREND_HEADERS),
            [
                ["yes" if v is True else "no" if v is False else v for v in row]
                for row in download_rows(report.trend, nation_name=_nation_or_all)
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
