"""Review frameworks as data: found, described and simulated.

- ``registry``: frameworks found through the ``tracker.frameworks`` entry-point group;
- ``describe``: frameworks and rules as plain data for the CLI, web view and e-mails;
- ``vocabulary``: one meaning of must/should, basis and local counting for every output;
- ``synthetic``: synthetic reviews simulated from a framework's rules (samples, benchmarks).

This package imports nothing at import time, so ``tracker frameworks`` stays fast.
"""
