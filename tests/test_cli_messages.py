"""The command line as a new user meets it: dates as printed, one line per error with one prefix,
the exit codes the README gives, "did you mean", a busy port, and output fitted to the terminal."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT, SAMPLES
from tracker.cli import main

D = date
SAMPLE_FILES = sorted(str(p) for p in SAMPLES.glob("*.xlsx"))
TRACKER = str(Path(sys.executable).with_name("tracker"))
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def config_file(root: Path, body: str = "", *, port: int = 8080) -> Path:
    path = root / "tracker.toml"
    path.write_text(
        f'state_dir = "var"\n{body}\n[web]\nhost = "127.0.0.1"\nport = {port}\n', encoding="utf-8"
    )
    return path


BOARD = """
[[boards]]
name = "Northshire LSCB"
nation = "england"
sources = ["northshire.xlsx"]
recipients = ["manager@example.org"]
"""


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port another program is listening on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


# --as-of: the UK dates every output prints are accepted back


def test_as_of_takes_the_uk_date_the_outputs_print(
    runner: CliRunner, make_workbook: Callable[..., Path]
) -> None:
    path = make_workbook("ni-cmr", [{"review_id": "N-1", "notified": D(2024, 1, 1)}])
    uk = runner.invoke(main, ["check", str(path), "--as-of", "31/12/2024", "--format", "json"])
    iso = runner.invoke(main, ["check", str(path), "--as-of", "2024-12-31", "--format", "json"])
    assert json.loads(uk.stdout)["as_of"] == "2024-12-31"
    assert uk.stdout == iso.stdout and uk.exit_code == iso.exit_code
    table = runner.invoke(main, ["validate", str(path), "--as-of", "31/12/2024"])
    assert table.exit_code == 0


@pytest.mark.parametrize("text", ["12/31/2024", "31/02/2024", "yesterday", "2024-13-01"])
def test_a_bad_as_of_is_one_line_and_exit_2(
    runner: CliRunner, make_workbook: Callable[..., Path], text: str
) -> None:
    path = make_workbook("ni-cmr", [{"review_id": "N-1", "notified": D(2024, 1, 1)}])
    result = runner.invoke(main, ["check", str(path), "--as-of", text])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tracker: ")
    assert text in lines[0] and "31/12/2024" in lines[0]  # says what it takes


def test_report_takes_a_uk_as_of_too(runner: CliRunner, tmp_path: Path) -> None:
    cfg = config_file(tmp_path, BOARD.replace("northshire.xlsx", str(SAMPLES / "northshire.xlsx")))
    result = runner.invoke(main, ["report", "--config", str(cfg), "--as-of", "30/06/2024"])
    assert result.exit_code == 0, result.output
    assert "2024-W26" in result.stdout


# an unusable file: said once, and no empty headline after it


def test_an_unusable_file_is_reported_once(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "notes.xlsx"
    bad.write_text("this is not a spreadsheet\n")
    result = runner.invoke(main, ["check", str(bad), "--as-of", "2024-06-30"])
    assert result.exit_code == 2
    said = (result.stdout + result.stderr).count("not a workbook")
    assert said == 1
    assert "0 reviews" not in result.stdout


def test_counts_are_singular_and_plural_as_english_has_them(
    runner: CliRunner, make_workbook: Callable[..., Path]
) -> None:
    path = make_workbook(
        "scotland-scr", [{"review_id": "S-2", "notified": "01/31/2024"}], name="one.xlsx"
    )
    validated = runner.invoke(main, ["validate", str(path), "--as-of", "2024-06-30"]).stdout
    assert "in 1 sheet:" in validated and "1 error," in validated
    assert "1 errors" not in validated and "1 sheets" not in validated
    checked = runner.invoke(main, ["check", str(path), "--as-of", "2024-06-30"]).stdout
    assert "1 review " in checked and "1 reviews" not in checked


# config and usage errors: one prefix, exit 2, for every command


COMMANDS_WITH_CONFIG = [
    ["check"],
    ["validate"],
    ["frameworks"],
    ["report"],
    ["run", "--no-web"],
    ["serve"],
    ["user", "remove", "somebody"],
]


@pytest.mark.parametrize("command", COMMANDS_WITH_CONFIG, ids=lambda c: c[0])
def test_a_config_that_cannot_be_read_is_one_line_and_exit_2(
    runner: CliRunner, tmp_path: Path, command: list[str]
) -> None:
    cfg = tmp_path / "tracker.toml"
    cfg.write_text("[[boards]\nname = 'unclosed\n", encoding="utf-8")
    result = runner.invoke(main, [*command, "--config", str(cfg)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"tracker: {cfg}: not valid TOML"), lines


@pytest.mark.parametrize("command", COMMANDS_WITH_CONFIG, ids=lambda c: c[0])
def test_a_missing_config_file_is_one_line_and_exit_2(
    runner: CliRunner, tmp_path: Path, command: list[str]
) -> None:
    missing = tmp_path / "nowhere.toml"
    result = runner.invoke(main, [*command, "--config", str(missing)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"tracker: {missing}: config file not found")


@pytest.mark.parametrize("command", [["report"], ["run", "--no-web"]], ids=lambda c: c[0])
def test_commands_that_need_a_config_say_so_with_exit_2(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACKER_CONFIG", raising=False)
    result = runner.invoke(main, command)
    assert result.exit_code == 2
    assert result.stderr.startswith("tracker: no config: ")
    assert "Error:" not in result.stderr


def test_usage_errors_have_the_same_prefix_and_exit_2(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", "--formt", "json"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tracker: ")
    assert "--format" in lines[0]  # click's own "did you mean" survives
    command = runner.invoke(main, ["chek"])
    assert command.exit_code == 2
    assert command.stderr.splitlines() == [
        "tracker: no such command 'chek': did you mean check? (see tracker --help)"
    ]


def test_a_misspelt_framework_gets_did_you_mean(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["init", str(tmp_path / "x.xlsx"), "--framework", "england-src"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "tracker: unknown framework 'england-src': did you mean england-scr? (known: "
        "england-lcspr, england-scr, ni-cmr, scotland-lr, scotland-scr, wales-cpr, wales-susr)"
    ]


def test_framework_ids_are_case_insensitive(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["init", str(tmp_path / "x.xlsx"), "--framework", "England-SCR"])
    assert result.exit_code == 0, result.output
    assert "England SCR" in result.stdout


def test_the_readme_exit_codes_are_what_the_commands_do() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "Exit codes: 0 clean, 1 problems or overdue stages found, 2 unusable input or usage" in (
        " ".join(readme.split())
    )
    assert "or a config that cannot be used" in " ".join(readme.split())


# the web view: a busy port is one line, no boards is said


@pytest.mark.parametrize("command", ["serve", "run"])
def test_a_busy_port_is_one_line_naming_the_fix_and_exit_2(
    runner: CliRunner, tmp_path: Path, busy_port: int, command: str
) -> None:
    cfg = config_file(tmp_path, BOARD)
    (tmp_path / "var").mkdir()
    result = runner.invoke(main, [command, "--config", str(cfg), "--port", str(busy_port)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("tracker: ")]
    assert errors == [
        f"tracker: 127.0.0.1:{busy_port} is already in use (another tracker, or another "
        "program): stop it, or choose a free port with --port (or [web] port in tracker.toml)"
    ]
    # the service never started its scheduler: nothing was written to its job store
    assert not (tmp_path / "var" / "jobs.sqlite").exists()


def test_serve_without_the_state_folder_says_to_start_the_service(
    runner: CliRunner, tmp_path: Path
) -> None:
    cfg = config_file(tmp_path, BOARD)
    result = runner.invoke(main, ["serve", "--config", str(cfg)])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"tracker: the state folder {tmp_path / 'var'} (state_dir in {cfg})")
    assert "start `tracker run`" in lines[0]


def test_a_busy_port_from_the_installed_command(tmp_path: Path, busy_port: int) -> None:
    cfg = config_file(tmp_path, BOARD, port=busy_port)
    (tmp_path / "var").mkdir()
    done = subprocess.run(
        [TRACKER, "serve", "--config", str(cfg)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"tracker: 127.0.0.1:{busy_port} is already in use" in done.stderr


def test_serve_without_boards_says_so(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, busy_port: int
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACKER_CONFIG", raising=False)
    result = runner.invoke(main, ["serve", "--port", str(busy_port)])
    assert "no boards" in result.stderr and "tracker.toml" in result.stderr


# the table, frameworks and help fit the terminal


def run_on_terminal(
    args: list[str], columns: int, env: dict[str, str] | None = None, *, stderr: bool = False
) -> str:
    """Run the installed command with its stdout (and stderr if asked) on a real
    pseudo-terminal ``columns`` wide."""
    import fcntl
    import struct
    import termios

    reader, writer = pty.openpty()
    fcntl.ioctl(writer, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS")}
    environ.update({"TERM": "xterm", **(env or {})})
    proc = subprocess.Popen(
        [TRACKER, *args],
        stdout=writer,
        stderr=writer if stderr else subprocess.DEVNULL,
        cwd=ROOT,
        env=environ,
    )
    os.close(writer)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([reader], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(reader, 65536)
        except OSError:  # the other side closed: the command has finished
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(reader)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_the_table_uses_a_wide_terminal_and_colours_what_needs_action() -> None:
    args = ["check", *SAMPLE_FILES, "--as-of", "2024-06-30", "--all-stages"]
    wide = run_on_terminal(args, 200)
    plain = ANSI.sub("", wide)
    assert "\x1b[31;1mOVERDUE\x1b[0m" in wide
    assert max(len(line) for line in plain.splitlines()) > 100
    assert max(len(line) for line in plain.splitlines()) <= 200
    # a long stage label is shown whole, not cut at 30 characters
    labels = {
        s["label"]
        for r in json.loads(
            subprocess.run(
                [TRACKER, *args, "--format", "json"], capture_output=True, cwd=ROOT, check=False
            ).stdout
        )["reviews"]
        for s in r["stages"]
    }
    longest = max(labels, key=len)
    assert len(longest) > 30 and longest in plain


def test_a_check_of_many_sources_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    copies = []
    for i in range(6):
        copy = tmp_path / f"board-{i}.xlsx"
        copy.write_bytes((SAMPLES / "northshire.xlsx").read_bytes())
        copies.append(str(copy))
    args = ["check", *copies, "--as-of", "2024-06-30"]
    seen = run_on_terminal(args, 120, stderr=True)
    assert "0/6 sources" in seen and "5/6 sources" in seen and "board-5.xlsx" in seen
    piped = subprocess.run([TRACKER, *args], capture_output=True, text=True, check=False)
    assert "sources" not in piped.stderr and "\x1b" not in piped.stdout + piped.stderr


def test_no_color_turns_colour_off_on_a_terminal() -> None:
    out = run_on_terminal(["check", *SAMPLE_FILES, "--as-of", "2024-06-30"], 120, {"NO_COLOR": "1"})
    assert "OVERDUE" in out and "\x1b[" not in out


def test_frameworks_is_wrapped_to_the_width() -> None:
    out = run_on_terminal(["frameworks"], 80)
    assert max(len(line) for line in ANSI.sub("", out).splitlines()) <= 80
    piped = subprocess.run([TRACKER, "frameworks"], capture_output=True, text=True, check=True)
    assert max(len(line) for line in piped.stdout.splitlines()) <= 100
    # wrapped, not cut: every citation is there in full
    doc = json.loads(
        subprocess.run(
            [TRACKER, "frameworks", "--format", "json"], capture_output=True, check=True
        ).stdout
    )
    flat = " ".join(piped.stdout.split())
    for fw in doc:
        for stage in fw["stages"]:
            for rule in stage["rules"]:
                assert " ".join(rule["citation"].split()) in flat


def test_top_level_help_is_not_cut() -> None:
    out = run_on_terminal(["--help"], 100)
    commands = out[out.index("Commands:") :]
    assert "..." not in commands and "…" not in commands
    for command in ("check", "validate", "init", "frameworks", "report", "run", "serve", "user"):
        assert re.search(rf"^\s+{command}\s+\S", out, re.M), command


def test_pending_stages_are_not_called_due(runner: CliRunner) -> None:
    out = runner.invoke(main, ["check", *SAMPLE_FILES, "--as-of", "2024-06-30"]).stdout
    first = out.splitlines()[0]
    assert " due" not in first.replace("overdue", "")
    assert not re.search(r"^\s+due\s", out, re.M)
    assert re.search(r"^\s+pending\s", out, re.M)


# start-up: the quick commands never import pandas or pandera


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["frameworks"], ["check", "--help"]])
def test_quick_commands_do_not_import_pandas(args: list[str]) -> None:
    probe = (
        "import sys\n"
        "from tracker.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted(m for m in ('pandas', 'pandera', 'numpy', 'werkzeug') if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert "HEAVY []" in done.stderr, done.stderr[-500:]


def test_a_copied_config_says_its_paths_are_relative_to_it(
    runner: CliRunner, tmp_path: Path
) -> None:
    copied = tmp_path / "tracker.toml"
    copied.write_text((SAMPLES / "tracker.toml").read_text(encoding="utf-8"), encoding="utf-8")
    result = runner.invoke(main, ["check", "--config", str(copied), "--format", "json"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 5  # one per board's workbook, once each
    assert lines[0] == (
        f"tracker: error: {tmp_path / 'northshire.xlsx'}: file not found "
        "(a config's paths are relative to the config file's folder)"
    )
