"""The columnar data set (``monitor.report.dataset.Columns``): filled chunk by chunk from the query rows, in enrolment
order, with the same content however the rows are chunked, and the same people as ``Person`` objects."""

from __future__ import annotations

import math

import numpy as np
import pytest

from monitor.questionnaire.instrument import MOMENTS
from monitor.report import dataset
from monitor.report.dataset import NO_GEBIED, Columns, Person, Scope, load_dataset


def _as_lists(c: Columns) -> dict:
    """Every column as plain lists (NaN as None), for exact comparison."""

    def plain(a: np.ndarray) -> list:
        return [None if isinstance(v, float) and math.isnan(v) else v for v in a.tolist()]

    out = {
        name: plain(getattr(c, name))
        for name in (
            "enrolment_id",
            "user_id",
            "cohort_id",
            "wijk_id",
            "gebied_id",
            "modules_completed",
            "modules_required",
            "mean_check",
        )
    }
    for name in ("submitted", "version", "response_id", "scored", "scores", "then"):
        out[name] = {str(k): plain(v) for k, v in getattr(c, name).items()}
    return out


def test_people_come_in_enrolment_order_with_their_wijk_and_gebied(db, scored):
    org, inst, _ = scored
    c = load_dataset(db, scope=Scope(organisation_id=org.id), instrument=inst).columns
    assert len(c) == 40
    assert c.enrolment_id.tolist() == sorted(c.enrolment_id.tolist())
    from training.models import Enrolment, Wijk

    for i, eid in enumerate(c.enrolment_id.tolist()):
        e = db.get(Enrolment, eid)
        wijk = db.get(Wijk, e.wijk_id)
        assert (c.user_id[i], c.cohort_id[i], c.wijk_id[i]) == (e.user_id, e.cohort_id, e.wijk_id)
        assert c.gebied_id[i] == (NO_GEBIED if wijk.gebied_id is None else wijk.gebied_id)
    assert (c.gebied_id == NO_GEBIED).sum() == 4  # Hillesluis has no gebied


def test_the_columns_do_not_depend_on_how_the_rows_are_chunked(db, scored, monkeypatch):
    org, inst, _ = scored
    scope = Scope(organisation_id=org.id)
    whole = _as_lists(load_dataset(db, scope=scope, instrument=inst).columns)
    monkeypatch.setattr(dataset, "CHUNK", 3)  # 40 people, ≈ 74 responses: many chunks, some with one moment only
    chunked = _as_lists(load_dataset(db, scope=scope, instrument=inst).columns)
    assert chunked == whole
    assert sum(whole["scored"]["T1"]) > 25 and any(v is not None for v in whole["then"]["ZEL"])


def test_the_columns_hold_what_the_responses_hold(db, scored):
    org, inst, answers = scored
    c = load_dataset(db, scope=Scope(organisation_id=org.id), instrument=inst).columns
    for i, eid in enumerate(c.enrolment_id.tolist()):
        for moment in MOMENTS:
            assert bool(c.submitted[moment][i]) == ((eid, moment) in answers)
            assert bool(c.scored[moment][i]) == ((eid, moment) in answers)
            assert (c.response_id[moment][i] > 0) == ((eid, moment) in answers)
        if (eid, "T1") not in answers:  # no T1: no then-test score either
            assert all(math.isnan(c.then[s][i]) for s in c.then)


