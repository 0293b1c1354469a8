"""Research and aggregate exports as files: fresh pseudonyms, safe wijk labels, SPSS equal to the long file, audit."""

from __future__ import annotations

import csv
import json
import random
import re
from collections import Counter

import pytest
from sqlmodel import select

from monitor.exports.audit import CLI
from monitor.exports.research import LONG_COLUMNS, PERSON_COLUMNS, Pseudonymiser, write_research_file
from monitor.models import AuditEvent, OpenAnswer
from monitor.report.disclosure import Thresholds
from tests.monitor.builders import instrument, make_org, make_person, random_answers, submit
from training.models import Role, User

SECRET_TEXT = "GEHEIM-OPEN-ANTWOORD"
SIZES = {"Noord A": 12, "Noord B": 3, "Zuid A": 12, "Zuid B": 8, "Oost A": 2}
WIJKEN = {"Noord A": "Noord", "Noord B": "Noord", "Zuid A": None, "Zuid B": None, "Oost A": "Oost"}


@pytest.fixture
def exported(demo):
    """The demo data plus an organisation with a small wijk in a gebied, a small gebied, then-test answers and open
    answers; a manager of it (m@export.local, demo password)."""
    db = demo
    rng = random.Random(11)
    inst = instrument()
    org, wijken, cohort = make_org(db, name="Exportgemeente", wijken=WIJKEN)
    for name, n in SIZES.items():
        for i in range(n):
            e = make_person(db, org=org, wijk=wijken[name], cohort=cohort, tag=f"{name}{i}")
            t0 = submit(db, enrolment=e, moment="T0", answers=random_answers(rng, inst, "T0"), inst=inst)
            db.add(OpenAnswer(response_id=t0.id, question_id="O1", text=f"{SECRET_TEXT} over mevrouw Jansen"))
            if i % 5 != 4:
                then = {item.id: rng.randint(1, 4) for item in inst.then_test_items()}
                submit(
                    db,
                    enrolment=e,
                    moment="T1",
                    answers=random_answers(rng, inst, "T1", shift=0.5),
                    then_answers=then,
                    inst=inst,
                )
    demo_hash = db.exec(select(User).where(User.email == "manager@demo.local")).one().password_hash
    db.add(
        User(name="M", email="m@export.local", role=Role.manager.value, organisation_id=org.id, password_hash=demo_hash)
    )
    db.commit()
    return org, wijken, cohort, inst


def _write(db, org, inst, kind, path, pseudonymiser=None):
    count = write_research_file(
        db,
        organisation=org,
        instrument=inst,
        thresholds=Thresholds(),
        kind=kind,
        path=path,
        user_id=None,
        channel=CLI,
        pseudonymiser=pseudonymiser,
    )
    db.commit()
    return count


def _rows(path):
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_spss_file_sets_measurement_levels_integer_formats_and_names_reverse_keyed_items(db, exported, tmp_path):
    import pyreadstat

    org, _, _, inst = exported
    _write(db, org, inst, "spss", tmp_path / "data.sav")
    _, meta = pyreadstat.read_sav(str(tmp_path / "data.sav"), user_missing=True, metadataonly=True)
    measure, formats, labels = meta.variable_measure, meta.original_variable_types, meta.column_names_to_labels
    assert measure["KEN1_T0"] == "ordinal" and formats["KEN1_T0"] == "F2.0"
    assert measure["KEN_T0"] == "scale" and measure["KEN_change_T0_T1"] == "scale" and formats["KEN_T0"] == "F8.2"
    assert measure["pseudonym"] == measure["wijk"] == "nominal"
    assert "unknown" not in set(measure.values())  # PSPP read every variable as nominal before
    assert meta.variable_value_labels["KEN1_T0"][1.0] == "helemaal mee oneens"
    assert labels["ATT3_T0"].startswith("[reverse-keyed: scored 6 − answer]")
    assert "reverse" not in labels["ATT1_T0"]


