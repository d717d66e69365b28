"""``tracker run``: one scheduler (refresh, weekly report, outbox) plus the read-only web view.

The scheduler keeps its jobs in SQLite in the state directory, so a run missed while the service
was down is still due when it starts again: with a large misfire grace and ``coalesce`` it runs
once. Jobs are added only when missing or when their trigger changed: re-adding them at every
start would recompute the next run time and silently drop a missed report.

Only this process ever starts a scheduler. The web app gets it through ``init_app`` (Flask's
extension pattern) to show job status, and never starts one itself: a web server with several
workers would otherwise run every job several times.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from jobs.weekly_trigger import WeeklyTrigger
from tracker.config import Config
from tracker.mail.mailing import describe_delivery

log = logging.getLogger("tracker.service")

JOBSTORE_FILENAME = "jobs.sqlite"
REFRESH, WEEKLY, OUTBOX = "refresh", "weekly-report", "outbox"
OUTBOX_MINUTES = 5
#: A report missed while the service was down runs when it comes back, however late: the ledger
#: decides whether it still has anything to send, so running late is always safe.
MISFIRE_GRACE_SECONDS = 14 * 24 * 3600
EXTENSION_KEY = "tracker_scheduler"


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str  # "module:function": the job store pickles a reference, not the function
    trigger: BaseTrigger
    name: str
    args: tuple[str, ...] = ()


def job_specs(
    config: Config, config_path: str, *, weekly: BaseTrigger | None = None
) -> list[JobSpec]:
    tz = config.schedule.timezone
    return [
        JobSpec(
            REFRESH,
            "jobs.refresh:run",
            IntervalTrigger(minutes=config.schedule.refresh_minutes, timezone=ZoneInfo(tz)),
            "refresh sources",
            (config_path,),
        ),
        JobSpec(
            WEEKLY,
            "jobs.weekly:run",
            weekly or WeeklyTrigger(config.schedule.weekly_report, tz),
            "weekly report",
            (config_path,),
        ),
        JobSpec(
            OUTBOX,
            "jobs.outbox:run",
            IntervalTrigger(minutes=OUTBOX_MINUTES, timezone=ZoneInfo(tz)),
            "send the outbox",
            (config_path,),
        ),
    ]


def trigger_key(trigger: BaseTrigger) -> str:
    """What identifies a schedule: the trigger's kind, fields and zone (not its next run)."""
    tz = getattr(trigger, "timezone", None)
    return f"{type(trigger).__name__}:{trigger}:{getattr(tz, 'key', tz)}"


def ensure_jobs(scheduler: BackgroundScheduler, specs: list[JobSpec]) -> dict[str, str]:
    """Add missing jobs, replace changed ones, keep the rest (and their missed runs) untouched."""
    done: dict[str, str] = {}
    for spec in specs:
        job = scheduler.get_job(spec.id)
        if (
            job is not None
            and job.func_ref == spec.func
            and tuple(job.args) == spec.args
            and trigger_key(job.trigger) == trigger_key(spec.trigger)
        ):
            done[spec.id] = "kept"
            continue
        scheduler.add_job(
            spec.func,
            trigger=spec.trigger,
            args=list(spec.args),
            kwargs={},
            id=spec.id,
            name=spec.name,
            replace_existing=True,
        )
        done[spec.id] = "added" if job is None else "replaced"
    return done


