"""Find or get the Chromium the browser tests drive (``make test`` runs this first).

    python scripts/browser.py           # find one, else install one; exit 1 with one line if none

In order: ``$TRACKER_CHROMIUM``; a system Chromium (``chromium`` on the PATH, Debian's
/usr/bin/chromium); as root, Debian's ``chromium`` package through apt-get; Playwright's own download
(``playwright install chromium``). If none can be had, one line says how, before any test runs, so a
fresh machine fails in a second with the fix rather than in the middle of the suite.

The tests, ``scripts/screenshot_email.py`` and the demo screenshots call ``chromium_path()``: the same
order, without installing anything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ENV = "TRACKER_CHROMIUM"
SYSTEM_NAMES = ("chromium", "chromium-browser")
#: Chromium's flags for tests and screenshots: no sandbox (root in CI), nothing fetched in the background
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOW = (
    "no Chromium for the browser tests: install Debian's (sudo apt-get install chromium), "
    "or run .venv/bin/playwright install chromium, or set TRACKER_CHROMIUM to a Chromium binary"
)


def system_chromium() -> str | None:
    """``$TRACKER_CHROMIUM`` if set, else a Chromium on the PATH."""
    named = os.environ.get(ENV)
    if named:
        return named if Path(named).is_file() else None
    for name in SYSTEM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def playwright_chromium() -> str | None:
    """The browser ``playwright install chromium`` downloaded, if it is there."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    with sync_playwright() as p:
        path = p.chromium.executable_path
    return path if path and Path(path).is_file() else None


def chromium_path() -> str | None:
    """The Chromium to launch, or None: then Playwright's own (``launch()`` without a path)."""
    return system_chromium()


def _run(command: list[str]) -> bool:
    print("+ " + " ".join(command), flush=True)
    try:
        return subprocess.run(command, check=False).returncode == 0
    except OSError:
        return False


def _apt_install() -> bool:
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return False
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print("Installing Debian's chromium for the browser tests (apt-get, about 30 s)", flush=True)
    update = subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
    if update.returncode != 0:
        return False
    install = subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], env=env, check=False)
    return install.returncode == 0 and system_chromium() is not None


def _playwright_install() -> bool:
    print("Downloading Playwright's Chromium for the browser tests", flush=True)
    ok = _run([sys.executable, "-m", "playwright", "install", "chromium"])
    return ok and playwright_chromium() is not None


def ensure() -> str | None:
    """A usable Chromium's path, installing one if need be; None if there is no way."""
    found = system_chromium()
    if found:
        return found
    if os.environ.get(ENV):
        return None  # named explicitly but missing: installing another would hide the mistake
    if _apt_install():
        return system_chromium()
    found = playwright_chromium()
    if found:
        return found
    if _playwright_install():
        return playwright_chromium()
    return None


def main() -> int:
    found = ensure()
    if found is None:
        named = os.environ.get(ENV)
        reason = f"{ENV}={named} is not a file" if named else HOW
        print(f"make test: {reason}", file=sys.stderr)
        return 1
    print(f"browser tests use {found}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
