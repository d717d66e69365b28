"""The `tracker` console script (tracker.cli.commands.entry): what `tracker check` loads, and
that it finishes its output before its quick exit.

Start-up is most of a small `tracker check` (bench/check.py, bench/cli.py): the web view, the
Google client, the scheduler, the e-mail, openpyxl (only for writing .xlsx) and the holidays
package (its dates are kept in tracker/data) must not creep back into the command's imports. This
runs the real console script's entry point in a fresh interpreter and lists what it imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: top-level packages `tracker check` of an .xlsx has no use for, and what needs each instead
NOT_FOR_A_CHECK = {
    "flask": "the web view",
    "jinja2": "the web view and e-mails",
    "werkzeug": "the web view and users",
    "waitress": "the web view",
    "gspread": "Google Sheets sources",
    "google": "Google Sheets sources",
    "requests": "Google Sheets sources",
    "apscheduler": "the service",
    "sqlalchemy": "the service's job store",
    "aiosmtpd": "tests only",
    "smtplib": "sending e-mail",
    "openpyxl": "writing .xlsx (reading is python-calamine)",
    "holidays": "writing tracker/data/bank_holidays.json",
    "hypothesis": "pandera's data synthesis (never used)",
    "unittest": "typeguard's check of mock objects (never used)",
    "asyncio": "unittest.mock, through typeguard",
}

PROBE = """
import atexit, sys
listing, args = sys.argv[1], sys.argv[2:]
def report():
    with open(listing, "w") as fh:
        # only modules really loaded: not the names the command blocks or stands in for
        loaded = (n for n, m in sys.modules.items() if getattr(m, "__spec__", None) is not None)
        fh.write("\\n".join(sorted(loaded)))
atexit.register(report)
sys.argv = ["tracker", *args]
from tracker.cli import entry
entry()
"""


def modules_of(tmp_path: Path, *args: str) -> set[str]:
    listing = tmp_path / "modules.txt"
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(listing), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert proc.stdout  # the check really ran and printed its results
    return {name.partition(".")[0] for name in listing.read_text().split()}


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_check_imports_nothing_it_does_not_need(tmp_path: Path, fmt: str) -> None:
    args = ["check", "sample_workbooks/northshire.xlsx", "sample_workbooks/glenmoor.xlsx"]
    args += ["--as-of", "2025-03-31", "--format", fmt]
    loaded = modules_of(tmp_path, *args)
    assert {"pandas", "pandera", "python_calamine"} <= loaded  # the probe sees real imports
    crept = {name: why for name, why in NOT_FOR_A_CHECK.items() if name in loaded}
    assert not crept, f"`tracker check --format {fmt}` imported {crept}"


def test_output_is_complete_when_the_command_exits(tmp_path: Path) -> None:
    """The command skips the interpreter's last garbage collection (``_quick_exit``): whatever
    it wrote, to a file or to standard output, must still be there whole."""
    target = tmp_path / "check.json"
    base = ["check", "sample_workbooks/northshire.xlsx", "--as-of", "2025-03-31"]
    runs = [
        subprocess.run(
            [sys.executable, "-c", "from tracker.cli import entry; entry()", *base, *extra],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        for extra in (["--format", "json", "--output", str(target)], ["--format", "json"])
    ]
    assert [r.returncode for r in runs] == [1, 1], runs[0].stderr  # overdue stages: exit 1
    written, printed = json.loads(target.read_text(encoding="utf-8")), json.loads(runs[1].stdout)
    assert written == printed
    assert len(written["reviews"]) > 10 and written["reviews"][-1]["stages"]
