"""Intermediate package: imports nothing; ``_native`` is only imported when asked for."""
