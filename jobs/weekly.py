"""Weekly report job: fresh results, then this week's reports queued and sent (once per week).

Idempotent through the ledger: a second run in the same ISO week (a misfire, a restart, a
manual ``tracker report``) sends nothing new, so the scheduler may run it more than once.
"""

from __future__ import annotations

import logging

from tracker.calendars import today_in_london
from tracker.check import check_config
from tracker.config import load_config
from tracker.mail.mailing import run_weekly
from tracker.output.snapshot import write_snapshot

log = logging.getLogger("tracker.jobs.weekly")


def run(config_path: str) -> None:
    config = load_config(config_path)
    as_of = today_in_london()
    result = check_config(config, as_of)
    check = result.to_json()
    write_snapshot(config.state_dir, result)
    out = run_weekly(config, as_of, send_now=True, check=check)
    log.info(
        "weekly report as of %s: %d queued, %d made already, %d sent, %d failed, %d skipped",
        as_of.isoformat(),
        len(out.queued),
        len(out.already),
        len(out.sent),
        len(out.failed),
        len(out.skipped),
    )
