"""Compliance tracker for child case reviews in the four UK nations."""

__version__ = "0.1.0"
