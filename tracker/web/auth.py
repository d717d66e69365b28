"""Signing in and out: the only forms the read-only view accepts."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from tracker.web.security import check_csrf
from tracker.web.sessions import current as current_session
from tracker.web.views import state

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never send a person elsewhere after signing in."""
    if not target:
        return url_for("pages.overview")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("pages.overview")
    if "\\" in target:
        return url_for("pages.overview")
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Response | tuple[str, int] | str:
    nxt = _safe_next(request.values.get("next"))
    if request.method != "POST":  # GET and HEAD
        return render_template("sign_in.html", next=nxt, error=None, name="")
    check_csrf()
    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    client = request.remote_addr or "unknown"
    limiter = state().limiter
    key = name.casefold()
    wait = limiter.retry_after(key, client)
    if wait:
        error = f"Too many failed attempts. Try again in {_duration(wait)}."
        log.warning("sign-in refused: too many failures (from %s)", client)
        page = render_template("sign_in.html", next=nxt, error=error, name=name)
        return Response(page, 429, mimetype="text/html", headers={"Retry-After": str(wait)})
    user = state().users.authenticate(name, password) if name and password else None
    if user is None:
        limiter.failed(key, client)
        log.info("failed sign-in from %s", client)
        error = "Enter a correct user name and password."
        return render_template("sign_in.html", next=nxt, error=error, name=name), 401
    limiter.succeeded(key)
    session.clear()
    current_session().regenerate()  # a new session id: no fixation across sign-ins
    session["user"] = user.name
    session["stamp"] = user.session_stamp
    log.info("user %s signed in", user.name)
    return redirect(nxt)


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = round(seconds / 60)
    return f"{minutes} minutes"


@bp.post("/sign-out")
def sign_out() -> Response:
    check_csrf()
    current_session().end()  # deleted on the server: the old cookie is worthless from now on
    return redirect(url_for("auth.sign_in"))
