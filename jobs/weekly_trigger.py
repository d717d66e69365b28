"""The weekly report's trigger: once a week, at a wall-clock time in the board's time zone.

APScheduler's ``CronTrigger`` fires twice when the time falls in the hour the clocks repeat (last
Sunday of October, 01:00-02:00 in London) and, for a time the clocks skip (last Sunday of March),
fires an hour late. This trigger makes the rule explicit: one run per matching local date; a
repeated time runs at its first occurrence; a skipped time runs at the first minute that exists
after it (02:00 BST for 01:30). Times outside those hours are plain local times all year.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from tracker.config import parse_weekly

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# A job store written before this module moved here from ``tracker.weekly_trigger`` holds the
# trigger pickled under that name: it must still load (with any run it missed), not be dropped.
sys.modules.setdefault("tracker.weekly_trigger", sys.modules[__name__])


def local_exists(naive: datetime, tz: ZoneInfo) -> bool:
    """False for a wall-clock time the clocks skip (it does not survive a round trip to UTC)."""
    aware = naive.replace(tzinfo=tz, fold=0)
    return aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive


def fire_time_on(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The instant the report runs on ``day``: the first occurrence of ``at`` local time."""
    naive = datetime.combine(day, at)
    for minutes in range(0, 24 * 60):
        candidate = naive + timedelta(minutes=minutes)
        if local_exists(candidate, tz):
            return candidate.replace(tzinfo=tz, fold=0)
    raise ValueError(f"no valid local time after {naive} in {tz}")  # pragma: no cover


class WeeklyTrigger(BaseTrigger):
    """``WeeklyTrigger("mon 08:00", "Europe/London")``: picklable (the job store keeps it)."""

    def __init__(self, spec: str, timezone: str) -> None:
        day, hour, minute = parse_weekly(spec)
        self.weekday = DAYS.index(day)
        self.at = time(hour, minute)
        self.timezone = ZoneInfo(timezone)

    @property
    def spec(self) -> str:
        return f"{DAYS[self.weekday]} {self.at:%H:%M}"

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        # After a previous run, the next one is strictly later (the scheduler walks missed runs
        # this way); otherwise it is the first one at or after now.
        if previous_fire_time is not None:
            start = min(now, previous_fire_time + timedelta(microseconds=1))
            strict = previous_fire_time
        else:
            start = now
            strict = None
        local_day = start.astimezone(self.timezone).date() - timedelta(days=1)
        for offset in range(0, 16):
            day = local_day + timedelta(days=offset)
            if day.weekday() != self.weekday:
                continue
            fire = fire_time_on(day, self.at, self.timezone)
            if fire < start or (strict is not None and fire <= strict):
                continue
            return fire
        return None  # pragma: no cover - a weekday always recurs within 16 days

    def __getstate__(self) -> dict[str, Any]:
        return {"version": 1, "spec": self.spec, "timezone": self.timezone.key}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["spec"], state["timezone"])  # type: ignore[misc]

    def __str__(self) -> str:
        return f"weekly[{self.spec} {self.timezone.key}]"

    def __repr__(self) -> str:
        return f"<WeeklyTrigger ({self.spec!r}, timezone={self.timezone.key!r})>"