def test_a_response_of_someone_outside_the_people_read_is_left_out():
    """Between reading the people and their responses someone may join the scope; their rows are skipped, not
    written onto a neighbour's position (which ``searchsorted`` alone would do)."""
    scales = ["KEN", "TOE"]
    c = Columns.empty(2, scales)
    c.enrolment_id[:] = [10, 20]
    scores = '{"s":{"KEN":3.0,"TOE":4.0},"t":{}}'
    rows = [(1, 10, "T0", 7, scores), (2, 15, "T0", 7, scores), (3, 25, "T0", 7, scores), (4, 20, "T1", 7, None)]
    unscored = dataset._fill_chunk(c, rows, np.array([7]), scales)
    assert c.submitted["T0"].tolist() == [True, False] and c.response_id["T0"].tolist() == [1, 0]
    assert c.scores[("T0", "KEN")][0] == 3.0 and math.isnan(c.scores[("T0", "KEN")][1])
    assert c.submitted["T1"].tolist() == [False, True] and not c.scored["T1"].any()
    assert [r[0] for r in unscored] == [4]  # on a version of the data set but without stored scores


def test_a_response_on_a_version_outside_the_data_set_counts_as_submitted_without_scores():
    scales = ["KEN"]
    c = Columns.empty(1, scales)
    c.enrolment_id[:] = [10]
    assert dataset._fill_chunk(c, [(1, 10, "T0", 8, '{"s":{"KEN":3.0},"t":{}}')], np.array([7]), scales) == []
    assert c.submitted["T0"][0] and c.version["T0"][0] == 8 and not c.scored["T0"][0]
    assert math.isnan(c.scores[("T0", "KEN")][0])


def test_people_and_columns_convert_both_ways():
    p = Person(
        5,
        50,
        2,
        3,
        None,
        submitted={"T0", "T1"},
        version={"T0": 1, "T1": 1},
        scores={"T0": {"KEN": 2.5, "TOE": None}, "T1": {"KEN": 3.5, "TOE": 4.0}},
        then_scores={"KEN": 2.0},
        response_ids={"T0": 11, "T1": 12},
        modules_completed=4,
        modules_required=None,
        mean_check_score=0.75,
    )
    q = Person(
        6,
        60,
        2,
        4,
        9,
        submitted={"T0"},
        version={"T0": 1},
        scores={"T0": {"KEN": 1.0, "TOE": 2.0}},
        response_ids={"T0": 13},
        modules_completed=0,
        modules_required=6,
    )
    c = Columns.of_people([p, q], ["KEN", "TOE"])
    assert c.gebied_id.tolist() == [NO_GEBIED, 9] and c.modules_required.tolist() == [0, 6]
    assert math.isnan(c.scores[("T0", "TOE")][0]) and math.isnan(c.then["KEN"][1])
    back = [c.person(i, ["KEN", "TOE"]) for i in range(2)]
    assert back[0] == p
    assert back[1] == q


@pytest.mark.parametrize("n", [0, 1])
def test_empty_and_single_person_columns(n):
    c = Columns.empty(n, ["KEN"])
    assert len(c) == n and all(len(v) == n for v in c.scores.values())


@pytest.mark.parametrize(
    "dicts, expected",
    [
        ([], []),
        ([{"KEN": 1.0, "ZEL": 2.0}, {"KEN": None, "ZEL": 3.0}], [[1.0, None, 2.0], [None, None, 3.0]]),
        # one lacks a scale the other has (two versions in one chunk): read one by one, nothing shifted
        ([{"KEN": 1.0, "ZEL": 2.0}, {"ZEL": 3.0}], [[1.0, None, 2.0], [None, None, 3.0]]),
        ([{"ZEL": 3.0}, {"KEN": 1.0, "ZEL": 2.0}], [[None, None, 3.0], [1.0, None, 2.0]]),
        # a scale the current instrument no longer has is ignored
        ([{"OUD": 4.0, "KEN": 1.0}, {"KEN": 2.0, "OUD": 5.0}], [[1.0, None, None], [2.0, None, None]]),
        ([{"OUD": 4.0}], [[None, None, None]]),
    ],
)
def test_scale_matrix_puts_every_score_under_its_own_scale(dicts, expected):
    matrix = dataset._scale_matrix(dicts, ["KEN", "VAA", "ZEL"])
    assert matrix.shape == (len(dicts), 3)
    assert [[None if math.isnan(v) else v for v in row] for row in matrix.tolist()] == expected