class TrackerScheduler:
    """The service's scheduler, attachable to a Flask app with ``init_app``."""

    def __init__(
        self,
        config: Config,
        config_path: str | Path,
        *,
        weekly: BaseTrigger | None = None,
        jobstore_url: str | None = None,
    ) -> None:
        self.config = config
        self.config_path = str(Path(config_path).resolve())
        config.state_dir.mkdir(parents=True, exist_ok=True)
        url = jobstore_url or f"sqlite:///{config.state_dir / JOBSTORE_FILENAME}"
        self.scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(url=url)},
            executors={"default": ThreadPoolExecutor(max_workers=2)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": MISFIRE_GRACE_SECONDS,
            },
            timezone=ZoneInfo(config.schedule.timezone),
        )
        self._weekly = weekly

    def init_app(self, app: Any) -> None:
        """Register on a Flask app (``app.extensions["tracker_scheduler"]``); never starts it."""
        app.extensions[EXTENSION_KEY] = self

    def start(self, *, refresh_now: bool = True) -> dict[str, str]:
        # Start paused: the jobs must be reconciled with the store before anything runs.
        self.scheduler.start(paused=True)
        specs = job_specs(self.config, self.config_path, weekly=self._weekly)
        changes = ensure_jobs(self.scheduler, specs)
        if refresh_now:
            refresh = self.scheduler.get_job(REFRESH)
            if refresh is not None:
                refresh.modify(next_run_time=datetime.now(ZoneInfo(self.config.schedule.timezone)))
        self.scheduler.resume()
        for job_id, change in changes.items():
            log.info("job %s: %s; next run %s", job_id, change, self.next_run(job_id))
        return changes

    def next_run(self, job_id: str) -> datetime | None:
        job = self.scheduler.get_job(job_id)
        return None if job is None else job.next_run_time

    def status(self) -> list[dict[str, Any]]:
        """For the web view: each job and when it next runs."""
        return [
            {"id": job.id, "name": job.name, "next_run": job.next_run_time}
            for job in self.scheduler.get_jobs()
        ]

    def shutdown(self) -> None:
        """Stop taking jobs, then let a running one finish (a report is never cut mid-send)."""
        if self.scheduler.running:
            self.scheduler.pause()
            log.info("scheduler paused; waiting for any running job to finish")
            self.scheduler.shutdown(wait=True)


class WebHandle(Protocol):
    def stop(self) -> None: ...


class _Server:
    def __init__(self, stop: Callable[[], None], thread: threading.Thread) -> None:
        self._stop = stop
        self.thread = thread

    def stop(self) -> None:
        self._stop()
        self.thread.join(timeout=10)


def serve_web(app: Any, host: str, port: int) -> WebHandle:
    """Serve ``app`` in a background thread (waitress when installed); ``stop()`` ends it."""
    try:
        from waitress.server import create_server
    except ImportError:
        from werkzeug.serving import make_server

        log.warning("waitress is not installed: serving the web view with werkzeug")
        wz = make_server(host, port, app, threaded=True)
        thread = threading.Thread(target=wz.serve_forever, name="web", daemon=True)
        thread.start()
        return _Server(wz.shutdown, thread)
    # the same settings as `tracker serve` (tracker.web.serve): 8 threads, no server banner
    server = create_server(app, host=host, port=port, threads=8, ident="")
    stopped = threading.Event()

    def loop() -> None:
        # Poll in short rounds so the loop thread itself closes the sockets: closing them from
        # another thread while select() waits on them fails with EBADF.
        try:
            while not stopped.is_set():
                server.asyncore.loop(timeout=0.5, map=server._map, count=1)
        finally:
            server.task_dispatcher.shutdown()
            server.asyncore.close_all(server._map)

    thread = threading.Thread(target=loop, name="web", daemon=True)
    thread.start()
    return _Server(stopped.set, thread)


def _web_app(config: Config, scheduler: TrackerScheduler) -> Any | None:
    try:
        from tracker.web import create_app  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        log.warning("web view unavailable (%s): running the scheduled jobs only", exc)
        return None
    app = create_app(config)
    scheduler.init_app(app)
    return app


def run_service(
    config: Config,
    config_path: str | Path,
    *,
    stop_event: threading.Event | None = None,
    with_web: bool = True,
    install_signals: bool = True,
) -> int:
    """Run until SIGTERM/SIGINT (or ``stop_event``); returns the exit code."""
    stop = stop_event or threading.Event()
    if install_signals:

        def _on_signal(signum: int, _frame: FrameType | None) -> None:
            log.info("received %s: stopping", signal.Signals(signum).name)
            stop.set()

        signal.signal(signal.SIGTERM, _on_signal)
        signal.signal(signal.SIGINT, _on_signal)
    scheduler = TrackerScheduler(config, config_path)
    log.info("state directory %s", config.state_dir.resolve())
    log.info(describe_delivery(config))
    web: WebHandle | None = None
    app = _web_app(config, scheduler) if with_web else None
    scheduler.start()
    try:
        if app is not None:
            web = serve_web(app, config.web.host, config.web.port)
            log.info("web view on http://%s:%d/", config.web.host, config.web.port)
        while not stop.wait(timeout=1.0):
            pass
    finally:
        if web is not None:
            web.stop()
        scheduler.shutdown()
        log.info("stopped")
    return 0
