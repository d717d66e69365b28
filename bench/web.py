"""Web view latency under load: 10,000 reviews, 20 concurrent clients, all on 127.0.0.1.

Builds real results with the core (the sample workbooks when present, else a synthetic workbook
per framework), replicates the reviews with new ids across 20 boards up to 10,000, writes the
snapshot, starts `tracker serve`'s waitress in a separate process on a free loopback port, and
times the overview, the overdue list and the API from 20 client threads. Every loop is bounded in
count and time. Prints p50/p95 per page and writes bench/out/web.json.

    .venv/bin/python bench/web.py [--reviews 10000] [--clients 20] [--requests 40]
"""

from __future__ import annotations

import argparse
import copy
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
    run(app, "127.0.0.1", port)


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
    base: str, paths: dict[str, str], clients: int, per_client: int, limit_s: float
) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in paths}
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + limit_s

    def client(n: int) -> None:
        s = signed_in(base, "national")
        names = list(paths)
        for k in range(per_client):
            if time.monotonic() > deadline:
                return
            name = names[(n + k) % len(names)]
            t0 = time.perf_counter()
            r = s.get(base + paths[name], timeout=60)
            _ = r.content
            elapsed = time.perf_counter() - t0
            with lock:
                if r.status_code != 200:
                    errors.append(f"{name}: {r.status_code}")
                times[name].append(elapsed)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reviews", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=30, help="per client")
    parser.add_argument("--time-limit", type=float, default=180.0)
    parser.add_argument("--serve", nargs=2, metavar=("CONFIG", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return

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
            warm = signed_in(base, "national")
            paths = {
                "overview": "/",
                "overdue list": "/overdue",
                "overdue list, filtered": "/overdue?nation=england&must=should",
                "api reviews, all 10,000": "/api/reviews",
                "api reviews, page of 100": "/api/reviews?limit=100&offset=500",
                "api reviews, filtered": "/api/reviews?nation=wales&status=overdue",
            }
            for p in paths.values():  # warm the API's encoded-body cache, as a live server is
                warm.get(base + p, timeout=120)
            times = load(base, paths, args.clients, args.requests, args.time_limit)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    report: dict[str, Any] = {
        "reviews": args.reviews,
        "clients": args.clients,
        "snapshot_build_s": round(build_s, 2),
        "first_request_s": round(first_s, 3),
        "pages": {},
    }
    print(f"{args.reviews} reviews, {args.clients} clients, 127.0.0.1, waitress 8 threads")
    print(f"first /healthz after start (load + index the snapshot): {first_s * 1000:.0f} ms")
    for name, values in times.items():
        p50, p95 = pct(values, 0.5) * 1000, pct(values, 0.95) * 1000
        report["pages"][name] = {
            "requests": len(values),
            "p50_ms": round(p50, 1),
            "p95_ms": round(p95, 1),
            "mean_ms": round(statistics.mean(values) * 1000, 1),
        }
        print(f"{name:28s} n={len(values):4d}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "web.json").write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
