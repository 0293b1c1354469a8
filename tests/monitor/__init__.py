"""Tests for the monitor package."""
