"""Instrument versions: register each loaded instrument once per version hash, and rebuild the one a response used."""

from __future__ import annotations

import json
from functools import lru_cache

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from monitor.models import InstrumentVersion
from monitor.questionnaire.instrument import Instrument, canonical_json


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


_BY_HASH: dict[tuple[str, str], Instrument] = {}
_BY_HASH_MAX = 64


def instrument_of_version(session: Session, *, version_id: int, instrument_id: str, version_hash: str) -> Instrument:
    """The frozen instrument of a version, read from the database only the first time this process meets its hash.

    The hash covers everything that gives answers their meaning (items, scales, formats, keying, moments; not the
    title or draft status) and a version row is never updated, so (instrument id, hash) names one meaning for good,
    in any database. For validating and storing answers this is enough; pages that show the wording use
    ``instrument_of``. This saves reading and parsing the snapshot on every answer save.
    """
    key = (instrument_id, version_hash)
    instrument = _BY_HASH.get(key)
    if instrument is None:
        version = session.get(InstrumentVersion, version_id)
        if version is None:  # pragma: no cover - a foreign key guarantees the row
            raise LookupError(f"instrument version {version_id} does not exist")
        instrument = instrument_of(version)
        if len(_BY_HASH) >= _BY_HASH_MAX:
            _BY_HASH.clear()
        _BY_HASH[key] = instrument
    return instrument


@lru_cache(maxsize=64)
def _from_snapshot(snapshot_json: str) -> Instrument:
    # Snapshots never change, so the parsed (frozen) instrument can be shared; this keeps answer saves cheap.
    return Instrument.from_snapshot(json.loads(snapshot_json))


def list_versions(session: Session, *, instrument_id: str) -> list[InstrumentVersion]:
    return list(
        session.exec(
            select(InstrumentVersion)
            .where(InstrumentVersion.instrument_id == instrument_id)
            .order_by(col(InstrumentVersion.id))
        )
    )
