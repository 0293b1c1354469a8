"""Fixtures the web tests share with the domain tests."""

from tests.monitor.test_exports import exported  # noqa: F401  (a fixture: the demo data plus a small export set)
