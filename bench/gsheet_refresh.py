"""Refresh cost of Google Sheets sources against the local fake Sheets API (127.0.0.1 only).

Measures, for N spreadsheets of four framework sheets with R reviews each: requests per
spreadsheet, wall time per refresh (HTTP + conversion, pacing off), and the pacing schedule that a
60-a-minute credential imposes (computed on a fake clock, so the run does not wait minutes).

    .venv/bin/python bench/gsheet_refresh.py [--sheets 20] [--rows 500]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.sheets_api import FakeSheetsAPI  # noqa: E402
from tracker.registry import all_frameworks, get_framework  # noqa: E402
from tracker.sources.google_api import SHEETS_API_ENV, GSheetSettings  # noqa: E402
from tracker.sources.gsheet import read_gsheet  # noqa: E402
from tracker.sources.pacing import SlidingWindowLimiter  # noqa: E402

EMAIL = "bench@tracker-bench.iam.gserviceaccount.com"
FRAMEWORKS = ("england-scr", "wales-cpr", "ni-cmr", "scotland-scr")


def rows_for(framework_id: str, n: int, rng: random.Random) -> list[list[object]]:
    fw = get_framework(framework_id)
    out: list[list[object]] = [[f.header for f in fw.all_fields]]
    for i in range(n):
        start = date(2023, 1, 1) + timedelta(days=rng.randrange(500))
        row: list[object] = []
        for f in fw.all_fields:
            if f.id == "review_id":
                row.append(f"{framework_id[:2].upper()}-{i:05d}")
            elif f.type.value == "date":
                row.append(
                    start + timedelta(days=rng.randrange(200)) if rng.random() < 0.7 else None
                )
            elif f.type.value == "choice":
                row.append(rng.choice(f.choices))
            elif f.type.value == "yes/no":
                row.append(rng.choice(["Yes", "No", None]))
            else:
                row.append(None)
        out.append(row)
    return out


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sheets", type=int, default=20)
    parser.add_argument("--rows", type=int, default=500)
    args = parser.parse_args()
    rng = random.Random(7)
    api = FakeSheetsAPI().start()
    os.environ[SHEETS_API_ENV] = api.url
    try:
        with tempfile.TemporaryDirectory() as tmp:
            creds = api.write_credentials(Path(tmp) / "sa.json", EMAIL)
            sheets = {get_framework(f).sheet: rows_for(f, args.rows, rng) for f in FRAMEWORKS}
            for i in range(args.sheets):
                api.add_spreadsheet(f"bench-{i:03d}", sheets, shared_with={EMAIL: "reader"})
            titles = {f.sheet.casefold() for f in all_frameworks()}
            fast = GSheetSettings(limiter=SlidingWindowLimiter(10**9))
            read_gsheet("gsheet:bench-000", titles, credentials=str(creds), settings=fast)  # token
            api.reset_counts()
            times = []
            for i in range(args.sheets):
                t0 = time.perf_counter()
                read_gsheet(f"gsheet:bench-{i:03d}", titles, credentials=str(creds), settings=fast)
                times.append(time.perf_counter() - t0)
            per_sheet = api.count() / args.sheets
            clock = Clock()
            paced = GSheetSettings(
                clock=clock,
                sleep=clock.sleep,
                limiter=SlidingWindowLimiter(60, clock=clock, sleep=clock.sleep),
            )
            for i in range(args.sheets):
                read_gsheet(f"gsheet:bench-{i:03d}", titles, credentials=str(creds), settings=paced)
    finally:
        api.stop()
    if api.violations:  # a request Google would refuse measures nothing
        raise SystemExit("requests Google would refuse:\n" + "\n".join(api.violations))
    print(f"spreadsheets: {args.sheets} x 4 framework sheets x {args.rows} reviews")
    print(f"requests per refresh: {per_sheet:g}")
    print(
        f"refresh wall time: median {statistics.median(times) * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms"
    )
    print(f"paced at 60/min: {args.sheets} spreadsheets take {clock.now:.0f} s of waiting")


if __name__ == "__main__":
    main()
