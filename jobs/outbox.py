"""Outbox job: send the queued reports whose backoff has passed (SMTP backend only)."""

from __future__ import annotations

import logging

from tracker.config import load_config
from tracker.mail.mailing import deliver

log = logging.getLogger("tracker.jobs.outbox")


def run(config_path: str) -> None:
    config = load_config(config_path)
    out = deliver(config)
    if out.sent or out.failed:
        log.info("outbox: %d sent, %d failed (kept for retry)", len(out.sent), len(out.failed))
