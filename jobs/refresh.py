"""Refresh job: check every source the config names and keep the results as the snapshot.

The web view serves this snapshot; it never reads a spreadsheet per request. Arguments are a
config path (text), so the job pickles into the scheduler's SQLite job store.
"""

from __future__ import annotations

import logging

from tracker.calendars import today_in_london
from tracker.check import check_config
from tracker.config import load_config
from tracker.snapshot import write_snapshot

log = logging.getLogger("tracker.jobs.refresh")


def run(config_path: str) -> None:
    config = load_config(config_path)
    result = check_config(config, today_in_london())
    write_snapshot(config.state_dir, result)
    log.info(
        "refreshed %d source(s): %d reviews, %d data problems, %d source(s) unusable",
        len(config.source_boards()),
        len(result.reviews),
        len(result.problems),
        len(result.unusable),
    )