def test_spss_file_holds_the_long_exports_values_per_pseudonym_and_item(db, exported, tmp_path):
    import pyreadstat

    org, _, _, inst = exported
    same = Pseudonymiser()
    _write(db, org, inst, "long", tmp_path / "long.csv", same)
    _write(db, org, inst, "spss", tmp_path / "data.sav", same)
    df, meta = pyreadstat.read_sav(str(tmp_path / "data.sav"), user_missing=True)
    by_pseudonym = {row["pseudonym"]: row for row in df.to_dict("records")}
    long = _rows(tmp_path / "long.csv")
    assert long and set(by_pseudonym) == {r["pseudonym"] for r in long}
    compared = missing = 0
    for r in long:
        column = f"{r['item']}_{r['moment'].replace('-then', 'then')}"
        got = by_pseudonym[r["pseudonym"]][column]
        if r["value"]:
            assert got == float(r["value"]), (r, got)
            compared += 1
        elif r["missing_code"]:
            assert got >= 97  # declared user-missing, labelled in the file
            assert meta.variable_value_labels[column][got]
            missing += 1
        assert by_pseudonym[r["pseudonym"]]["wijk"] == r["wijk"]
    assert compared > 1000 and missing > 0
    assert meta.column_names_to_labels["KEN1_T0"].startswith("T0: Ik kan uitleggen")
    assert meta.variable_value_labels["KEN1_T0"][1.0] == "helemaal mee oneens"
    assert "KEN_rci_T0_T1" in df.columns and "ZEL1_T1then" in df.columns


def test_every_export_gets_new_pseudonyms_without_ids_names_emails_or_open_answers(db, exported, tmp_path):
    org, _, _, inst = exported
    _write(db, org, inst, "long", tmp_path / "a.csv")
    _write(db, org, inst, "long", tmp_path / "b.csv")
    _write(db, org, inst, "wide", tmp_path / "w.csv")
    a, b = _rows(tmp_path / "a.csv"), _rows(tmp_path / "b.csv")
    first, second = {r["pseudonym"] for r in a}, {r["pseudonym"] for r in b}
    assert len(first) == len(second) == sum(SIZES.values())
    assert first.isdisjoint(second)
    assert all(re.fullmatch(r"[0-9a-f]{12}", p) for p in first)
    # Rows are in pseudonym order, so not even the order links two exports to each other or to enrolment ids.
    assert [r["pseudonym"] for r in a] == sorted(r["pseudonym"] for r in a)
    assert list(a[0]) == list(LONG_COLUMNS)
    text = "".join(p.read_text(encoding="utf-8") for p in tmp_path.glob("*.csv"))
    for forbidden in (SECRET_TEXT, "Jansen", "Persoon", "@", "test.local"):
        assert forbidden not in text
    assert {r["item"] for r in a}.isdisjoint({"O1", "O2", "O3", "functie"})  # no open or background answers
    assert {r["moment"] for r in a} == {"T0", "T1", "T1-then"}


def test_small_wijken_are_reported_as_gebied_or_overig_by_the_disclosure_plan(db, exported, tmp_path):
    org, _, _, inst = exported
    _write(db, org, inst, "wide", tmp_path / "w.csv")
    labels = Counter(r["wijk"] for r in _rows(tmp_path / "w.csv"))
    assert all(n >= 5 for n in labels.values()), labels
    assert "Noord B" not in labels and "Oost A" not in labels and "Oost (gebied)" not in labels
    # Noord B (3) is withheld, so its only sibling Noord A is too: both become their gebied.
    assert labels["Noord (gebied)"] == 15 and labels["Zuid A"] == 12
    assert labels["overig"] >= 5


def test_wide_export_has_scores_changes_and_rci_from_the_pooled_reliability(db, exported, tmp_path):
    org, _, _, inst = exported
    _write(db, org, inst, "wide", tmp_path / "w.csv")
    rows = _rows(tmp_path / "w.csv")
    with_pair = [r for r in rows if r["KEN_T0"] and r["KEN_T1"]]
    assert with_pair and all(r["KEN_T2"] == "" for r in rows)
    r = with_pair[0]
    change = float(r["KEN_T1"]) - float(r["KEN_T0"])
    assert float(r["KEN_change_T0_T1"]) == pytest.approx(change)
    ratio = float(r["KEN_rci_T0_T1"]) / change if change else None
    assert ratio is None or ratio > 0
    assert {float(x["ZEL_T1then"]) for x in rows if x["ZEL_T1then"]}
    # FAC is a context scale: its scores are there, its change and reliable change are not.
    assert "FAC_T0" in r and not any(k.startswith(("FAC_change", "FAC_rci")) for k in r)


