"""The ``tracker`` command line: ``main`` is the entry point (contract: ../shared/DESIGN.md).

- ``commands``: the command group and the check, validate, init and frameworks commands.
- ``report``: ``tracker report`` (the weekly e-mail by hand) and ``tracker run`` (the service).
- ``web``: ``tracker user add|remove|token|sessions|sign-out`` and ``tracker serve``.
- ``output``: check and validate results as a table, JSON, CSV and XLSX.
- ``templates``: the workbook ``tracker init`` writes or completes.
- ``files``: those files written atomically (a reader never sees half of one).
"""

from tracker.cli.commands import main

__all__ = ["main"]
