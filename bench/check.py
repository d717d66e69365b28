"""Benchmark `tracker check` at national scale: each phase, the whole process, and peak memory.

    python bench/check.py                              # 1k, 10k, 100k and 300k reviews, 3 repeats
    python bench/check.py --sizes 100000 --repeat 5
    python bench/check.py --profile 100000             # where the time goes (cProfile, top 40)

Synthetic boards: 20 workbooks holding all seven frameworks (generated once with openpyxl
write-only mode and cached under bench/out/). For every size a fresh child process times, in order:

- bare read: python-calamine loading every sheet's values into Python lists, nothing else
  (the floor any reader of these files pays; every other phase is also given as a ratio to it);
- read (the tracker's reader: calamine plus the formula and error-cell scan), validate (locate the
  tables, parse every value, pandera, workbook-wide ids), evaluate (every stage's rules);
- bare read, 2 threads: the same on two threads (calamine reads without the GIL): the floor for a
  reader that reads ahead, as the pipeline does;
- pipeline: the same three through `tracker.check.run_check`, as the CLI calls it, with the next
  workbooks read on threads while one is validated (tracker.sources.ahead): the figure the issue's
  read+validate+evaluate targets are judged on (the three phases in turn are shown as well);
- serialise (the check JSON streamed into a sink that only counts bytes), write (streamed to a
  file), records (the review objects the table and the web view use);

and its peak resident memory after the pipeline and after the output. Then the whole process:
`tracker check --format json` (and the table and CSV) as a subprocess, wall and CPU time and its
own peak memory (``wait4``), after the project's bytecode is compiled (:func:`compile_bytecode`:
what any run after an installed copy's first finds). Wall and CPU are both reported: the machine
may be shared, and CPU time is what the work costs. The median of the repeats is shown (min in the JSON file).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.frameworks.registry import get_framework  # noqa: E402
from tracker.frameworks.synthetic import synthetic_rows  # noqa: E402

FRAMEWORKS = [
    "england-scr",
    "england-lcspr",
    "wales-cpr",
    "wales-susr",
    "ni-cmr",
    "scotland-scr",
    "scotland-lr",
]
#: the synthetic boards' as-of date (the workbooks are cached by it). Wales SUSR began later: its
#: sheet's reviews are assessed all the same, each with a warning, as a real early adopter's would be
AS_OF = date(2024, 6, 30)
OUT = ROOT / "bench" / "out"
SIZES = (1_000, 10_000, 100_000, 300_000)

#: The issue's targets (issue 18), checked against this run's own figures.
TARGETS = {
    "pipeline_100k_s": 3.0,
    "pipeline_100k_ratio": 2.0,
    "pipeline_100k_ratio_stretch": 1.5,
    "json_process_100k_s": 8.0,
    "json_process_100k_mb": 600.0,
    "table_process_10k_s": 2.0,
    "stage_results_per_s": 1_000_000,
}


class Clock:
    """Wall and CPU time of a block: CPU time stays honest on a machine shared with other work."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    @contextmanager
    def run(self) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        yield
        self.wall, self.cpu = time.perf_counter() - wall, time.process_time() - cpu


def generate(
    out: Path,
    reviews: int,
    workbooks: int,
    *,
    name: str = "bench",
    cell: Callable[[random.Random, Any], Any] | None = None,
    frameworks: list[str] | None = None,
) -> list[Path]:
    """N synthetic reviews in several workbooks (cached by name); ``cell`` may retype values."""
    from openpyxl import Workbook

    frameworks = frameworks or FRAMEWORKS
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    per_book = reviews // workbooks
    tag = "" if frameworks == FRAMEWORKS else f"-{len(frameworks)}fw"
    for b in range(workbooks):
        path = out / f"{name}{tag}-{AS_OF:%Y%m%d}-{reviews}-{workbooks}-{b:02d}.xlsx"
        paths.append(path)
        if path.exists():
            continue
        rng = random.Random(b)
        wb = Workbook(write_only=True)
        per_sheet = per_book // len(frameworks)
        for k, fid in enumerate(frameworks):
            fw = get_framework(fid)
            ws = wb.create_sheet(fw.sheet)
            ids = [f.id for f in fw.all_fields]
            ws.append([f.header for f in fw.all_fields])
            count = per_sheet + (per_book - per_sheet * len(frameworks) if k == 0 else 0)
            for row in synthetic_rows(fw, count, seed=b, as_of=AS_OF, prefix=f"B{b}{k}"):
                row["review_id"] = f"{row['review_id']}-{b}-{k}"
                values = [row.get(i) for i in ids]
                ws.append([cell(rng, v) for v in values] if cell else values)
        tmp = path.with_suffix(".tmp")
        wb.save(tmp)
        tmp.replace(path)
    return paths


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bare_read(paths: list[Path]) -> int:
    """python-calamine loading every sheet's values into Python lists, and nothing else."""
    import python_calamine as calamine

    rows = 0
    kept = []
    for p in paths:
        wb = calamine.CalamineWorkbook.from_path(str(p))
        for title in wb.sheet_names:
            values = wb.get_sheet_by_name(title).to_python(skip_empty_area=False)
            rows += len(values)
            kept.append(values)
        wb.close()
    return rows


