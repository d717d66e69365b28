"""Benchmark for issue 3: validating N rows must stay within 2x the time it takes to read them.

    python bench/validate.py                     # 100,000 reviews, 10 workbooks, real date cells
    python bench/validate.py --text-dates 0.3    # 30% of dates typed as UK text (officers do)

Workbooks are generated once with openpyxl write-only mode (bench/check.py's generator) and cached
under bench/out/. Reading (python-calamine, plus the formula/error scan) and validation (header
location, parsing, pandera, workbook-wide duplicate ids) are timed separately, best of --repeat
runs in one process, so the ratio compares like with like.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from bench.check import AS_OF, FRAMEWORKS, generate  # noqa: E402
from schemas.table import locate_table  # noqa: E402
from schemas.validate import apply_schemas, check_run_ids, prepare_table  # noqa: E402
from schemas.values import _REAL_DATES, _TEXT_DATES  # noqa: E402
from tracker.frameworks.registry import get_framework  # noqa: E402
from tracker.sources.xlsx import read_xlsx  # noqa: E402

TITLES = {get_framework(f).sheet.casefold() for f in FRAMEWORKS}


def generate_text_dates(out: Path, reviews: int, workbooks: int, share: float) -> list[Path]:
    """Like bench/check.py's workbooks, with a share of dates typed as text in UK forms."""
    forms = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y")

    def as_text(rng: random.Random, value: object) -> object:
        if isinstance(value, date) and rng.random() < share:
            return value.strftime(rng.choice(forms))
        return value

    return generate(out, reviews, workbooks, name=f"text-{int(share * 100)}", cell=as_text)


def read_all(paths: list[Path]) -> list:  # type: ignore[type-arg]
    return [read_xlsx(str(p), TITLES) for p in paths]


def validate_all(books: list) -> int:  # type: ignore[type-arg]
    _REAL_DATES.clear()  # cold, as in a one-shot `tracker validate`
    _TEXT_DATES.clear()
    rows = 0
    per_book = []
    for book in books:
        tables = []
        for sheet in book.sheets:
            fw = next(get_framework(f) for f in FRAMEWORKS if get_framework(f).sheet == sheet.title)
            tables.append(prepare_table(locate_table(sheet, fw, book.source), AS_OF))
        per_book.append((book, tables))
    apply_schemas([t for _, tables in per_book for t in tables])  # one call per framework
    check_run_ids([tables for _, tables in per_book])  # one call for the run
    for _, tables in per_book:
        rows += sum(len(t) for t in tables)
    return rows


def best_of(repeat: int, fn, *args):  # type: ignore[no-untyped-def]
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--workbooks", type=int, default=10)
    parser.add_argument("--text-dates", type=float, default=0.0, help="share of dates as text")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    out = ROOT / "bench" / "out"
    if args.text_dates:
        paths = generate_text_dates(out, args.reviews, args.workbooks, args.text_dates)
    else:
        paths = generate(out, args.reviews, args.workbooks)
    read_s, books = best_of(args.repeat, read_all, paths)
    # validation mutates nothing it reads, so the same raw workbooks serve every repeat
    validate_s, rows = best_of(args.repeat, validate_all, books)
    ratio = validate_s / read_s
    print(f"rows validated:          {rows:,} in {len(paths)} workbooks")
    print(f"dates typed as text:     {args.text_dates:.0%}")
    print(f"read (calamine + scan):  {read_s:.2f} s")
    print(f"validate (parse+pandera): {validate_s:.2f} s")
    verdict = "PASS" if ratio <= 2 else "FAIL"
    print(f"validate / read:         {ratio:.2f}x  (acceptance: <= 2x) -> {verdict}")
    sys.exit(0 if ratio <= 2 else 1)


if __name__ == "__main__":
    main()
