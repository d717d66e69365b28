"""Scheduled jobs (APScheduler): refresh sources, weekly report, send the outbox."""
