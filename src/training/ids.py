"""The primary key of a stored row as an ``int``: SQLModel types it ``int | None`` until the row is flushed."""

from __future__ import annotations

from typing import Protocol


class _Row(Protocol):
    @property
    def id(self) -> int | None: ...


def id_of(row: _Row) -> int:
    """``row.id``, for a row that is in the database (loaded, or added and flushed)."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: add and flush it first")
    return row.id
