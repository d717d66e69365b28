"""Built-in review frameworks, one module per framework.

Each module exposes ``FRAMEWORK`` and is registered in ``pyproject.toml`` under the entry-point
group ``tracker.frameworks``, exactly as a third-party package would register its own.
"""
