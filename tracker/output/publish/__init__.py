"""Due dates and data problems back where officers work: a ``Tracker`` sheet per source.

- ``content``: what the sheet says, computed once from the check results.
- ``workbook``: the companion ``NAME.tracker.xlsx`` beside an Excel source.
- ``gsheet``: the ``Tracker`` tab of a Google Sheet, in one batchUpdate.
- ``run``: both, for ``tracker publish`` and the service, with a hash so nothing unchanged is rewritten.
"""
