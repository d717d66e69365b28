"""Benchmark: what the Pauses and extensions sheet costs evaluation.

    python bench/pauses.py                      # 100,000 LCSPR reviews, 2% of them adjusted
    python bench/pauses.py --reviews 20000 --share 0.1

The sheets are built in memory (no file is read): a framework table of synthetic reviews and a
pauses sheet naming some of them (closed and open pauses, agreed extensions). Evaluation is timed
without the sheet, then with it (checking the rows against the reviews included); the median of
``--repeat`` runs, wall and CPU time.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from schemas.optional import read_sheet_rows  # noqa: E402
from schemas.table import locate_table  # noqa: E402
from schemas.validate import validate_table  # noqa: E402
from tracker.evaluate import evaluate_table  # noqa: E402
from tracker.pauses import SPEC, collect  # noqa: E402
from tracker.registry import get_framework  # noqa: E402
from tracker.synthetic import synthetic_rows  # noqa: E402
from tracker.tables import RawSheet  # noqa: E402

AS_OF = date(2024, 6, 30)
STAGES = [
    "Date published",
    "Date rapid review completed",
    "Date serious incident notified to Panel",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--share", type=float, default=0.02)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    fw = get_framework("england-lcspr")
    rows = synthetic_rows(fw, args.reviews, seed=7, as_of=AS_OF, prefix="B")
    ids = [f.id for f in fw.all_fields]
    sheet = RawSheet(
        fw.sheet, [[f.header for f in fw.all_fields]] + [[r.get(i) for i in ids] for r in rows]
    )
    table = validate_table(locate_table(sheet, fw, "bench"), AS_OF)

    rng = random.Random(7)
    events: list[list[object]] = [[f.header for f in SPEC.fields]]
    for r in rng.sample(rows, int(args.reviews * args.share)):
        start = AS_OF - timedelta(days=rng.randint(30, 400))
        kind = rng.choice(["closed", "open", "extension"])
        event = {"review_id": r["review_id"], "stage": rng.choice(STAGES), "kind": "Pause"}
        if kind == "extension":
            event.update(kind="Agreed extension", new_due=AS_OF + timedelta(days=60))
        else:
            event["from"] = start
            if kind == "closed":
                event["to"] = start + timedelta(days=rng.randint(1, 60))
        events.append([event.get(f.id) for f in SPEC.fields])
    pauses = RawSheet(SPEC.title, events)

    def timed(run: object) -> tuple[float, float]:
        walls, cpus = [], []
        for _ in range(args.repeat):
            wall, cpu = time.perf_counter(), time.process_time()
            run()  # type: ignore[operator]
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        return statistics.median(walls), statistics.median(cpus)

    def plain() -> None:
        evaluate_table(table, AS_OF)

    def adjusted() -> None:
        found = collect(read_sheet_rows(pauses, SPEC, "bench"), [table])
        evaluate_table(table, AS_OF, adjustments=found.for_table(table))

    base = timed(plain)
    with_sheet = timed(adjusted)
    print(f"{args.reviews:,} reviews, {len(events) - 1:,} pause/extension rows")
    print(f"evaluate alone:            {base[0]:.3f} s wall, {base[1]:.3f} s CPU")
    print(f"read + check + evaluate:   {with_sheet[0]:.3f} s wall, {with_sheet[1]:.3f} s CPU")


if __name__ == "__main__":
    main()
