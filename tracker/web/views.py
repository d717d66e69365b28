"""What every page shares: the signed-in user, the snapshot, "data as of", errors and filters."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from flask import Flask, current_app, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from tracker.access.users import User
from tracker.frameworks import vocabulary
from tracker.web import words
from tracker.web.cache import per_request
from tracker.web.data import NATION_LABELS, STATUS_LABELS, Snapshot
from tracker.web.listing import page_numbers
from tracker.web.security import csrf_token
from tracker.web.sessions import current as current_session

#: Reachable without signing in: health, sign-in itself, assets, and the token-protected feed.
PUBLIC_ENDPOINTS = frozenset({"healthz", "auth.sign_in", "static", "feeds.calendar_ics"})


def state() -> Any:
    return current_app.extensions["tracker"]


def snapshot() -> Snapshot:
    """The snapshot this request is answered from: one per request, even if the file changes
    while it runs (the page cache keys on it)."""
    snap: Snapshot | None = g.get("snapshot")
    if snap is None:
        snap = g.snapshot = state().snapshots.get()
    return snap


def user() -> User:
    found: User = g.user
    return found


def _root() -> str:
    """The overview's address, built once per request (a list page links to a hundred reviews)."""
    root: str | None = g.get("root_url")
    if root is None:
        root = g.root_url = url_for("pages.overview")
    return root


def review_url(key: str) -> str:
    """``/reviews/<key>`` with every reserved character encoded (ids may hold ``/``)."""
    return _root() + "reviews/" + quote(key, safe="")


def board_url(board: str) -> str:
    return _root() + "boards/" + quote(board, safe="")


def install(app: Flask) -> None:
    @app.before_request
    def require_sign_in() -> Response | None:
        g.user = None
        api = request.path.startswith("/api/")
        bearer = _bearer()
        if bearer is not None and api:
            # A program's token: /api/* only, never a page, never with a session.
            g.user = state().users.by_api_token(bearer)
            if g.user is None:
                return _unauthorised("the API token is not valid (or its user was removed)")
            return None
        name = session.get("user")
        if isinstance(name, str):
            found = state().users.get(name)
            if found is None or session.get("stamp") != found.session_stamp:
                # removed, replaced or given a new password since signing in
                current_session().end()
            else:
                g.user = found
        if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
            if api:
                return _unauthorised("sign in required")
            nxt = request.full_path if request.query_string else request.path
            return redirect(url_for("auth.sign_in", next=nxt))
        return None

    @app.get("/healthz")
    def healthz() -> tuple[dict[str, Any], int]:
        cache = state().snapshots
        snap = cache.get()
        stale_after = timedelta(minutes=state().config.web.stale_after_minutes)
        body: dict[str, Any] = {
            "status": "ok",
            "snapshot": snap.generated_at.isoformat() if snap.generated_at else None,
            "stale": snap.is_stale(datetime.now(UTC), stale_after),
        }
        if cache.problem:
            # The file on disk is unusable (the pages keep showing the last good one).
            body.update(status="error", reason=cache.problem)
            return body, 503
        return body, 200

    app.jinja_env.globals.update(
        review_url=review_url,
        board_url=board_url,
        status_label=lambda s: STATUS_LABELS.get(s, s),
        nation_label=lambda n: NATION_LABELS.get(n, n),
        vocabulary=vocabulary,
        per_request=per_request,
        framework_title=words.framework_title,
        field_label=words.field_label,
        human_text=words.human_text,
        problem_title=words.problem_title,
        confidence_label=words.confidence_label,
        confidence_meanings=words.CONFIDENCE_MEANINGS,
        calendar_label=words.calendar_label,
        page_numbers=page_numbers,
    )

    @app.context_processor
    def common() -> dict[str, Any]:
        snap = snapshot()
        return {
            "current_user": g.get("user"),
            "snap": snap,
            "stale": stale_now(snap),
            "stale_minutes": state().config.web.stale_after_minutes,
            "csrf_token": csrf_token,
            "govuk": state().govuk,
        }

    @app.template_filter("day")
    def day(value: date | str | None) -> str:
        """UK style: 5 March 2024."""
        if not value:
            return ""
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                return str(value)
        return f"{value.day} {value:%B %Y}"

    @app.template_filter("moment")
    def moment(value: datetime | None) -> str:
        if value is None:
            return ""
        local = value.astimezone(_london())
        return f"{local.day} {local:%B %Y at %H:%M} ({local:%Z})"

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        if request.path.startswith("/api/") or request.path == "/calendar.ics":
            body = {"error": exc.description or exc.name, "status": exc.code}
            response = current_app.json.response(body)
            response.status_code = exc.code or 500
            return response
        html = render_template("error.html", error=exc)
        return html, exc.code or 500


def stale_now(snap: Snapshot) -> bool:
    """Whether the snapshot is older than ``[web] stale_after_minutes`` now (the warning)."""
    return stale_at(snap, state().config.web.stale_after_minutes)


def stale_at(snap: Snapshot, minutes: int) -> bool:
    return snap.is_stale(datetime.now(UTC), timedelta(minutes=minutes))


def _bearer() -> str | None:
    """The token of ``Authorization: Bearer TOKEN``; None when there is no such header."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def _unauthorised(message: str) -> Response:
    body = json.dumps({"error": message})
    response = Response(body, 401, mimetype="application/json")
    response.headers["WWW-Authenticate"] = 'Bearer realm="tracker"'
    return response


def _london() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/London")
