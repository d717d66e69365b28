"""The JSON API: the shapes of ``tracker check --format json``, scoped to the user's boards.

Encoded bodies are cached per snapshot, scope and filter (a 10,000-review list is megabytes of
JSON; encoding it once per snapshot rather than per request keeps the API fast under load).
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from typing import Any

from flask import Blueprint, Response, abort, request

from tracker.frameworks.vocabulary import stage_must_label
from tracker.web import actions as plans
from tracker.web.data import Snapshot, visible
from tracker.web.exports import FORMATS, download
from tracker.web.frameworks import visible_frameworks
from tracker.web.openapi import openapi_document
from tracker.web.pages import PROBLEM_HEADERS, problem_row
from tracker.web.views import snapshot, state, user

bp = Blueprint("api", __name__, url_prefix="/api")

_WHOLE = re.compile(r"[0-9]{1,12}")
MAX_INT_ARG = 10_000_000
REVIEW_FILTERS = ("nation", "board", "framework", "status")
REVIEW_HEADERS = (
    "Review ID",
    "Board",
    "Framework",
    "Nation",
    "Assessable",
    "Stage",
    "Earliest",
    "Latest",
    "Done",
    "Status",
    "Days late",
    "Basis",
    "Must or should",
    "Citation",
    "Source",
    "Sheet",
    "Row",
    "Originally due",
    "Paused or extended",
)


class BodyCache:
    """A small LRU of encoded bodies, forgotten whenever the snapshot changes."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._stamp: object = None
        self._items: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, stamp: object, key: tuple[Any, ...]) -> bytes | None:
        with self._lock:
            if stamp != self._stamp:
                self._items.clear()
                self._stamp = stamp
                return None
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, stamp: object, key: tuple[Any, ...], body: bytes) -> None:
        with self._lock:
            if stamp != self._stamp:
                self._items.clear()
                self._stamp = stamp
            self._items[key] = body
            while len(self._items) > self.size:
                self._items.popitem(last=False)


_cache = BodyCache()


def _json(body: bytes) -> Response:
    return Response(body, mimetype="application/json")


def _scope() -> tuple[str, ...]:
    me = user()
    return ("*",) if me.national else tuple(sorted(me.boards))


def _head(snap: Snapshot) -> dict[str, Any]:
    return {
        "as_of": snap.as_of.isoformat() if snap.as_of else None,
        "generated_at": snap.generated_at.isoformat() if snap.generated_at else None,
    }


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    # ASCII digits only ("²".isdigit() is true) and a sane size (int() of 5,000 digits raises).
    if not _WHOLE.fullmatch(raw):
        abort(400, f"{name} must be a whole number from 0 to {MAX_INT_ARG}")
    value = int(raw)
    if value > MAX_INT_ARG:
        abort(400, f"{name} must be a whole number from 0 to {MAX_INT_ARG}")
    return value


def _adjustment_text(a: dict[str, Any]) -> str:
    """A pause or extension in one phrase (reason and body are fixed choices; never notes)."""
    if a.get("kind") == "pause":
        text = f"paused {a.get('from')} to {a.get('to') or 'now'}"
    else:
        text = f"extended to {a.get('new_due')}"
    return text + (f" ({a['reason']})" if a.get("reason") else "")


@bp.get("/reviews")
def reviews() -> Response:
    snap = snapshot()
    values = {k: request.args.get(k, "").strip() for k in REVIEW_FILTERS}
    fmt = request.args.get("format", "json")
    if fmt not in ("json", *FORMATS):
        abort(400, "format must be json, csv or xlsx")
    limit = _int_arg("limit")
    offset = _int_arg("offset") or 0
    key = ("reviews", _scope(), fmt, limit, offset, *values.values())
    cached = _cache.get(snap.stamp, key) if fmt == "json" else None
    if cached is not None:
        return _json(cached)
    selected = []
    for r in snap.scoped("reviews", user()):
        if values["nation"] and r.nation != values["nation"]:
            continue
        if values["board"] and r.board != values["board"]:
            continue
        if values["framework"] and r.data.get("framework") != values["framework"]:
            continue
        if values["status"] and not any(s.get("status") == values["status"] for s in r.stages):
            continue
        selected.append(r)
    if fmt != "json":
        rows = (
            [
                r.review_id,
                r.board,
                r.data.get("framework"),
                r.nation,
                r.assessable,
                s.get("id"),
                s.get("earliest"),
                s.get("latest"),
                s.get("done"),
                s.get("status"),
                s.get("days_late"),
                s.get("basis"),
                stage_must_label(s),
                s.get("source"),
                r.data.get("source"),
                r.data.get("sheet"),
                r.data.get("row"),
                s.get("original_latest"),
                "; ".join(_adjustment_text(a) for a in s.get("adjustments") or []),
            ]
            for r in selected
            for s in r.stages
        )
        return download(fmt, "reviews", REVIEW_HEADERS, rows, "Reviews")
    page = selected[offset : offset + limit if limit is not None else None]
    doc = {**_head(snap), "total": len(selected), "reviews": [r.data for r in page]}
    body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    _cache.put(snap.stamp, key, body)
    return _json(body)


@bp.get("/actions")
def actions() -> Response:
    """Every action of the user's boards, worst first, each with its review's id, board, nation
    and framework; filtered by board, agency, status, overdue and review."""
    snap = snapshot()
    filters = plans.ActionFilters.from_request()
    review = request.args.get("review", "").strip()
    fmt = request.args.get("format", "json")
    if fmt not in ("json", *FORMATS):
        abort(400, "format must be json, csv or xlsx")
    limit = _int_arg("limit")
    offset = _int_arg("offset") or 0
    selected = [
        a
        for a in plans.select(plans.scoped_actions(snap, user()), filters)
        if not review or a.review.review_id == review
    ]
    if fmt != "json":
        return download(fmt, "actions", plans.HEADERS, (plans.row(a) for a in selected), "Actions")
    page = selected[offset : offset + limit if limit is not None else None]
    doc = {
        **_head(snap),
        "total": len(selected),
        "actions": [
            {
                "review_id": a.review.review_id,
                "board": a.board,
                "nation": a.review.nation,
                "framework": a.review.data.get("framework"),
                "source": a.review.data.get("source"),
                **a.action,
            }
            for a in page
        ],
    }
    return _json(json.dumps(doc, ensure_ascii=False).encode("utf-8"))


@bp.get("/problems")
def problems() -> Response:
    snap = snapshot()
    board = request.args.get("board", "").strip()
    fmt = request.args.get("format", "json")
    if fmt not in ("json", *FORMATS):
        abort(400, "format must be json, csv or xlsx")
    items = [p for p in visible(snap.problems, user()) if not board or p.board == board]
    if fmt != "json":
        return download(
            fmt, "problems", PROBLEM_HEADERS, (problem_row(p) for p in items), "Problems"
        )
    doc = {**_head(snap), "problems": [p.data for p in items]}
    return _json(json.dumps(doc, ensure_ascii=False).encode("utf-8"))


@bp.get("/frameworks")
def frameworks() -> Response:
    body = json.dumps(visible_frameworks(snapshot(), state().config, user()), ensure_ascii=False)
    return _json(body.encode("utf-8"))


@bp.get("/openapi.json")
def openapi() -> Response:
    return _json(json.dumps(openapi_document()).encode("utf-8"))
