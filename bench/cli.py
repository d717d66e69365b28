"""Benchmark: how long the ``tracker`` command takes to start and to check the sample workbooks.

    python bench/cli.py               # median of 5 runs each
    python bench/cli.py --runs 9

Each command runs as a new process, the way people run it, and is timed from outside (wall time,
and CPU time from the children's resource usage: CPU stays honest on a machine shared with other
work). A bare ``python -c pass`` is the floor nothing can beat. Targets on a 2-core machine:
``tracker check`` on the samples under 1.5 s, ``tracker --version`` under 0.3 s.

It also runs each quick command once under ``python -X importtime`` and says whether pandas or
pandera were imported (they must not be for --help, --version and frameworks), with the slowest
top-level imports of ``tracker check``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(str(p) for p in (ROOT / "sample_workbooks").glob("*.xlsx"))
TRACKER = str(Path(sys.executable).with_name("tracker"))
TARGETS = {"check": 1.5, "--version": 0.3}
HEAVY = ("pandas", "pandera")


def commands() -> dict[str, list[str]]:
    check = [TRACKER, "check", *SAMPLES, "--as-of", "2024-06-30"]
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "--version": [TRACKER, "--version"],
        "--help": [TRACKER, "--help"],
        "frameworks": [TRACKER, "frameworks"],
        "check": check,
        "check --format json": [*check, "--format", "json"],
    }


def timed(argv: list[str]) -> tuple[float, float]:
    """One run's (wall, cpu) seconds; output is discarded, the exit code is not checked (check
    exits 1 on the samples: they have overdue stages by design)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def imports(argv: list[str]) -> list[tuple[int, int, str]]:
    """(nesting depth, cumulative microseconds, module) for every import, from ``-X importtime``."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"),
        check=False,
    )
    found = []
    for line in run.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, raw = line[len("import time:") :].split("|")
        depth = (len(raw) - len(raw.lstrip()) - 1) // 2
        found.append((depth, int(cumulative), raw.strip()))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"{len(SAMPLES)} sample workbooks · median of {args.runs} runs · {os.cpu_count()} CPUs")
    print(f"{'command':<22} {'wall s':>7} {'cpu s':>7} {'over bare python':>17}  target")
    floor = 0.0
    for name, argv in commands().items():
        timed(argv)  # warm the file cache and the bytecode cache
        runs = [timed(argv) for _ in range(args.runs)]
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        if name == "python -c pass":
            floor = wall
        target = TARGETS.get(name)
        verdict = "" if target is None else f"< {target} s {'met' if wall < target else 'MISSED'}"
        print(f"{name:<22} {wall:7.3f} {cpu:7.3f} {wall - floor:+17.3f}  {verdict}")
    print()
    for name in ("--version", "--help", "frameworks"):
        # the console script is a Python file: run it under the same interpreter with importtime
        argv = commands()[name]
        loaded = {module for _, _, module in imports(argv)}
        heavy = [m for m in HEAVY if m in loaded]
        print(f"{name:<12} imports {len(loaded):4d} modules; pandas/pandera: {heavy or 'none'}")
    check_imports = imports(commands()["check"])
    top = sorted(((us, m) for depth, us, m in check_imports if depth == 0), reverse=True)[:6]
    print("check: slowest top-level imports " + ", ".join(f"{m} {us / 1e6:.2f} s" for us, m in top))


if __name__ == "__main__":
    main()
