"""The weekly e-mail, from what it says to its delivery: one module per step.

- ``report``: what a board's (or the national) report says, from the check results.
- ``render``: the same report as HTML, plain text and an .xlsx attachment, built into a message.
- ``mailing``: this week's reports composed, queued and delivered, once per ISO week.
- ``outbox``: the queued messages as .eml files in the state directory.
- ``smtp``: one message sent through the configured SMTP server.
- ``ledger``: what was made and sent each week, so a rerun sends nothing twice.

The CLI command is ``tracker.cli.report``; the scheduled job that calls it is ``jobs.weekly``.
"""
