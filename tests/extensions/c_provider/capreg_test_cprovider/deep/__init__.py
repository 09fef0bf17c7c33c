"""Intermediate package: imports nothing (see capreg_test_cprovider/__init__.py)."""
