"""Flask's session on the server side: the cookie carries a random id, tracker.access.sessions the rest.

Used exactly like Flask's own session (``session["user"] = ...``), plus two calls: ``regenerate()``
at sign-in (a new id, so an id planted before signing in is worthless: no fixation) and ``end()``
at sign-out (the stored session is deleted, not just the cookie).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import flask
from flask import Flask, Request
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict
from werkzeug.wrappers import Response

from tracker.access.sessions import SessionStore

#: the environ key under which tracker.web.fastpath hands on the session it read (not an HTTP
#: header: a client cannot set it)
SESSION_READ = "tracker.session_read"


class ServerSession(CallbackDict[str, Any], SessionMixin):
    def __init__(
        self,
        initial: dict[str, Any] | None = None,
        sid: str | None = None,
        created: float | None = None,
    ) -> None:
        def changed(_: Any) -> None:
            self.modified = True

        super().__init__(initial or {}, changed)
        self.sid = sid
        self.created = created
        self.modified = False
        self.rotate = False
        self.ended = False

    def regenerate(self) -> None:
        """Give this session a new id when it is saved (sign-in)."""
        self.rotate = True
        self.modified = True

    def end(self) -> None:
        """Delete the session on the server and its cookie (sign-out)."""
        self.clear()
        self.ended = True


def current() -> ServerSession:
    """This request's session, typed (``flask.session`` is a proxy to it)."""
    found = flask.session._get_current_object()  # type: ignore[attr-defined]  # noqa: SLF001
    assert isinstance(found, ServerSession)
    return found


class ServerSessionInterface(SessionInterface):
    def __init__(self, store: SessionStore) -> None:
        self.store = store

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        sid = request.cookies.get(self.get_cookie_name(app), "")
        read = request.environ.get(SESSION_READ)
        if read is not None and read[0] == sid:
            record = read[1]  # read by tracker.web.fastpath, which left this request to Flask
        else:
            record = self.store.load(sid) if sid else None
        if record is None:
            return ServerSession()
        return ServerSession(record.data, sid=sid, created=record.created)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        response.vary.add("Cookie")
        if session.ended or (not session and session.sid):
            if session.sid:
                self.store.delete(session.sid)
            response.delete_cookie(
                name,
                domain=domain,
                path=path,
                secure=self.get_cookie_secure(app),
                httponly=self.get_cookie_httponly(app),
                samesite=self.get_cookie_samesite(app),
            )
            return
        if not session:
            return  # nothing to keep: no row, no cookie
        fresh = session.sid is None or session.rotate
        if session.rotate and session.sid:
            self.store.delete(session.sid)
        if fresh:
            session.sid = self.store.new_id()
            session.created = None
        if not (fresh or session.modified):
            return
        assert session.sid is not None
        self.store.save(session.sid, dict(session), created=session.created)
        if fresh:
            ends = datetime.fromtimestamp(self.store.clock() + self.store.lifetime, UTC)
            response.set_cookie(
                name,
                session.sid,
                expires=ends,
                domain=domain,
                path=path,
                secure=self.get_cookie_secure(app),
                httponly=self.get_cookie_httponly(app),
                samesite=self.get_cookie_samesite(app),
            )
