"""Instrument versions: register each loaded instrument once per version hash, and rebuild the one a response used."""

from __future__ import annotations

import json
from functools import lru_cache

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from monitor.instrument import Instrument, canonical_json
from monitor.models import InstrumentVersion


def _find(session: Session, instrument: Instrument) -> InstrumentVersion | None:
    return session.exec(
        select(InstrumentVersion).where(
            InstrumentVersion.instrument_id == instrument.id,
            InstrumentVersion.version_hash == instrument.version_hash,
        )
    ).first()


def get_or_create_version(session: Session, *, instrument: Instrument) -> InstrumentVersion:
    """The version row of this exact wording, created on first use. Idempotent and race-safe (unique constraint).

    A changed file gives a new hash and so a new row; existing rows are never updated, so responses keep the
    wording they were answered on.
    """
    version = _find(session, instrument)
    if version is not None:
        return version
    version = InstrumentVersion(
        instrument_id=instrument.id,
        version_hash=instrument.version_hash,
        snapshot_json=canonical_json(instrument.snapshot()),
    )
    try:
        with session.begin_nested():
            session.add(version)
    except IntegrityError:  # registered concurrently by another worker
        version = _find(session, instrument)
        assert version is not None
    return version


def register_versions(session: Session, *, instruments: list[Instrument]) -> dict[str, InstrumentVersion]:
    """Instrument id -> its current version row, for every loaded instrument."""
    return {instrument.id: get_or_create_version(session, instrument=instrument) for instrument in instruments}


def instrument_of(version: InstrumentVersion) -> Instrument:
    """The instrument exactly as the version froze it (never the current file)."""
    return _from_snapshot(version.snapshot_json)


@lru_cache(maxsize=64)
def _from_snapshot(snapshot_json: str) -> Instrument:
    # Snapshots never change, so the parsed (frozen) instrument can be shared; this keeps answer saves cheap.
    return Instrument.from_snapshot(json.loads(snapshot_json))


def list_versions(session: Session, *, instrument_id: str) -> list[InstrumentVersion]:
    return list(session.exec(
        select(InstrumentVersion).where(InstrumentVersion.instrument_id == instrument_id).order_by(InstrumentVersion.id)
    ))
