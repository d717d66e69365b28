"""``make run``: the service on a fresh copy of the sample workbooks built around today.

    python scripts/demo.py [--port 8081] [--host 127.0.0.1]

The committed samples are fixed at 30 June 2024 for the tests; a demo as of then would show nothing
falling due. So each start builds the same synthetic boards as of today in var/demo/ (with a
tracker.toml beside them that keeps its state in var/), makes a national demo user once (its password
kept in var/demo-password), writes this week's reports to var/outbox/ so there is an e-mail to open
straight away, then runs ``tracker run``. Once the web view answers with fresh data it prints where
everything is, last, so the password does not scroll away under the start-up log.
"""

from __future__ import annotations

import argparse
import json
import secrets
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
DEMO = VAR / "demo"
CONFIG = DEMO / "tracker.toml"
PASSWORD = VAR / "demo-password"
USER = "demo"
READY_SECONDS = 90
#: reviews per sheet opened in the last few weeks, so stages fall due soon in the demo
RECENT = 2


def tracker(*args: str) -> list[str]:
    """The ``tracker`` command of this interpreter's environment."""
    return [str(Path(sys.executable).with_name("tracker")), *args]


def build_samples() -> None:
    sys.path.insert(0, str(ROOT / "sample_workbooks"))
    import generate  # type: ignore[import-not-found]

    from tracker.calendars import today_in_london

    today = today_in_london()
    DEMO.mkdir(parents=True, exist_ok=True)
    generate.build(DEMO, today, recent=RECENT)
    generate.write_config(DEMO, VAR)
    print(f"demo: sample boards built as of today ({today:%d/%m/%Y}) in {DEMO.relative_to(ROOT)}/")


def ensure_user() -> str:
    """The demo user's password, making the user the first time."""
    if PASSWORD.is_file():
        return PASSWORD.read_text(encoding="utf-8").strip()
    VAR.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    PASSWORD.touch(mode=0o600)
    PASSWORD.write_text(password + "\n", encoding="utf-8")
    subprocess.run(
        tracker(
            "user",
            "add",
            USER,
            "--national",
            "--password-stdin",
            "--replace",
            "--config",
            str(CONFIG),
        ),
        input=password + "\n",
        text=True,
        check=True,
    )
    return password


def wait_until_ready(url: str, service: subprocess.Popen[bytes], since: datetime) -> bool:
    """True once /healthz reports a snapshot written after ``since``; False if the service ended."""
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if service.poll() is not None:
            return False
        try:
            with urlopen(url + "healthz", timeout=2) as response:
                written = json.load(response).get("snapshot")
            if written and datetime.fromisoformat(written) >= since:
                return True
        except (URLError, OSError, ValueError):
            pass
        time.sleep(0.5)
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, help="web view port (default: the config's, 8080)")
    parser.add_argument("--host", help="web view address (default: the config's, 127.0.0.1)")
    args = parser.parse_args(argv)

    build_samples()
    password = ensure_user()
    # This week's reports now, not next Monday: the outbox backend writes them as .eml files.
    subprocess.run(tracker("report", "--config", str(CONFIG)), check=False)

    from tracker.config import load_config

    web = load_config(CONFIG).web
    host, port = args.host or web.host, args.port or web.port
    url = f"http://{host}:{port}/"
    extra = [
        *(["--port", str(port)] if args.port else []),
        *(["--host", host] if args.host else []),
    ]
    since = datetime.now().astimezone()
    service = subprocess.Popen(tracker("run", "--config", str(CONFIG), *extra))
    # A stop request for this script stops the service the same way (it finishes a running job).
    signal.signal(signal.SIGTERM, lambda _signum, _frame: service.terminate())
    try:
        if wait_until_ready(url, service, since):
            outbox = VAR / "outbox"
            mails = sorted(outbox.glob("*.eml"))
            print(
                "\n".join(
                    [
                        "",
                        f"demo ready: web view {url}  user: {USER}  password: {password}",
                        f"demo ready: {len(mails)} e-mail(s) in {outbox} (open the .eml files in "
                        "any mail program)",
                        "demo ready: Ctrl-C to stop",
                        "",
                    ]
                ),
                flush=True,
            )
        return service.wait()
    except KeyboardInterrupt:
        # Ctrl-C reached the service too (same process group): let it stop cleanly.
        return service.wait()


if __name__ == "__main__":
    sys.exit(main())
