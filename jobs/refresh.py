"""Refresh job: check every source the config names, keep the results, and tell the officers.

The web view serves the snapshot; it never reads a spreadsheet per request. Then each source's
``Tracker`` sheet is published where it changed (a Google Sheet's tab costs one request on top
of the read's two; an unchanged one costs nothing), and each board's ``data_recipients`` hear
about new and fixed data problems (at most once a day). Publishing or e-mail failing never
undoes the refresh. Arguments are a config path (text), so the job pickles into the scheduler's
SQLite job store.
"""

from __future__ import annotations

import logging

from tracker.calendars import today_in_london
from tracker.check import check_config, specs_from_config
from tracker.config import load_config
from tracker.output.snapshot import write_snapshot

log = logging.getLogger("tracker.jobs.refresh")


def run(config_path: str) -> None:
    config = load_config(config_path)
    as_of = today_in_london()
    result = check_config(config, as_of)
    check = result.to_json()
    write_snapshot(config.state_dir, result)
    log.info(
        "refreshed %d source(s): %d reviews, %d data problems, %d source(s) unusable",
        len(config.source_boards()),
        len(result.reviews),
        len(result.problems),
        len(result.unusable),
    )
    try:
        from tracker.output.publish.run import WRITTEN, publish_results

        published = publish_results(
            result, specs_from_config(config), config, state_dir=config.state_dir, check=check
        )
        written = sum(1 for p in published if p.outcome == WRITTEN)
        if written:
            log.info("published %d Tracker sheet(s)", written)
    except Exception:  # the refresh itself succeeded: the snapshot is written
        log.exception("publishing the Tracker sheets failed")
    try:
        from tracker.mail.officers import notify_officers

        notify_officers(config, check, as_of)
    except Exception:
        log.exception("the officers' e-mail failed")