def bare_read_threads(paths: list[Path], threads: int = 2) -> int:
    """The bare read on ``threads`` threads, one workbook each at a time: the floor for a reader
    that reads ahead as the pipeline does (tracker.sources.ahead), since calamine reads without
    holding the GIL. Shown beside the one-thread floor so neither ratio flatters the other."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        return sum(pool.map(lambda p: bare_read([p]), paths))


class CountingSink:
    """A text stream that keeps nothing: serialising without the cost of the disk."""

    def __init__(self) -> None:
        self.chars = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        return len(text)


def child(paths: list[Path], repeat: int) -> dict[str, Any]:
    """Every in-process phase, ``repeat`` times each, in a fresh process (peak memory is ours)."""
    import gc

    from schemas.table import locate_table
    from schemas.validate import apply_schemas, check_run_ids, prepare_table
    from tracker.check import SourceSpec, run_check
    from tracker.evaluate import evaluate_tables
    from tracker.output.json_stream import write_check_json
    from tracker.sources.xlsx import read_xlsx

    fws = {get_framework(f).sheet: get_framework(f) for f in FRAMEWORKS}
    titles = {t.casefold() for t in fws}
    times: dict[str, list[tuple[float, float]]] = {}
    clock = Clock()

    def timed(phase: str, fn: Callable[[], Any]) -> Any:
        gc.collect()
        with clock.run():
            value = fn()
        times.setdefault(phase, []).append((clock.wall, clock.cpu))
        return value

    stats: dict[str, Any] = {}
    for _ in range(repeat):
        timed("bare read", lambda: bare_read(paths))
    for _ in range(repeat):
        timed("bare read, 2 threads", lambda: bare_read_threads(paths))
    for _ in range(repeat):
        books = timed("read", lambda: [read_xlsx(str(p), titles) for p in paths])

        def validate(books: list[Any] = books) -> list[Any]:
            per_book = []
            for book in books:
                tables = [
                    prepare_table(locate_table(s, fws[s.title], book.source), AS_OF)
                    for s in book.sheets
                ]
                per_book.append((book, tables))
            apply_schemas([t for _, tables in per_book for t in tables])
            check_run_ids([tables for _, tables in per_book])  # as tracker.check._finish does
            return [t for _, tables in per_book for t in tables]

        validated = timed("validate", validate)
        del books
        # as the pipeline evaluates: the tables of one framework at once (tracker.check._finish)
        results = timed(
            "evaluate", lambda v=validated: evaluate_tables([(t, t.framework) for t in v], AS_OF)
        )
        stats["reviews"] = sum(len(t) for t in validated)
        stats["stage_results"] = sum(len(r.stages) * len(r.table) for r in results)
        del validated, results
    specs = [SourceSpec(str(p)) for p in paths]
    for _ in range(repeat):
        result = timed("pipeline", lambda: run_check(specs, AS_OF))
        del result
    result = run_check(specs, AS_OF)
    stats["peak_pipeline_mb"] = peak_mb()
    for _ in range(repeat):
        sink = CountingSink()
        timed("serialise", lambda s=sink: write_check_json(result, s))
    stats["json_mb"] = sink.chars / 1e6
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        target = Path(tmp) / "check.json"
        for _ in range(repeat):

            def write(target: Path = target) -> None:
                with target.open("w", encoding="utf-8") as fh:
                    write_check_json(result, fh)

            timed("write", write)
    stats["peak_output_mb"] = peak_mb()
    for _ in range(repeat):
        result._reviews = None
        timed("records", lambda: result.reviews)
    stats["peak_records_mb"] = peak_mb()
    stats["times"] = times
    return stats


def compile_bytecode() -> None:
    """The project's modules compiled to bytecode before any whole-process run, as an installed
    copy has them after its first run. Without this, where ``PYTHONDONTWRITEBYTECODE`` is set
    (as on the shared bench machine) every `tracker` process compiled the project's own modules
    from source again: about 0.4 s of each run that no user's second run pays."""
    packages = ("tracker", "schemas", "nations", "jobs")
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", *packages],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"(the project's bytecode compiled first: python -m compileall {' '.join(packages)})")


def whole_process(args: list[str], repeat: int) -> list[dict[str, float]]:
    """`tracker ...` as its own process: wall time, CPU time and peak memory (wait4)."""
    exe = Path(sys.executable).parent / "tracker"
    cmd = (
        [str(exe)]
        if exe.exists()
        else [sys.executable, "-c", "from tracker.cli import main; main()"]
    )
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.Popen(cmd + args, cwd=ROOT, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd + args)} exited {proc.returncode}")
        runs.append(
            {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "mb": usage.ru_maxrss / 1024}
        )
    return runs


