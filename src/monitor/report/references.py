"""The reliable-change reference per instrument version: α and SD at T0, frozen once, the same on every view.

Jacobson–Truax needs a reliability and an SD_T0 (docs/statistics.md). Taken from whoever has answered so far, they
move with every new T0 response, and taken from the view (a cohort, a filter) they differ between pages, so the
same person could be "reliably improved" on one page and not on another. Here both come from one reference sample
per instrument version: its first ``REFERENCE_SAMPLE_N`` T0 respondents over every organisation, by submission time.
Once the version has that many, the figures are stored (``RciReference``) and never change again; before that they
are provisional (computed from everyone so far, shown as "voorlopig").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import cast

import numpy as np
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from monitor.models import InstrumentVersion, QuestionnaireResponse, RciReference
from monitor.questionnaire.instrument import Instrument
from monitor.questionnaire.stored_scores import decode_items, decode_scores, scores_from_answers
from monitor.report import statistics as st

REFERENCE_SAMPLE_N = 30  # α is unstable below ~30 (docs/domain.md §5.4)


@dataclass(frozen=True, slots=True)
class Reference:
    """The RCI reference of one scale: what every view uses as r_xx and SD_T0."""

    scale: str
    reliability: float | None
    sd_t0: float | None
    n_alpha: int
    n_sd: int
    n_sample: int
    frozen_at: datetime | None  # None: provisional, the version has fewer than REFERENCE_SAMPLE_N T0 responses

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None


def reference_figures(
    instrument: Instrument, sample: Iterable[tuple[Mapping[str, float | None], Mapping[str, float]]]
) -> dict[str, tuple[float | None, int, float | None, int]]:
    """scale -> (α, its n, SD_T0, its n) of a sample of T0 responses, each given as (scale scores, recoded items).

    α over the items asked at T0, listwise (``statistics.cronbach_alpha``; a response with none of the scale's items
    is left out), the SD over the responses with a scale score (80% rule)."""
    rows = list(sample)
    out = {}
    for scale in instrument.scales:
        items = [i.id for i in instrument.scale_items(scale.id) if "T0" in i.moments]
        matrix = np.array([[values.get(i, np.nan) for i in items] for _, values in rows], dtype=float)
        matrix = matrix.reshape(len(rows), len(items))
        matrix = matrix[~np.isnan(matrix).all(axis=1)] if items else matrix
        alpha = st.cronbach_alpha(matrix)
        desc = st.describe(scores.get(scale.id) for scores, _ in rows)
        out[scale.id] = (alpha.alpha, alpha.n, desc.sd, desc.n)
    return out


def rci_references(
    session: Session, *, instrument: Instrument, sample_n: int = REFERENCE_SAMPLE_N
) -> dict[str, Reference]:
    """The reference of every scale of the instrument's current version: stored ones as they are, otherwise
    computed from the version's first ``sample_n`` T0 responses, and stored when there are that many.

    Empty when no response was ever given on this version. Storing happens at most once per version and scale
    (a unique constraint; a concurrent first request loses the race and reads the winner's rows)."""
    version = session.exec(
        select(InstrumentVersion).where(
            InstrumentVersion.instrument_id == instrument.id, InstrumentVersion.version_hash == instrument.version_hash
        )
    ).first()
    if version is None or version.id is None:
        return {}
    stored = _stored(session, version.id)
    if set(stored) >= {s.id for s in instrument.scales}:
        return stored
    sample = _sample(session, version.id, sample_n)
    figures = reference_figures(instrument, sample)
    if len(sample) < sample_n:
        return {
            scale: Reference(scale, alpha, sd, n_alpha, n_sd, len(sample), None)
            for scale, (alpha, n_alpha, sd, n_sd) in figures.items()
        }
    try:
        with session.begin_nested():
            for scale, (alpha, n_alpha, sd, n_sd) in figures.items():
                if scale not in stored:
                    session.add(
                        RciReference(
                            instrument_version_id=version.id,
                            scale=scale,
                            reliability=alpha,
                            sd_t0=sd,
                            n_alpha=n_alpha,
                            n_sd=n_sd,
                            n_sample=len(sample),
                        )
                    )
    except IntegrityError:
        pass  # another request froze them first: theirs are the same figures of the same sample
    return _stored(session, version.id)


def _stored(session: Session, version_id: int) -> dict[str, Reference]:
    rows = session.exec(select(RciReference).where(RciReference.instrument_version_id == version_id))
    return {
        r.scale: Reference(r.scale, r.reliability, r.sd_t0, r.n_alpha, r.n_sd, r.n_sample, r.frozen_at) for r in rows
    }


def _sample(
    session: Session, version_id: int, limit: int
) -> list[tuple[Mapping[str, float | None], Mapping[str, float]]]:
    """The version's first ``limit`` submitted T0 responses (by submission time, then id; a response without a time,
    as old imports have, after those with one, on both databases) as (scores, items)."""
    rows = session.exec(
        select(QuestionnaireResponse.id, QuestionnaireResponse.scores_json, QuestionnaireResponse.items_json)
        .where(
            QuestionnaireResponse.instrument_version_id == version_id,
            QuestionnaireResponse.moment == "T0",
            QuestionnaireResponse.status == "submitted",
        )
        .order_by(col(QuestionnaireResponse.submitted_at).nulls_last(), col(QuestionnaireResponse.id))
        .limit(limit)
    ).all()
    # primary keys are never NULL: the cast only tells mypy so
    unscored = cast("list[int]", [rid for rid, scores, items in rows if scores is None or items is None])
    computed = scores_from_answers(session, unscored)
    out: list[tuple[Mapping[str, float | None], Mapping[str, float]]] = []
    for rid, scores, items in rows:
        if rid in computed:
            out.append((computed[rid].scales, computed[rid].items))
        else:
            assert scores is not None and items is not None
            out.append((decode_scores(scores)[0], decode_items(items)))
    return out
