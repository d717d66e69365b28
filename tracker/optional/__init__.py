"""The optional sheets kept beside the framework tables, and what they change.

- ``pauses``: the ``Pauses and extensions`` sheet (deferred publication, agreed extensions);
- ``actions``: the ``Actions`` sheet (recommendations and action plans after a review).

Their rows are read by ``schemas.optional`` and applied by ``tracker.evaluate``.
"""
