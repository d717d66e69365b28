"""Web view latency under load: 10,000 reviews, 20 concurrent clients, all on 127.0.0.1.

Builds real results with the core (the sample workbooks when present, else a synthetic workbook
per framework), replicates the reviews with new ids across 20 boards up to 10,000, writes the
snapshot, starts `tracker serve`'s waitress in a separate process on a free loopback port, and
times every page (overview, a board, a board filtered, a review, the overdue, due-soon and paused
lists, problems, frameworks) and two API pages from 20 client threads. Every loop is bounded in
count and time. The target is p95 under 50 ms for every page.

Also measured, apart from the load: each page's first request (rendered afresh: what a page costs
after a new snapshot, or for an address no one asked for yet) and the whole 10,000-review API list
(38 MB of JSON: its transfer alone is beyond 50 ms, and 20 clients fetching it at once would
measure the loopback, not the pages; `--bulk-in-mix` puts it back in the load as before). The load
runs `--repeat` times; the best and the median of each page's p50 and p95 are reported, with the
load average before and after (other work on the machine shows in the figures), and the server's
CPU time per request (each page alone, 50 requests in a row; and under the load), which other
people's work on the machine hardly changes. The server's
resident memory is read before the first request and after the load. Prints a table and writes
bench/out/web.json.

    .venv/bin/python bench/web.py [--reviews 10000] [--clients 20] [--requests 30] [--repeat 3]
"""

from __future__ import annotations

import argparse
import copy
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2025, 3, 31)  # the sample workbooks' as-of date
PASSWORD = "benchmark password 1"
NATIONS = ("england", "wales", "scotland", "northern-ireland")


def base_workbooks(folder: Path) -> list[Path]:
    samples = sorted((ROOT / "sample_workbooks").glob("*.xlsx"))
    if samples:
        return samples
    from openpyxl import Workbook

    from tracker.frameworks.registry import all_frameworks
    from tracker.model import FieldType

    paths = []
    for f in all_frameworks():
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = f.sheet
        ws.append([fld.header for fld in f.all_fields])
        for i in range(40):
            start = AS_OF - timedelta(days=30 + 11 * i)
            row: list[Any] = []
            step = 0
            for fld in f.all_fields:
                if fld.id == "review_id":
                    row.append(f"{f.id.upper()}-{i:03d}")
                elif fld.type is FieldType.DATE:
                    step += 1
                    # later stages are left blank on some rows: pending and overdue stages
                    day = start + timedelta(days=12 * step + (i % 5) * 4)
                    row.append(day if step <= 2 + i % 6 and day <= AS_OF else None)
                elif fld.type is FieldType.CHOICE and fld.choices:
                    row.append(fld.choices[0] if i % 4 else fld.choices[-1])
                elif fld.type is FieldType.YES_NO:
                    row.append("Yes" if i % 3 else "No")
                else:
                    row.append(None)
            ws.append(row)
        path = folder / f"{f.id}.xlsx"
        wb.save(path)
        paths.append(path)
    return paths


def build_state(folder: Path, total: int) -> Path:
    from tracker.access.users import UserStore, users_path
    from tracker.check import SourceSpec, run_check
    from tracker.output.snapshot import write_snapshot

    result = run_check([SourceSpec(str(p)) for p in base_workbooks(folder)], AS_OF).to_json()
    base = [r for r in result["reviews"] if r["stages"]]
    boards = [f"Board {n:02d}" for n in range(20)]
    reviews = []
    for i in range(total):
        r = copy.deepcopy(base[i % len(base)])
        r["review_id"] = f"R{i:05d}-{r['review_id']}"
        r["board"] = boards[i % len(boards)]
        r["row"] = 2 + i
        reviews.append(r)
    state = folder / "var"
    write_snapshot(
        state, {"as_of": AS_OF.isoformat(), "reviews": reviews, "problems": result["problems"]}
    )
    store = UserStore(users_path(state))
    store.add("national", PASSWORD, national=True)
    store.add("local", PASSWORD, boards=tuple(boards[:2]))
    config = folder / "tracker.toml"
    config.write_text(f'state_dir = "{state}"\n', encoding="utf-8")
    return config


