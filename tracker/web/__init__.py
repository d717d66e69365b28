"""The inspectors' read-only web view (Flask), served from the latest snapshot.

``create_app(config)`` builds the app; ``serve(app, host, port)`` runs it under waitress, a
production WSGI server (Flask's development server is never used outside tests' test client).
"""

from __future__ import annotations

import errno
import logging
import os
import secrets
import socket
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from tracker.access.sessions import SessionStore, sessions_path
from tracker.access.users import UserStore, users_path
from tracker.config import Config, default_config
from tracker.web.data import SnapshotCache
from tracker.web.security import SignInLimiter
from tracker.web.sessions import ServerSessionInterface

log = logging.getLogger(__name__)

SECRET_FILENAME = "web_secret_key"
HERE = Path(__file__).parent
#: GOV.UK Frontend's compiled CSS, copied here by ``make web-assets`` (git-ignored).
GOVUK_CSS = HERE / "static" / "govuk" / "govuk-frontend.min.css"


@dataclass
class WebState:
    """What the views share: config, the snapshot cache, users and the sign-in limiter."""

    config: Config
    snapshots: SnapshotCache
    users: UserStore
    limiter: SignInLimiter
    govuk: bool
    sessions: SessionStore


def load_secret_key(config: Config) -> str:
    """The env var named in config, else a key generated once and kept in the state dir (0600)."""
    env_name = config.web.secret_key_env
    from_env = os.environ.get(env_name) if env_name else None
    if from_env:
        return from_env
    path = config.state_dir / SECRET_FILENAME
    try:
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key
    except FileNotFoundError:
        pass
    config.state_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key + "\n")
    log.warning(
        "%s is not set: generated a secret key and kept it in %s",
        env_name,
        path,
    )
    return key


def create_app(config: Config | None = None, *, overrides: dict[str, Any] | None = None) -> Flask:
    """Build the web app. ``overrides`` set Flask config (tests: plain-http cookies, limits)."""
    config = config or default_config()
    # Fix the state dir now: a later change of working folder must not move the data.
    config = replace(config, state_dir=config.state_dir.resolve())
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(
        SECRET_KEY=load_secret_key(config),
        SESSION_COOKIE_NAME="tracker_session",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=config.web.session_hours),
        MAX_CONTENT_LENGTH=16 * 1024,
        SIGN_IN_MAX_FAILURES=5,
        SIGN_IN_WINDOW_SECONDS=900,
        PAGE_SIZE=100,
        GOVUK_FRONTEND=GOVUK_CSS.is_file(),
    )
    app.config.update(overrides or {})
    if not app.config["GOVUK_FRONTEND"]:
        log.warning("GOV.UK Frontend is not installed (run `make web-assets`): using plain CSS")
    sessions = SessionStore(
        sessions_path(config.state_dir),
        lifetime_seconds=config.web.session_hours * 3600.0,
        idle_seconds=config.web.session_idle_minutes * 60.0,
    )
    app.session_interface = ServerSessionInterface(sessions)
    from tracker.web.fastpath import KeptPages

    # kept pages answered before Flask; inside ProxyFix (below), so it sees the same addresses
    app.wsgi_app = KeptPages(app, app.wsgi_app)  # type: ignore[method-assign]
    if config.web.trusted_proxies:
        # Believe exactly this many proxies' X-Forwarded-For/-Proto: the sign-in limiter then
        # sees each person's address (not the proxy's), and HSTS and Secure cookies see https.
        n = config.web.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    app.extensions["tracker"] = WebState(
        config=config,
        snapshots=SnapshotCache(config),
        users=UserStore(users_path(config.state_dir)),
        limiter=SignInLimiter(
            max_failures=app.config["SIGN_IN_MAX_FAILURES"],
            window_seconds=app.config["SIGN_IN_WINDOW_SECONDS"],
        ),
        govuk=bool(app.config["GOVUK_FRONTEND"]),
        sessions=sessions,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from tracker.web import api, auth, cache, feeds, pages, security, views

    security.install(app)
    views.install(app)
    cache.install(app, views.snapshot)  # after the sign-in check: it needs the user
    app.register_blueprint(auth.bp)
    from tracker.web.actions import install as install_actions  # the actions list and counts

    install_actions(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(feeds.bp)
    from tracker.web import trend

    app.register_blueprint(trend.bp)
    app.jinja_env.globals["trend_for"] = trend.trend_for
    return app


class PortError(Exception):
    """The web view cannot listen where it was asked to; the message says how to fix it."""


def port_error(host: str, port: int, exc: OSError | ValueError) -> PortError:
    """One line naming the address and the fix, for the errors people actually meet."""
    where = f"{host}:{port}"
    code = getattr(exc, "errno", None)
    if code == errno.EADDRINUSE:
        message = (
            f"{where} is already in use (another tracker, or another program): stop it, or "
            "choose a free port with --port (or [web] port in tracker.toml)"
        )
    elif code == errno.EACCES:
        message = (
            f"not allowed to listen on {where} (ports below 1024 need root): choose a port "
            "above 1024 with --port (or [web] port in tracker.toml)"
        )
    elif code in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT) or isinstance(
        exc, (socket.gaierror, ValueError)
    ):
        message = (
            f"{host!r} is not an address of this machine: use --host 127.0.0.1 (or [web] host "
            "in tracker.toml)"
        )
    else:
        message = f"cannot listen on {where}: {getattr(exc, 'strerror', None) or exc}"
    return PortError(message)


#: waitress's worker threads. Measured with bench/web.py (10,000 reviews, 20 clients, 2 cores,
#: kept pages): 2, 4, 6 and 8 threads, and Python's thread switch interval at 1, 5 and 20 ms,
#: gave p95s within the run-to-run spread of the shared machine, and 1 ms cost more CPU per
#: request; so 8 threads (a slow first render does not hold up the rest) and the default 5 ms.
THREADS = 8


def bind(app: Flask, host: str, port: int, *, threads: int = THREADS) -> Any:
    """A waitress server already listening on ``host:port``; ``PortError`` if it cannot.

    Binding first, before anything else starts, turns a busy port into one line at start-up
    rather than a traceback after the scheduler has begun.
    """
    from waitress.server import create_server

    try:
        return create_server(app, host=host, port=port, threads=threads, ident="")
    except (OSError, ValueError) as exc:  # waitress: ValueError for a host it cannot resolve
        raise port_error(host, port, exc) from None


def serve(app: Flask, host: str = "127.0.0.1", port: int = 8080, *, threads: int = THREADS) -> None:
    """Serve with waitress until interrupted (blocks); ``PortError`` if it cannot listen."""
    server = bind(app, host, port, threads=threads)
    log.info("web view on http://%s:%s/", host, port)
    run(server)


def run(server: Any) -> None:
    """Serve on a server from ``bind`` until interrupted, saying where (as waitress does)."""
    server.print_listen("Serving on http://{}:{}")
    server.run()