def median(runs: list[tuple[float, float]], k: int) -> float:
    return statistics.median(r[k] for r in runs)


def report(n: int, stats: dict[str, Any], processes: dict[str, list[dict[str, float]]]) -> None:
    times = stats["times"]
    bare_wall, bare_cpu = median(times["bare read"], 0), median(times["bare read"], 1)
    print(
        f"\n{stats['reviews']:,} reviews, {stats['stage_results']:,} stage results, "
        f"JSON {stats['json_mb']:.0f} MB"
    )
    print(f"  {'phase':<26} {'wall s':>8} {'cpu s':>8} {'x bare (wall)':>14} {'x bare (cpu)':>13}")
    for phase, runs in times.items():
        wall, cpu = median(runs, 0), median(runs, 1)
        print(
            f"  {phase:<26} {wall:8.3f} {cpu:8.3f} {wall / bare_wall:14.2f} {cpu / bare_cpu:13.2f}"
        )
    rve = [
        sum(times[p][i][k] for p in ("read", "validate", "evaluate"))
        for i in range(len(times["read"]))
        for k in (0, 1)
    ]
    wall = statistics.median(rve[0::2])
    cpu = statistics.median(rve[1::2])
    print(
        f"  {'the three phases in turn':<26} {wall:8.3f} {cpu:8.3f} {wall / bare_wall:14.2f} "
        f"{cpu / bare_cpu:13.2f}"
    )
    wall, cpu = median(times["pipeline"], 0), median(times["pipeline"], 1)
    threads = median(times["bare read, 2 threads"], 0)
    print(
        f"  read+validate+evaluate: the pipeline, {wall:.3f} s wall, {wall / bare_wall:.2f}x the "
        f"bare read, {wall / threads:.2f}x the bare read on 2 threads; {cpu:.3f} s cpu"
    )
    evaluate = median(times["evaluate"], 1)
    print(f"  evaluation: {stats['stage_results'] / evaluate:,.0f} stage results per CPU second")
    print(
        f"  peak memory in process: {stats['peak_pipeline_mb']:,.0f} MB after the pipeline, "
        f"{stats['peak_output_mb']:,.0f} MB after streaming the JSON, "
        f"{stats['peak_records_mb']:,.0f} MB after building every record"
    )
    for label, runs in processes.items():
        wall = statistics.median(r["wall"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        mb = max(r["mb"] for r in runs)
        print(f"  {label:<34} {wall:7.2f} s wall {cpu:7.2f} s cpu   peak {mb:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--workbooks", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--formats", default="json,table,csv", help="whole-process runs (json, table, csv, xlsx)"
    )
    parser.add_argument("--profile", type=int, metavar="N", help="profile `tracker check` at N")
    parser.add_argument("--child", type=int, metavar="N", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        paths = generate(OUT, args.child, args.workbooks)
        print(json.dumps(child(paths, args.repeat)))
        return
    if args.profile:
        profile(args.profile, args.workbooks)
        return
    compile_bytecode()
    results: dict[str, Any] = {}
    for n in (int(s) for s in args.sizes.split(",")):
        start = time.perf_counter()
        paths = generate(OUT, n, args.workbooks)
        size = sum(p.stat().st_size for p in paths) / 1e6
        print(
            f"\n== {n:,} reviews: {len(paths)} workbooks, {size:.1f} MB "
            f"(ready in {time.perf_counter() - start:.1f} s)"
        )
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                str(n),
                "--workbooks",
                str(args.workbooks),
                "--repeat",
                str(args.repeat),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        stats = json.loads(out.stdout.splitlines()[-1])
        processes = {}
        files = [str(p.relative_to(ROOT)) for p in paths]
        with tempfile.TemporaryDirectory(dir=OUT) as tmp:
            for fmt in args.formats.split(","):
                if fmt == "xlsx" and n > 100_000:
                    continue
                target = Path(tmp) / f"check.{fmt}"
                extra = [] if fmt == "table" else ["--format", fmt, "--output", str(target)]
                label = (
                    f"tracker check --format {fmt}" if fmt != "table" else "tracker check (table)"
                )
                processes[label] = whole_process(
                    ["check", *files, "--as-of", AS_OF.isoformat(), *extra], args.repeat
                )
        report(n, stats, processes)
        results[str(n)] = {"stats": stats, "processes": processes}
    (OUT / "check-results.json").write_text(json.dumps(results, indent=1))
    verdicts(results)


def verdicts(results: dict[str, Any]) -> None:
    """The issue's targets against this run's figures (only for the sizes measured)."""
    lines = []
    big = results.get("100000")
    if big:
        t = big["stats"]["times"]
        # the pipeline as the CLI runs it (run_check: reading ahead on threads, pauses, actions
        # and every problem gathered): a stricter figure than the three phases' sum
        rve, rve_cpu = median(t["pipeline"], 0), median(t["pipeline"], 1)
        bare = median(t["bare read"], 0)
        lines.append(
            f"read+validate+evaluate at 100k (the pipeline): {rve:.2f} s wall, {rve_cpu:.2f} s "
            f"cpu (target < {TARGETS['pipeline_100k_s']} s)"
        )
        lines.append(
            f"  ratio to the bare read: {rve / bare:.2f}x (target <= {TARGETS['pipeline_100k_ratio']}x, "
            f"stretch {TARGETS['pipeline_100k_ratio_stretch']}x); "
            f"{rve / median(t['bare read, 2 threads'], 0):.2f}x the bare read on 2 threads; "
            f"cpu {rve_cpu / median(t['bare read'], 1):.2f}x the bare read's cpu"
        )
        runs_json = big["processes"].get("tracker check --format json")
        if runs_json:
            wall = statistics.median(r["wall"] for r in runs_json)
            cpu = statistics.median(r["cpu"] for r in runs_json)
            mb = max(r["mb"] for r in runs_json)
            lines.append(
                f"tracker check --format json at 100k: {wall:.2f} s wall, {cpu:.2f} s cpu "
                f"(target < 8 s), peak {mb:,.0f} MB (target < 600 MB)"
            )
    small = results.get("10000")
    if small and "tracker check (table)" in small["processes"]:
        runs_table = small["processes"]["tracker check (table)"]
        wall = statistics.median(r["wall"] for r in runs_table)
        cpu = statistics.median(r["cpu"] for r in runs_table)
        lines.append(f"tracker check at 10k: {wall:.2f} s wall, {cpu:.2f} s cpu (target < 2 s)")
    for n, r in results.items():
        rate = r["stats"]["stage_results"] / median(r["stats"]["times"]["evaluate"], 1)
        lines.append(
            f"evaluation at {int(n):,}: {rate:,.0f} stage results per CPU second (target > 1,000,000)"
        )
    huge = results.get("300000")
    if big and huge:
        for label in ("tracker check --format json",):
            if label in big["processes"] and label in huge["processes"]:
                a = max(r["mb"] for r in big["processes"][label])
                b = max(r["mb"] for r in huge["processes"][label])
                # in one process: what streaming the JSON adds to the pipeline's own peak
                added = [
                    r["stats"]["peak_output_mb"] - r["stats"]["peak_pipeline_mb"]
                    for r in (big, huge)
                ]
                lines.append(
                    f"peak memory 300k / 100k: {b / a:.2f}x whole process ({b:,.0f} / {a:,.0f} MB"
                    f", target < 3x); the JSON adds {added[0]:,.0f} MB at 100k, "
                    f"{added[1]:,.0f} MB at 300k to the pipeline's peak"
                )
    print("\nTargets (issue 18)")
    for line in lines:
        print("  " + line)


def profile(n: int, workbooks: int) -> None:
    import cProfile
    import pstats

    from click.testing import CliRunner

    from tracker.cli import main as cli

    paths = generate(OUT, n, workbooks)
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        target = Path(tmp) / "check.json"
        args = ["check", *map(str, paths), "--as-of", AS_OF.isoformat(), "--format", "json"]
        prof = cProfile.Profile()
        prof.enable()
        CliRunner().invoke(cli, [*args, "--output", str(target)], catch_exceptions=False)
        prof.disable()
    out = OUT / f"profile-{n}.txt"
    with out.open("w") as fh:
        stats = pstats.Stats(prof, stream=fh)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(40)
    print(out.read_text())


if __name__ == "__main__":
    main()
