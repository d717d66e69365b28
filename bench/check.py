"""Benchmark: read, validate and evaluate N synthetic reviews, each phase timed on its own.

    python bench/check.py                 # 10,000 reviews across the four original frameworks
    python bench/check.py --reviews 100000 --workbooks 10

Workbooks are generated once (openpyxl write-only) and cached under bench/out/. Each phase is timed
over the whole set: reading (python-calamine), validation (parsing + pandera), evaluation (vectorised
rules), then building the JSON records. Peak memory is the process's maximum resident size.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook  # noqa: E402

from schemas.table import locate_table  # noqa: E402
from schemas.validate import apply_schemas, check_workbook_ids, prepare_table  # noqa: E402
from tracker.evaluate import evaluate_table  # noqa: E402
from tracker.frameworks.registry import get_framework  # noqa: E402
from tracker.frameworks.synthetic import synthetic_rows  # noqa: E402
from tracker.sources.xlsx import read_xlsx  # noqa: E402

FRAMEWORKS = ["england-scr", "wales-cpr", "ni-cmr", "scotland-scr"]
AS_OF = date(2025, 3, 31)  # after Wales SUSR began, so every framework has reviews


class Clock:
    """Wall and CPU time per phase: CPU time stays honest on a machine shared with other work."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        out = (wall - self.wall, cpu - self.cpu)
        self.wall, self.cpu = wall, cpu
        return out


def generate(
    out: Path,
    reviews: int,
    workbooks: int,
    *,
    name: str = "bench",
    cell: Callable[[random.Random, Any], Any] | None = None,
) -> list[Path]:
    """N synthetic reviews in several workbooks (cached by name); ``cell`` may retype values."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    per_book = reviews // workbooks
    for b in range(workbooks):
        path = out / f"{name}-{reviews}-{workbooks}-{b:02d}.xlsx"
        paths.append(path)
        if path.exists():
            continue
        rng = random.Random(b)
        wb = Workbook(write_only=True)
        per_sheet = per_book // len(FRAMEWORKS)
        for k, fid in enumerate(FRAMEWORKS):
            fw = get_framework(fid)
            ws = wb.create_sheet(fw.sheet)
            ids = [f.id for f in fw.all_fields]
            ws.append([f.header for f in fw.all_fields])
            count = per_sheet + (per_book - per_sheet * len(FRAMEWORKS) if k == 0 else 0)
            for row in synthetic_rows(fw, count, seed=b, as_of=AS_OF, prefix=f"B{b}{k}"):
                row["review_id"] = f"{row['review_id']}-{b}-{k}"
                values = [row.get(i) for i in ids]
                ws.append([cell(rng, v) for v in values] if cell else values)
        wb.save(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=10_000)
    parser.add_argument("--workbooks", type=int, default=4)
    args = parser.parse_args()
    t0 = time.perf_counter()
    paths = generate(ROOT / "bench" / "out", args.reviews, args.workbooks)
    print(
        f"workbooks ready in {time.perf_counter() - t0:.1f} s: {len(paths)} files, "
        f"{sum(p.stat().st_size for p in paths) / 1e6:.1f} MB"
    )
    titles = {get_framework(f).sheet.casefold() for f in FRAMEWORKS}

    clock = Clock()
    books = [read_xlsx(str(p), titles) for p in paths]
    read_s = clock.lap()

    # as the pipeline does it: parse every table, one pandera call per framework, then ids
    per_book = []
    for book in books:
        tables = []
        for sheet in book.sheets:
            fw = next(get_framework(f) for f in FRAMEWORKS if get_framework(f).sheet == sheet.title)
            tables.append(prepare_table(locate_table(sheet, fw, book.source), AS_OF))
        per_book.append((book, tables))
    apply_schemas([t for _, tables in per_book for t in tables])
    validated = []
    for book, tables in per_book:
        check_workbook_ids(book, tables)
        validated.extend(tables)
    validate_s = clock.lap()

    results = [evaluate_table(v, AS_OF) for v in validated]
    evaluate_s = clock.lap()

    records = [r for res in results for r in res.review_dicts()]
    records_s = clock.lap()

    n = sum(len(v) for v in validated)
    stages = sum(len(r["stages"]) for r in records)
    problems = sum(len(v.problems) for v in validated)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{n:,} reviews, {stages:,} stage results, {problems:,} problems")
    print(f"  {'phase':<13} {'wall':>8}  {'cpu':>8}  {'reviews/s (wall)':>17}")
    phases = (
        ("read", read_s),
        ("validate", validate_s),
        ("evaluate", evaluate_s),
        ("json records", records_s),
    )
    for name, (wall, cpu) in phases:
        print(f"  {name:<13} {wall:7.3f}s  {cpu:7.3f}s  {n / wall:17,.0f}")
    wall = read_s[0] + validate_s[0] + evaluate_s[0]
    cpu = read_s[1] + validate_s[1] + evaluate_s[1]
    print(
        f"  read+validate+evaluate: {wall:.3f} s wall, {cpu:.3f} s cpu; peak memory {peak:,.0f} MB"
    )


if __name__ == "__main__":
    main()
