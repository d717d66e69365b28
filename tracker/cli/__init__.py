"""The ``tracker`` command line: ``main`` is the group, ``entry`` the console script (contract:
docs/DESIGN.md).

- ``commands``: the command group and the check, validate, init and frameworks commands.
- ``report``: ``tracker report`` (the weekly e-mail by hand) and ``tracker run`` (the service).
- ``web``: ``tracker user add|remove|token|sessions|sign-out`` and ``tracker serve``.
- ``publish``: ``tracker publish``, each source's Tracker sheet on demand.
- ``output``: check and validate results as a table, JSON, CSV and XLSX.
- ``templates``: the workbook ``tracker init`` writes or completes.
- ``files``: those files written atomically (a reader never sees half of one).
- ``usage``: how the command line refuses: one ``tracker:`` line, exit 2, the fix in the line.
- ``terminal``: width, colour, plurals and progress for what people read.
"""

from tracker.cli.commands import entry, main

__all__ = ["entry", "main"]
