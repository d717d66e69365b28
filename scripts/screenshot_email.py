"""Render a report's HTML e-mail in headless Chromium and save a PNG (for reviewing the layout).

    python scripts/screenshot_email.py OUTBOX_FILE.eml OUT.png [--width 800]

Uses the Chromium the browser tests use (scripts/browser.py). Nothing is fetched: the HTML is set as the
page content, and the e-mail has no remote images or styles.
"""

from __future__ import annotations

import argparse
import sys
from email import policy
from email.parser import BytesParser
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.browser import ARGS, chromium_path  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("eml", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--width", type=int, default=800)
    args = parser.parse_args()
    message = BytesParser(policy=policy.default).parsebytes(args.eml.read_bytes())
    body = message.get_body(("html",))  # type: ignore[attr-defined]
    html = body.get_content()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": args.width, "height": 900})
            page.set_content(html, wait_until="load")
            page.screenshot(path=str(args.png), full_page=True)
        finally:
            browser.close()
    print(args.png)


if __name__ == "__main__":
    main()