def serve(config: str, port: int) -> None:
    from tracker.config import load_config
    from tracker.web import create_app
    from tracker.web import serve as run

    app = create_app(load_config(config), overrides={"SESSION_COOKIE_SECURE": False})
    out = os.environ.get("TRACKER_BENCH_PROFILE")
    if out:
        profiled(out)
    threads, switch = server_settings()
    sys.setswitchinterval(switch)
    run(app, "127.0.0.1", port, threads=threads)


def server_settings() -> tuple[int, float]:
    """``tracker serve``'s waitress threads and Python's switch interval, or those being tried
    (``TRACKER_BENCH_THREADS``, ``TRACKER_BENCH_SWITCH`` in seconds)."""
    from tracker.web import THREADS

    threads = int(os.environ.get("TRACKER_BENCH_THREADS") or THREADS)
    return threads, float(os.environ.get("TRACKER_BENCH_SWITCH") or sys.getswitchinterval())


def profiled(out: str) -> None:
    """Run every thread of the server (waitress's loop and its workers) under cProfile and write
    the merged statistics to ``out`` when the bench stops the server (SIGTERM): where a request's
    CPU goes, waitress's share included. Each thread's own CPU time (``time.thread_time``), so
    waiting for the GIL, a lock or a socket counts for nothing. ``python -m pstats out`` reads
    them."""
    import cProfile
    import pstats
    import signal

    from waitress.task import ThreadedTaskDispatcher

    profiles: list[cProfile.Profile] = []
    handler = ThreadedTaskDispatcher.handler_thread

    def handler_thread(self: Any, thread_no: int) -> None:
        profile = cProfile.Profile(time.thread_time)
        profiles.append(profile)
        profile.runcall(handler, self, thread_no)

    ThreadedTaskDispatcher.handler_thread = handler_thread  # type: ignore[method-assign]
    main = cProfile.Profile(time.thread_time)
    profiles.append(main)
    main.enable()

    def stop(_signum: int, _frame: Any) -> None:
        main.disable()
        stats = pstats.Stats(main)
        for profile in profiles:
            if profile is not main:
                profile.create_stats()
                stats.add(profile)
        stats.dump_stats(out)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def signed_in(base: str, user: str) -> requests.Session:
    s = requests.Session()
    page = s.get(f"{base}/sign-in", timeout=10).text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = s.post(
        f"{base}/sign-in",
        data={"name": user, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 302, r.status_code
    return s


def load(
    base: str,
    paths: dict[str, str],
    sessions: list[requests.Session],
    per_client: int,
    limit_s: float,
) -> dict[str, list[float]]:
    """Each client (a session signed in beforehand: signing in is a deliberately slow scrypt
    check, not a page) asks for the pages in turn, all clients at once."""
    times: dict[str, list[float]] = {name: [] for name in paths}
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + limit_s

    def client(n: int) -> None:
        # http.client, not requests: a browser's work is done on its own machine, and requests
        # costs this 2-core machine about a millisecond more CPU per request than the server
        host, port = urlsplit(base).hostname or "127.0.0.1", urlsplit(base).port
        cookie = "; ".join(f"{c.name}={c.value}" for c in sessions[n].cookies)
        conn = http.client.HTTPConnection(host, port, timeout=60)
        names = list(paths)
        for k in range(per_client):
            if time.monotonic() > deadline:
                break
            name = names[(n + k) % len(names)]
            t0 = time.perf_counter()
            conn.request("GET", paths[name], headers={"Cookie": cookie})
            r = conn.getresponse()
            _ = r.read()
            elapsed = time.perf_counter() - t0
            with lock:
                if r.status != 200:
                    errors.append(f"{name}: {r.status}")
                times[name].append(elapsed)
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(len(sessions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=limit_s + 60)
    if errors:
        raise SystemExit(f"{len(errors)} failed requests, e.g. {errors[:3]}")
    return times


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process (Linux), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_s(pid: int) -> float:
    """CPU time (user + system) a process has used, in seconds (Linux): unlike latency on a
    shared machine, it does not grow with other people's load."""
    return sum(cpu_split(pid))


def cpu_split(pid: int) -> tuple[float, float]:
    """User and system CPU time of a process, in seconds (Linux): the system part is mostly the
    loopback's sending and receiving."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def cpu_per_request(base: str, session: requests.Session, path: str, pid: int, n: int) -> float:
    """The server's CPU milliseconds per request for one page, asked ``n`` times in a row."""
    before = cpu_s(pid)
    for _ in range(n):
        _ = session.get(base + path, timeout=60).content
    return (cpu_s(pid) - before) * 1000 / n


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


PAGES = {
    "overview": "/",
    "board": "/boards/Board%2001",
    "board, overdue filter": "/boards/Board%2001?status=overdue",
    "review": "/reviews/{review}",
    "overdue list": "/overdue",
    "overdue list, filtered": "/overdue?nation=england&must=should",
    "due soon": "/due-soon",
    "paused": "/paused",
    "problems": "/problems",
    "frameworks": "/frameworks",
    "trend": "/trend",
    "actions": "/actions",
    "api reviews, page of 100": "/api/reviews?limit=100&offset=500",
    "api reviews, filtered": "/api/reviews?nation=wales&status=overdue",
}
BULK = {"api reviews, all 10,000": "/api/reviews"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reviews", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=30, help="per client")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the load")
    parser.add_argument("--time-limit", type=float, default=180.0)
    parser.add_argument("--bulk-in-mix", action="store_true", help="the 38 MB list under load too")
    parser.add_argument("--serve", nargs=2, metavar=("CONFIG", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return

    threads, switch = server_settings()
    load_before = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        config = build_state(Path(tmp), args.reviews)
        build_s = time.perf_counter() - t0
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(config), str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "TRACKER_SECRET_KEY": "bench"},
        )
        try:
            for _ in range(150):
                try:  # a static file: does not touch the snapshot
                    requests.get(f"{base}/static/tracker.css", timeout=1)
                    break
                except requests.ConnectionError:
                    time.sleep(0.2)
            t1 = time.perf_counter()
            requests.get(f"{base}/healthz", timeout=120)
            first_s = time.perf_counter() - t1  # loading and indexing the snapshot
            rss_start = rss_mb(proc.pid)
            warm = signed_in(base, "national")
            review = warm.get(f"{base}/api/reviews?limit=1&offset=1", timeout=60).json()
            paths = {
                name: p.format(review=quote(review["reviews"][0]["review_id"], safe=""))
                for name, p in PAGES.items()
            }
            if args.bulk_in_mix:
                paths.update(BULK)
            first: dict[str, float] = {}
            for name, p in {**paths, **BULK}.items():  # each page rendered afresh, one client
                t2 = time.perf_counter()
                r = warm.get(base + p, timeout=120)
                _ = r.content
                first[name] = time.perf_counter() - t2
                assert r.status_code == 200, (name, r.status_code)
            cpu = {name: cpu_per_request(base, warm, p, proc.pid, 50) for name, p in paths.items()}
            clients = [signed_in(base, "national") for _ in range(args.clients)]
            runs = []
            cpu_runs = []
            client_cpu = []
            walls = []
            sys_runs = []
            for _ in range(args.repeat):
                split, mine = cpu_split(proc.pid), cpu_s(os.getpid())
                t4 = time.perf_counter()
                runs.append(load(base, paths, clients, args.requests, args.time_limit))
                walls.append(time.perf_counter() - t4)
                served = max(1, sum(len(v) for v in runs[-1].values()))
                user_s, sys_s = (b - a for a, b in zip(split, cpu_split(proc.pid), strict=True))
                cpu_runs.append((user_s + sys_s) * 1000 / served)
                sys_runs.append(sys_s * 1000 / served)
                client_cpu.append((cpu_s(os.getpid()) - mine) * 1000 / served)
            bulk = {}
            if not args.bulk_in_mix:
                for name, p in BULK.items():  # one client, one after another
                    times = []
                    for _ in range(3):
                        t3 = time.perf_counter()
                        _ = warm.get(base + p, timeout=120).content
                        times.append(time.perf_counter() - t3)
                    bulk[name] = times
            rss_end = rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    report: dict[str, Any] = {
        "reviews": args.reviews,
        "clients": args.clients,
        "repeat": args.repeat,
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "snapshot_build_s": round(build_s, 2),
        "first_request_s": round(first_s, 3),
        "server_rss_mb": {"before_pages": rss_start, "after_load": rss_end},
        "server_cpu_ms_per_request_under_load": [round(c, 2) for c in cpu_runs],
        "server_system_cpu_ms_per_request_under_load": [round(c, 2) for c in sys_runs],
        "server_threads": threads,
        "switch_interval_s": switch,
        "client_cpu_ms_per_request_under_load": [round(c, 2) for c in client_cpu],
        "requests_per_second": [
            round(sum(len(v) for v in run.values()) / w, 1)
            for run, w in zip(runs, walls, strict=True)
        ],
        "pages": {},
        "bulk": {},
    }
    print(
        f"{args.reviews} reviews, {args.clients} clients, 127.0.0.1, waitress {threads} threads, "
        f"switch interval {switch * 1000:g} ms"
    )
    print(f"load average before {load_before}, after {report['load_average_after']}")
    print(f"first /healthz after start (load + index the snapshot): {first_s * 1000:.0f} ms")
    print(f"server memory: {rss_start or 0:.0f} MB before the pages, {rss_end or 0:.0f} MB after")
    print(
        "under load, per request (one value per run): server CPU "
        + ", ".join(f"{c:.2f}" for c in cpu_runs)
        + " ms (system "
        + ", ".join(f"{c:.2f}" for c in sys_runs)
        + "); the clients' CPU "
        + ", ".join(f"{c:.2f}" for c in client_cpu)
        + " ms; requests per second "
        + ", ".join(
            f"{sum(len(v) for v in run.values()) / w:.0f}"
            for run, w in zip(runs, walls, strict=True)
        )
    )
    print(
        f"{'page':28s} {'first':>8s} {'cpu':>6s}  {'p50 best':>9s} {'p50 med':>8s}  "
        f"{'p95 best':>9s} {'p95 med':>8s}  {'n':>5s}   (ms; {args.repeat} runs)"
    )
    for name in paths:
        p50s = [pct(run[name], 0.5) * 1000 for run in runs if run[name]]
        p95s = [pct(run[name], 0.95) * 1000 for run in runs if run[name]]
        n = sum(len(run[name]) for run in runs)
        report["pages"][name] = {
            "path": paths[name],
            "first_ms": round(first[name] * 1000, 1),
            "server_cpu_ms": round(cpu[name], 2),
            "requests": n,
            "p50_ms": [round(v, 1) for v in p50s],
            "p95_ms": [round(v, 1) for v in p95s],
            "p95_best_ms": round(min(p95s), 1),
            "p95_median_ms": round(statistics.median(p95s), 1),
        }
        print(
            f"{name:28s} {first[name] * 1000:8.1f} {cpu[name]:6.2f}  {min(p50s):9.1f} "
            f"{statistics.median(p50s):8.1f}"
            f"  {min(p95s):9.1f} {statistics.median(p95s):8.1f}  {n:5d}"
        )
    for name, times in bulk.items():
        report["bulk"][name] = {
            "first_ms": round(first[name] * 1000, 1),
            "one_client_ms": [round(t * 1000, 1) for t in times],
        }
        print(
            f"{name:28s} {first[name] * 1000:8.1f}  one client, alone: "
            + ", ".join(f"{t * 1000:.0f}" for t in times)
            + " ms"
        )
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "web.json").write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
