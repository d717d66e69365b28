"""Server-side sessions (tracker.sessions): a replayed cookie is worth nothing once ended.

The attacker keeps a copy of a signed-in cookie and sends it again after sign-out, after
``tracker user remove``, after the name is added again with wider scope, after the idle time and
after the absolute lifetime. Users are changed with the real ``tracker user`` commands.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from tests.web_fixtures import (
    NORTHSHIRE,
    PASSWORD,
    WebEnv,
    csrf_from,
    fresh_env,
    signed_in,
)
from tracker.cli import main
from tracker.sessions import SessionStore
from tracker.users import UserStore, users_path

COOKIE = "tracker_session"


@pytest.fixture
def web_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WebEnv:
    return fresh_env(tmp_path, monkeypatch)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def _replay(env: WebEnv, value: str) -> FlaskClient:
    client = env.client()
    client.set_cookie(COOKIE, value)
    return client


def _in(client: FlaskClient) -> bool:
    """Signed in: the API answers (it says 401 otherwise)."""
    code = client.get("/api/reviews").status_code
    assert code in (200, 401)
    return code == 200


def _cli(env: WebEnv, *args: str, password: str | None = None) -> str:
    config = str(env.root / "tracker.toml")
    result = CliRunner().invoke(
        main, ["user", *args, "--config", config], input=(password + "\n") if password else None
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_the_cookie_holds_only_a_random_id(web_env: WebEnv) -> None:
    before = web_env.client()
    before.get("/sign-in")
    planted = _cookie(before)  # a session id handed out before signing in
    client = signed_in(web_env, "inspector")
    value = _cookie(client)
    assert "inspector" not in value and "." not in value and len(value) >= 40
    assert value != planted
    # signing in gives a new id: a planted one never becomes signed in (no fixation)
    page = before.get("/sign-in").get_data(as_text=True)
    before.post(
        "/sign-in", data={"name": "inspector", "password": PASSWORD, "csrf_token": csrf_from(page)}
    )
    assert _cookie(before) != planted
    assert not _in(_replay(web_env, planted))


def test_a_cookie_replayed_after_sign_out_is_refused(web_env: WebEnv) -> None:
    client = signed_in(web_env, "inspector")
    value = _cookie(client)
    assert _in(_replay(web_env, value))
    page = client.get("/").get_data(as_text=True)
    assert client.post("/sign-out", data={"csrf_token": csrf_from(page)}).status_code == 302
    replay = _replay(web_env, value)
    assert not _in(replay)
    assert replay.get("/").status_code == 302  # to the sign-in page


def test_a_cookie_replayed_after_user_remove_is_refused(web_env: WebEnv) -> None:
    value = _cookie(signed_in(web_env, "northshire"))
    out = _cli(web_env, "remove", "northshire")
    assert "1 session ended" in out
    assert not _in(_replay(web_env, value))


def test_re_adding_the_name_with_wider_scope_does_not_revive_an_old_cookie(
    web_env: WebEnv,
) -> None:
    value = _cookie(signed_in(web_env, "northshire"))
    _cli(web_env, "remove", "northshire")
    _cli(web_env, "add", "northshire", "--national", "--password-stdin", password=PASSWORD)
    assert not _in(_replay(web_env, value))


def test_a_user_changed_behind_the_sessions_back_is_signed_out(web_env: WebEnv) -> None:
    """Even if the users file is changed without the CLI (no session ended), the old session is
    tied to the user it signed in as: a replaced user is a new user."""
    value = _cookie(signed_in(web_env, "northshire"))
    store = UserStore(users_path(web_env.config.state_dir))
    store.remove("northshire")
    store.add("northshire", PASSWORD, national=True)
    assert not _in(_replay(web_env, value))


def test_user_add_replace_with_fewer_boards_ends_the_sessions(web_env: WebEnv) -> None:
    value = _cookie(signed_in(web_env, "inspector"))
    new_password = "another long password"
    out = _cli(
        web_env,
        "add",
        "inspector",
        "--boards",
        NORTHSHIRE,
        "--password-stdin",
        "--replace",
        password=new_password,
    )
    assert "1 session ended" in out
    assert not _in(_replay(web_env, value))


def _clocked(env: WebEnv) -> Clock:
    clock = Clock()
    store: SessionStore = env.app.extensions["tracker"].sessions
    store.clock = clock
    return clock


def test_idle_timeout_ends_a_session(web_env: WebEnv) -> None:
    clock = _clocked(web_env)
    client = signed_in(web_env, "inspector")
    clock.now += 29 * 60
    assert _in(client)  # used within 30 minutes: still signed in, and the idle clock restarts
    clock.now += 29 * 60
    assert _in(client)
    clock.now += 31 * 60
    assert not _in(client)


def test_absolute_lifetime_ends_a_busy_session(web_env: WebEnv) -> None:
    clock = _clocked(web_env)
    client = signed_in(web_env, "inspector")
    for _ in range(47):  # a request every 10 minutes for 7 h 50 min
        clock.now += 10 * 60
        assert _in(client)
    clock.now += 10 * 60
    assert not _in(client)


def test_idle_minutes_come_from_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = fresh_env(tmp_path, monkeypatch)
    toml = tmp_path / "tracker.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8") + "\n[web]\nsession_idle_minutes = 5\n", encoding="utf-8"
    )
    from tracker.config import load_config
    from tracker.web import create_app

    app = create_app(load_config(toml), overrides={"SESSION_COOKIE_SECURE": False})
    assert app.extensions["tracker"].sessions.idle == 5 * 60
    env = WebEnv(tmp_path, env.config, app)
    clock = _clocked(env)
    client = signed_in(env, "inspector")
    clock.now += 6 * 60
    assert not _in(client)


def test_user_sessions_lists_and_user_sign_out_ends_them(web_env: WebEnv) -> None:
    first = signed_in(web_env, "northshire")
    second = signed_in(web_env, "northshire")
    listing = _cli(web_env, "sessions", "northshire")
    assert listing.startswith("northshire has 2 sessions:")
    assert "signed in" in listing and "ends" in listing
    assert _cookie(first) not in listing  # never the id itself
    assert "ended 2 sessions of northshire" in _cli(web_env, "sign-out", "northshire")
    assert not _in(first) and not _in(second)
    assert _cli(web_env, "sessions", "northshire").strip() == "northshire has no session"
    assert _in(signed_in(web_env, "inspector"))  # others are untouched
