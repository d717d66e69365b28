"""API tokens for programs (``tracker user token NAME``): /api/* only, scoped, revoked with the user;
and the API's own answers: strict numbers, scoped frameworks, every status in the OpenAPI document.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.web_fixtures import HIGHLAND, NORTHSHIRE, WebEnv, fresh_env, signed_in
from tracker.cli import main
from tracker.users import users_path


@pytest.fixture
def web_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WebEnv:
    return fresh_env(tmp_path, monkeypatch)


def _user(env: WebEnv, *args: str) -> str:
    result = CliRunner().invoke(main, ["user", *args, "--config", str(env.root / "tracker.toml")])
    assert result.exit_code == 0, result.output
    return result.stdout


def _token(env: WebEnv, name: str) -> str:
    return _user(env, "token", name).strip()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_works_on_the_api_and_nowhere_else(web_env: WebEnv) -> None:
    token = _token(web_env, "northshire")
    assert token.startswith("trk_") and len(token) > 40
    assert token not in users_path(web_env.config.state_dir).read_text(encoding="utf-8")
    client = web_env.client()
    r = client.get("/api/reviews", headers=_bearer(token))
    assert r.status_code == 200
    boards = {review["board"] for review in r.get_json()["reviews"]}
    assert boards == {NORTHSHIRE}  # the user's scope
    assert client.get("/api/problems", headers=_bearer(token)).status_code == 200
    assert r.headers.get("Set-Cookie") is None  # no session is made for a program
    for page in ("/", "/overdue", "/problems", "/frameworks", "/calendar"):
        answer = client.get(page, headers=_bearer(token))
        assert answer.status_code == 302 and "/sign-in" in answer.headers["Location"], page
    feed = client.get(f"/calendar.ics?token={token}")
    assert feed.status_code in (401, 403, 404)


def test_a_wrong_token_is_401_with_a_bearer_challenge(web_env: WebEnv) -> None:
    r = web_env.client().get("/api/reviews", headers=_bearer("trk_not-a-real-token"))
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert r.get_json()["error"]


def test_a_token_stops_working_when_its_user_is_removed_or_it_is_replaced(
    web_env: WebEnv,
) -> None:
    first = _token(web_env, "northshire")
    second = _token(web_env, "northshire")
    client = web_env.client()
    assert client.get("/api/reviews", headers=_bearer(first)).status_code == 401
    assert client.get("/api/reviews", headers=_bearer(second)).status_code == 200
    _user(web_env, "remove", "northshire")
    assert client.get("/api/reviews", headers=_bearer(second)).status_code == 401


def test_token_for_an_unknown_user_fails(web_env: WebEnv) -> None:
    result = CliRunner().invoke(
        main, ["user", "token", "nobody", "--config", str(web_env.root / "tracker.toml")]
    )
    assert result.exit_code == 1 and "no user 'nobody'" in result.output


@pytest.mark.parametrize(
    "query", ["limit=²", "limit=-1", "limit=1.5", "offset=" + "9" * 5000, "limit=%EF%BC%91"]
)
def test_limit_and_offset_are_strict_whole_numbers(web_env: WebEnv, query: str) -> None:
    r = signed_in(web_env, "inspector").get(f"/api/reviews?{query}")
    assert r.status_code == 400
    assert "whole number" in r.get_json()["error"]


def test_api_frameworks_shows_only_the_users_boards_overrides(web_env: WebEnv) -> None:
    def override_boards(name: str) -> set[str]:
        doc = signed_in(web_env, name).get("/api/frameworks").get_json()
        return {o["board"] for f in doc for o in f.get("overrides", [])}

    assert override_boards("inspector") == {HIGHLAND}
    assert override_boards("northshire") == set()


def test_the_openapi_document_lists_every_status_the_api_answers(web_env: WebEnv) -> None:
    client = signed_in(web_env, "inspector")
    spec = client.get("/api/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    seen: dict[str, set[str]] = {}
    for path in spec["paths"]:
        codes = {str(client.get(path).status_code), str(client.post(path).status_code)}
        codes.add(str(web_env.client().get(path).status_code))  # not signed in
        for bad in ("format=pdf", "limit=x"):
            codes.add(str(client.get(f"{path}?{bad}").status_code))
        seen[path] = codes
    for path, codes in seen.items():
        documented = set(spec["paths"][path]["get"]["responses"])
        assert codes <= documented, (path, codes - documented)
    assert json.dumps(spec).count('"400"') >= 2
