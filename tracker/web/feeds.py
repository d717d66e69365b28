"""``/calendar.ics``: upcoming deadlines of the boards a user may see (RFC 5545): stages, and the
due dates of open actions from review recommendations.

Calendar programs (Outlook, Google Calendar) cannot sign in, so the address carries the user's
random calendar token instead; a wrong or missing token is a plain 404.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, abort, request

from tracker.frameworks.vocabulary import stage_must_label
from tracker.web.actions import ActionItem, all_actions
from tracker.web.data import Snapshot, StageItem, parse_day, visible
from tracker.web.views import snapshot, state

bp = Blueprint("feeds", __name__)

PRODID = "-//case-review-tracker//deadlines//EN"


def ics_text(value: str) -> str:
    """Escape TEXT values: backslash, semicolon, comma and newlines."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts: list[str] = []
    current = b""
    limit = 75
    for char in line:
        b = char.encode("utf-8")
        if len(current) + len(b) > limit:
            parts.append(current.decode("utf-8"))
            current = b""
            limit = 74  # continuation lines start with a space
        current += b
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def _uid(item: StageItem) -> str:
    d = item.review.data
    ident = f"{d.get('source')}|{d.get('sheet')}|{d.get('row')}|{item.stage.get('id')}"
    return hashlib.sha256(ident.encode("utf-8")).hexdigest()[:32] + "@case-review-tracker"


def upcoming(snap: Snapshot) -> list[StageItem]:
    """Pending stages with a latest date on or after the as-of date (an extended stage at its
    agreed date; a paused stage has no date to show until its pause ends)."""
    out = []
    for review in snap.reviews:
        for stage in review.stages:
            latest = parse_day(stage.get("latest"))
            if (
                stage.get("status") == "pending"
                and latest
                and (snap.as_of is None or latest >= snap.as_of)
            ):
                out.append(StageItem(review, stage))
    out.sort(key=lambda i: (i.latest or date.max, i.review.key))
    return out


def upcoming_actions(snap: Snapshot) -> list[ActionItem]:
    """Open actions not yet overdue whose deadline in force falls on or after the as-of date (an
    overdue one is on the actions list; a paused one has no date until its pause ends)."""
    out = [
        a
        for a in all_actions(snap)
        if a.status == "pending" and a.deadline and (snap.as_of is None or a.deadline >= snap.as_of)
    ]
    out.sort(key=lambda a: (a.deadline or date.max, a.review.key, str(a.action.get("action_ref"))))
    return out


def _action_uid(item: ActionItem) -> str:
    d, a = item.review.data, item.action
    ident = f"{d.get('source')}|{a.get('sheet')}|{a.get('row')}|action"
    return hashlib.sha256(ident.encode("utf-8")).hexdigest()[:32] + "@case-review-tracker"


def _action_event(item: ActionItem, stamp: str, base_url: str) -> list[str]:
    """One all-day event on the action's due date: which action, whose, for which review."""
    due = item.deadline
    assert due is not None
    a, review = item.action, item.review
    ref = str(a.get("action_ref") or "")
    summary = f"{review.review_id}: action {ref} due ({item.agency}, {review.board})"
    description = (
        f"Action {ref} of recommendation {a.get('recommendation')} of review {review.review_id} "
        f"({review.data.get('framework')}), owned by {item.agency}, is due by {due:%d %B %Y} "
        "(the review's action plan, on the workbook's Actions sheet)."
    )
    if item.due and item.due != due:
        description += f" Originally due {item.due:%d %B %Y}; moved by a pause or extension."
    return [
        "BEGIN:VEVENT",
        f"UID:{_action_uid(item)}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{due:%Y%m%d}",
        f"DTEND;VALUE=DATE:{due + timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{ics_text(summary)}",
        f"DESCRIPTION:{ics_text(description)}",
        f"URL:{base_url}reviews/{_quote(review.key)}#actions",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]


def render_calendar(
    items: list[StageItem],
    name: str,
    base_url: str,
    actions: Sequence[ActionItem] = (),
) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ics_text(name)}",
        "X-PUBLISHED-TTL:PT1H",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
    ]
    for item in items:
        latest = item.latest
        if latest is None:
            continue
        d = item.review.data
        s = item.stage
        label = str(s.get("label") or s.get("id"))
        must = stage_must_label(s)
        summary = f"{item.review.review_id}: {label} due ({item.review.board})"
        description = (
            f"{label} for review {item.review.review_id} ({d.get('framework')}) is due by "
            f"{latest:%d %B %Y}. Basis: {s.get('basis')}, {must}. {s.get('source') or ''}".strip()
        )
        original = s.get("original_latest")
        if original and original != s.get("latest"):
            moved = "extended" if s.get("basis") == "agreed extension" else "moved by a pause"
            description += f" Originally due {_long(original)}; {moved}."
        lines += [
            "BEGIN:VEVENT",
            f"UID:{_uid(item)}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{latest:%Y%m%d}",
            f"DTEND;VALUE=DATE:{latest + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{ics_text(summary)}",
            f"DESCRIPTION:{ics_text(description)}",
            f"URL:{base_url}reviews/{_quote(item.review.key)}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    for action in actions:
        lines += _action_event(action, stamp, base_url)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def _long(iso: Any) -> str:
    day = parse_day(iso)
    return f"{day:%d %B %Y}" if day else str(iso)


def _quote(key: str) -> str:
    from urllib.parse import quote

    return quote(key, safe="")


@bp.get("/calendar.ics")
def calendar_ics() -> Response:
    token = request.args.get("token", "")
    found = state().users.by_calendar_token(token) if len(token) >= 20 else None
    if found is None:
        abort(404)
    snap = snapshot()
    items = list(visible(upcoming(snap), found))
    actions = [a for a in upcoming_actions(snap) if found.may_see(a.board)]
    body = render_calendar(items, "Case review deadlines", request.host_url, actions)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    return response
