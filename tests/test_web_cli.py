"""``tracker user add|remove`` and ``tracker serve`` (a real waitress process on 127.0.0.1)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import main
from tracker.users import UserStore, users_path

PASSWORD = "a long enough password"


def write_config(root: Path, port: int = 8080) -> Path:
    path = root / "tracker.toml"
    path.write_text(
        f"""
state_dir = "var"
[[boards]]
name = "Northshire LSCB"
nation = "england"
sources = ["northshire.xlsx"]
[[boards]]
name = "Westshire LSCB"
nation = "england"
sources = ["westshire.xlsx"]
[web]
host = "127.0.0.1"
port = {port}
""",
        encoding="utf-8",
    )
    return path


def test_user_add_and_remove(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    runner = CliRunner()
    added = runner.invoke(
        main,
        [
            "user",
            "add",
            "north",
            "--boards",
            "Northshire LSCB, Westshire LSCB",
            "--password-stdin",
            "--config",
            str(config),
        ],
        input=PASSWORD + "\n",
    )
    assert added.exit_code == 0, added.output
    assert "added user north (Northshire LSCB, Westshire LSCB)" in added.output
    store = UserStore(users_path(tmp_path / "var"))
    user = store.authenticate("north", PASSWORD)
    assert user is not None and user.boards == ("Northshire LSCB", "Westshire LSCB")
    national = runner.invoke(
        main,
        ["user", "add", "panel", "--national", "--password-stdin", "--config", str(config)],
        input=PASSWORD + "\n",
    )
    assert national.exit_code == 0, national.output
    assert store.get("panel") is not None and store.get("panel").national  # type: ignore[union-attr]
    removed = runner.invoke(main, ["user", "remove", "north", "--config", str(config)])
    assert removed.exit_code == 0 and store.get("north") is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--boards", "Nowhere LSCB"], "unknown board(s) 'Nowhere LSCB'"),
        (["--boards", "Northshire LSCB", "--national"], "exactly one of --boards or --national"),
        ([], "exactly one of --boards or --national"),
    ],
)
def test_user_add_refuses(tmp_path: Path, args: list[str], message: str) -> None:
    config = write_config(tmp_path)
    result = CliRunner().invoke(
        main,
        ["user", "add", "x", *args, "--password-stdin", "--config", str(config)],
        input=PASSWORD + "\n",
    )
    assert result.exit_code != 0
    assert message in result.output


def test_short_password_from_stdin_is_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    result = CliRunner().invoke(
        main,
        ["user", "add", "x", "--national", "--password-stdin", "--config", str(config)],
        input="short\n",
    )
    assert result.exit_code == 1 and "at least 12 characters" in result.output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_serve_runs_waitress_on_loopback(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path, port)
    tracker = Path(sys.executable).parent / "tracker"
    proc = subprocess.Popen(
        [str(tracker), "serve", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    try:
        body = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = r.read().decode()
                    server = r.headers.get("Server", "")
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        assert body is not None, "tracker serve did not answer"
        assert '"status":"ok"' in body.replace(" ", "")
        assert "Werkzeug" not in server  # not Flask's development server
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(
                urllib.request.Request(f"http://127.0.0.1:{port}/", method="DELETE"), timeout=2
            )
        assert refused.value.code == 405
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert "Serving on http://127.0.0.1:" in out  # waitress's own start-up line
    assert (tmp_path / "var" / "web_secret_key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    "args",
    [
        ["user", "add", "x", "--national", "--password-stdin"],
        ["user", "remove", "x"],
        ["user", "token", "x"],
        ["user", "sessions", "x"],
        ["user", "sign-out", "x"],
        ["serve"],
        ["report"],
        ["check"],
    ],
)
def test_a_broken_config_exits_2_with_the_key_named(tmp_path: Path, args: list[str]) -> None:
    bad = tmp_path / "tracker.toml"
    bad.write_text('[web]\nport = "eighty"\n', encoding="utf-8")
    result = CliRunner().invoke(main, [*args, "--config", str(bad)], input=PASSWORD + "\n")
    assert result.exit_code == 2, result.output
    assert "web.port" in result.output and "Traceback" not in result.output


def test_report_without_any_config_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACKER_CONFIG", raising=False)
    result = CliRunner().invoke(main, ["report"])
    assert result.exit_code == 2 and "no config" in result.output


def test_a_line_break_in_a_board_name_stops_report_cleanly(tmp_path: Path) -> None:
    config = tmp_path / "tracker.toml"
    config.write_text(
        '[[boards]]\nname = "North\\r\\nBcc: evil@example.org"\nnation = "england"\n'
        'sources = ["n.xlsx"]\nrecipients = ["a@example.org"]\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["report", "--config", str(config)])
    assert result.exit_code == 2
    assert "boards[0].name: must not hold a line break" in result.output
    assert "Traceback" not in result.output
