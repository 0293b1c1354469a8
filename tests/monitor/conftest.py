"""Fixtures shared by several monitor test modules."""

from tests.monitor.test_stored_scores import scored  # noqa: F401  (fixture: a demo organisation with stored scores)
