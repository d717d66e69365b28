"""The users file: hashes not passwords, owner-only, scoped boards, calendar tokens."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tracker.users import UserError, UserStore, users_path

PASSWORD = "a long enough password"


def store(tmp_path: Path) -> UserStore:
    return UserStore(users_path(tmp_path / "var"))


def test_add_stores_a_hash_with_owner_only_permissions(tmp_path: Path) -> None:
    s = store(tmp_path)
    user = s.add("ofsted.inspector", PASSWORD, national=True)
    raw = s.path.read_text(encoding="utf-8")
    assert PASSWORD not in raw
    assert json.loads(raw)["users"]["ofsted.inspector"]["password_hash"].startswith("scrypt:")
    assert stat.S_IMODE(s.path.stat().st_mode) == 0o600
    assert len(user.calendar_token) >= 40
    assert s.authenticate("ofsted.inspector", PASSWORD) == user
    assert s.authenticate("ofsted.inspector", PASSWORD + "x") is None
    assert s.authenticate("nobody", PASSWORD) is None


def test_board_scope(tmp_path: Path) -> None:
    s = store(tmp_path)
    local = s.add("north", PASSWORD, boards=("Northshire LSCB",))
    national = s.add("panel", PASSWORD, national=True)
    assert local.may_see("Northshire LSCB") and not local.may_see("Highland CPC")
    assert not local.may_see(None)
    assert national.may_see("Highland CPC") and national.may_see(None)


@pytest.mark.parametrize(
    ("name", "password", "kwargs", "message"),
    [
        ("bad name!", PASSWORD, {"national": True}, "must be 1-64"),
        ("ok", "short", {"national": True}, "at least 12"),
        ("ok", PASSWORD, {}, "either --boards or --national"),
        ("ok", PASSWORD, {"national": True, "boards": ("A",)}, "either --boards or --national"),
    ],
)
def test_add_refuses_bad_input(
    tmp_path: Path, name: str, password: str, kwargs: dict, message: str
) -> None:
    with pytest.raises(UserError, match=message):
        store(tmp_path).add(name, password, **kwargs)


def test_duplicate_and_remove(tmp_path: Path) -> None:
    s = store(tmp_path)
    first = s.add("north", PASSWORD, boards=("A",))
    with pytest.raises(UserError, match="already exists"):
        s.add("north", PASSWORD, boards=("A",))
    second = s.add("north", PASSWORD, boards=("B",), replace=True)
    assert second.calendar_token != first.calendar_token
    assert s.by_calendar_token(first.calendar_token) is None
    assert s.by_calendar_token(second.calendar_token) == second
    s.remove("north")
    assert s.get("north") is None
    with pytest.raises(UserError, match="no user"):
        s.remove("north")


def test_changes_by_another_process_are_seen(tmp_path: Path) -> None:
    reader = store(tmp_path)
    assert reader.users() == {}
    store(tmp_path).add("later", PASSWORD, national=True)
    assert reader.get("later") is not None


def test_malformed_file_is_a_clear_error(tmp_path: Path) -> None:
    s = store(tmp_path)
    s.path.parent.mkdir(parents=True)
    s.path.write_text('{"users": {"x": {"boards": []}}}', encoding="utf-8")
    with pytest.raises(UserError, match="user 'x' is malformed"):
        s.users()


# ------------------------------------------------ concurrent `tracker user` commands (real processes)

_RACER = """
import os, sys, time
from tracker.cli import main
go = sys.argv[1]
while not os.path.exists(go):
    time.sleep(0.005)
main(sys.argv[2:])
"""


def _race(tmp_path: Path, commands: list[list[str]]) -> list[subprocess.CompletedProcess[str]]:
    """Start every command in its own process, all imported and waiting, then let them go at once."""
    config = tmp_path / "tracker.toml"
    if not config.exists():
        config.write_text('state_dir = "var"\n', encoding="utf-8")
    go = tmp_path / "go"
    go.unlink(missing_ok=True)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _RACER, str(go), "user", *args, "--config", str(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )
        for args in commands
    ]
    for p in procs:
        assert p.stdin is not None
        p.stdin.write(PASSWORD + "\n")
        p.stdin.flush()
    time.sleep(3.0)  # every process imported and waiting at the line
    go.touch()
    done = []
    for p, args in zip(procs, commands, strict=True):
        out, err = p.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(args, p.returncode, out, err))
    return done


def test_ten_concurrent_user_adds_all_take(tmp_path: Path) -> None:
    results = _race(
        tmp_path, [["add", f"user{i}", "--national", "--password-stdin"] for i in range(10)]
    )
    assert [r.returncode for r in results] == [0] * 10, [r.stderr for r in results]
    assert set(store(tmp_path).users()) == {f"user{i}" for i in range(10)}


def test_concurrent_removes_and_adds_all_take(tmp_path: Path) -> None:
    s = store(tmp_path)
    for i in range(5):
        s.add(f"old{i}", PASSWORD, national=True)
    commands = [["remove", f"old{i}"] for i in range(5)]
    commands += [["add", f"new{i}", "--national", "--password-stdin"] for i in range(5)]
    results = _race(tmp_path, commands)
    assert [r.returncode for r in results] == [0] * 10, [r.stderr for r in results]
    assert set(UserStore(s.path).users()) == {f"new{i}" for i in range(5)}
