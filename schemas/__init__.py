"""Spreadsheet value parsing and pandera schemas built from a framework."""
