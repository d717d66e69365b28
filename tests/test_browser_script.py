"""``make test`` finds its Chromium first, and with none says how in one line before any test runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

SCRIPT = ROOT / "scripts" / "browser.py"


def run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_named_chromium_is_used_as_it_is(tmp_path: Path) -> None:
    binary = tmp_path / "chromium"
    binary.write_text("#!/bin/sh\n")
    done = run({"TRACKER_CHROMIUM": str(binary)})
    assert done.returncode == 0
    assert done.stdout.strip() == f"browser tests use {binary}"


def test_a_named_chromium_that_is_missing_is_one_line_and_no_install(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-chromium"
    done = run({"TRACKER_CHROMIUM": str(missing)})
    assert done.returncode == 1
    assert done.stdout == ""  # nothing installed in its place: the mistake is shown, not hidden
    assert done.stderr.splitlines() == [f"make test: TRACKER_CHROMIUM={missing} is not a file"]
