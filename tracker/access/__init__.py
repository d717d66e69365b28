"""Who may see what, decided by config and never by a cell.

- ``boards``: which board a review belongs to (the config's answer, not the Board column);
- ``users``: web-view users and the boards each may see (``users.json``);
- ``sessions``: server-side web sessions, so that sign-out and ``user remove`` take effect.
"""