def test_codebook_lists_items_wording_keying_labels_and_missing_codes(db, exported, tmp_path):
    org, _, _, inst = exported
    assert _write(db, org, inst, "codebook_csv", tmp_path / "c.csv") == 2 + 32  # wijk, cohort, then the items
    _write(db, org, inst, "codebook_json", tmp_path / "c.json")
    rows = {r["item"]: r for r in _rows(tmp_path / "c.csv")}
    assert "k = 5" in rows["wijk"]["text"] and "as their gebied" in rows["wijk"]["text"]
    assert rows["ATT3"]["reverse_keyed"] == "true" and rows["KEN1"]["reverse_keyed"] == "false"
    assert "weet_niet=weet ik niet (SPSS 97)" in rows["FAC1"]["missing_codes"]
    assert "1=helemaal mee oneens" in rows["KEN1"]["value_labels"]
    document = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert document["versions"][0]["items"][0]["id"] == "KEN1" and "pseudonym" in document["long_format"]
    control = document["disclosure_control"]
    assert control["k"] == 5 and control["quasi_identifiers"] == ["wijk", "cohort"]
    assert control["smallest_combination"] >= 5 and sum(control["wijk"].values()) == sum(SIZES.values())


def test_each_export_writes_one_audit_row_with_format_and_row_count(db, exported, tmp_path):
    org, _, _, inst = exported
    before = len(db.exec(select(AuditEvent)).all())
    n_long = _write(db, org, inst, "long", tmp_path / "l.csv")
    n_spss = _write(db, org, inst, "spss", tmp_path / "s.sav")
    events = db.exec(select(AuditEvent).order_by(AuditEvent.id)).all()[before:]
    assert [(e.action, e.format, e.row_count, e.channel) for e in events] == [
        ("export.research_long", "csv", n_long, "cli"),
        ("export.research_spss", "sav", n_spss, "cli"),
    ]
    assert n_long == len(_rows(tmp_path / "l.csv")) and n_spss == sum(SIZES.values())
    assert all(e.organisation_id == org.id and e.user_id is None for e in events)
    assert SECRET_TEXT not in "".join(e.scope_json for e in events)


def _monitor_reliability(db, org, inst):
    """The RCI reference the monitor classifies with (the version's, monitor.report.references) and the data."""
    from monitor.report.dataset import Scope, load_dataset
    from monitor.report.references import rci_references

    data = load_dataset(db, scope=Scope(organisation_id=org.id, instrument_id=inst.id), instrument=inst)
    refs = rci_references(db, instrument=inst)
    return data, {scale: (r.reliability, r.sd_t0) for scale, r in refs.items()}


@pytest.mark.parametrize("stored", [False, True], ids=["scored-from-answers", "stored-scores"])
def test_research_plan_matches_the_monitors_reliability_and_scores_without_holding_them(db, exported, stored):
    """The plan streams the T0 responses instead of loading the data set; its α and SD must be the monitor's, and
    the wide rows must carry each person's scores as the monitor's data set holds them."""
    from monitor.exports.research import plan_research_export, wide_rows
    from monitor.questionnaire.stored_scores import store_scores

    org, _, _, inst = exported
    if stored:
        from monitor.models import QuestionnaireResponse

        for rid in db.exec(select(QuestionnaireResponse.id).where(QuestionnaireResponse.status == "submitted")):
            store_scores(db, rid)
        db.flush()
    plan = plan_research_export(db, organisation=org, instrument=inst, thresholds=Thresholds())
    data, expected = _monitor_reliability(db, org, inst)
    assert set(plan.reliability) == set(expected)
    for scale, (alpha, sd) in expected.items():
        got_alpha, got_sd, s_diff = plan.reliability[scale]
        assert alpha is not None and got_alpha == pytest.approx(alpha, abs=1e-12)
        assert got_sd == pytest.approx(sd, abs=1e-12)
        assert s_diff == pytest.approx(sd * (2 * (1 - alpha)) ** 0.5, rel=1e-12)
    assert not any(hasattr(e, "person") for e in plan.people)  # no scores held per person in the plan
    by_enrolment = {p.enrolment_id: p for p in data.people}
    rows = list(wide_rows(db, plan, chunk_size=7))  # chunks that split people across reads
    assert [r[0] for r in rows] == [e.pseudonym for e in plan.people] and len(rows) == len(data.people) - sum(
        1 for p in data.people if not p.submitted
    )
    for e, row in zip(plan.people, rows, strict=True):
        p = by_enrolment[e.enrolment_id]
        first = len(PERSON_COLUMNS)  # pseudonym, wijk, cohort and the research choice's version and date
        assert row[first : first + 3] == tuple(
            p.scores.get(m, {}).get("KEN") if m in p.submitted else None for m in ("T0", "T1", "T2")
        )
