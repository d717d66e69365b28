"""Sign in to a running web view and save full-page screenshots of its pages (for reviewing them).

    python scripts/screenshot_web.py http://127.0.0.1:8080 OUT_DIR [--user demo]
        [--password-file var/demo-password] [--page / --page /due-soon] [--width 1280 --width 375]

The demo (``make run``) keeps its user's password in var/demo-password. Uses the Chromium the
browser tests use (scripts/browser.py); only the given address is visited.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.browser import ARGS, chromium_path  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="the web view's address, e.g. http://127.0.0.1:8080")
    parser.add_argument("out", type=Path, help="folder for the PNG files")
    parser.add_argument("--user", default="demo")
    parser.add_argument("--password-file", type=Path, default=Path("var/demo-password"))
    parser.add_argument("--page", action="append", dest="pages", help="path (default: /)")
    parser.add_argument("--width", action="append", type=int, dest="widths")
    args = parser.parse_args()
    base = args.base.rstrip("/")
    password = args.password_file.read_text(encoding="utf-8").strip()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=ARGS)
        try:
            for width in args.widths or [1280, 375]:
                context = browser.new_context(viewport={"width": width, "height": 900})
                page = context.new_page()
                page.goto(f"{base}/")
                if "/sign-in" in page.url:
                    page.get_by_label("User name").fill(args.user)
                    page.get_by_label("Password").fill(password)
                    page.get_by_role("button", name="Sign in").click()
                    page.wait_for_url(f"{base}/")
                for path in args.pages or ["/"]:
                    page.goto(base + path)
                    name = path.strip("/").replace("/", "-") or "overview"
                    target = args.out / f"{name}-{width}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(target)
                context.close()
        finally:
            browser.close()


if __name__ == "__main__":
    main()
