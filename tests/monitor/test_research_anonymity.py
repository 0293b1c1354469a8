"""k-anonymity of the research files: every wijk × cohort combination holds at least k people, nobody's scores lost."""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from monitor.exports.anonymity import OTHER, SUPPRESSED, Subject, k_anonymise
from monitor.exports.audit import CLI
from monitor.exports.research import Pseudonymiser, write_research_file
from monitor.report.disclosure import Thresholds
from tests.monitor.builders import instrument, make_org, make_person, random_answers, submit
from training.models import Cohort, Organisation

# --- the rule on its own (Hypothesis) ------------------------------------------------------------------------


@st.composite
def subjects(draw):
    """People in wijken (some in a gebied), cohorts, with a disclosure-plan label that may already be coarse; a few
    people with two enrolments."""
    n_wijken = draw(st.integers(1, 6))
    gebied_of = [draw(st.sampled_from(["G1 (gebied)", "G2 (gebied)", None])) for _ in range(n_wijken)]
    n = draw(st.integers(0, 60))
    out = []
    for key in range(n):
        w = draw(st.integers(0, n_wijken - 1))
        start = draw(st.sampled_from(["wijk", "gebied", "overig"]))
        gebied = gebied_of[w] or OTHER
        label = {"wijk": f"W{w}", "gebied": gebied, "overig": OTHER}[start]
        twice = key > 0 and draw(st.integers(0, 9)) == 0  # a second enrolment of someone already drawn
        person = 1000 + (draw(st.integers(0, key - 1)) if twice else key)
        out.append(
            Subject(
                key, person, label, gebied if label != OTHER else OTHER, f"C{draw(st.integers(0, 3))}", start == "wijk"
            )
        )
    return out


@settings(max_examples=300, deadline=None)
@given(subjects(), st.integers(1, 7))
def test_every_combination_holds_k_people_and_values_only_get_coarser(people, k):
    result = k_anonymise(people, k)
    classes = defaultdict(set)
    for s in people:
        wijk, cohort = result.labels[s.key]
        assert wijk in (s.wijk, s.gebied, OTHER) and cohort in (s.cohort, SUPPRESSED)
        classes[(wijk, cohort)].add(s.person)
    if len({s.person for s in people}) >= k:
        assert all(len(p) >= k for p in classes.values()), {c: len(p) for c, p in classes.items()}
    else:  # fewer than k people in all: everything suppressed
        assert set(classes) <= {(OTHER, SUPPRESSED)}
    summary = result.summary
    assert sum(summary["wijk"].values()) == sum(summary["cohort"].values()) == len(people)
    assert summary["smallest_combination"] == min((len(p) for p in classes.values()), default=0)
    # Deterministic: the order the people come in changes nothing.
    assert k_anonymise(list(reversed(people)), k).labels == result.labels


@settings(max_examples=100, deadline=None)
@given(subjects())
def test_nothing_is_coarsened_when_every_combination_is_already_big_enough(people):
    distinct = defaultdict(set)
    for s in people:
        distinct[(s.wijk, s.cohort)].add(s.person)
    k = min((len(v) for v in distinct.values()), default=1)
    result = k_anonymise(people, k)
    assert all(result.labels[s.key] == (s.wijk, s.cohort) for s in people)


def test_a_small_cohort_in_a_big_wijk_is_generalised_to_the_gebied_before_anything_is_suppressed():
    people = [Subject(i, i, "Noord A", "Noord (gebied)", "voorjaar", True) for i in range(10)]
    people += [Subject(10 + i, 10 + i, "Noord A", "Noord (gebied)", "najaar", True) for i in range(3)]
    people += [Subject(20 + i, 20 + i, "Noord B", "Noord (gebied)", "najaar", True) for i in range(2)]
    result = k_anonymise(people, 5)
    assert {result.labels[i] for i in range(10)} == {("Noord A", "voorjaar")}
    assert {result.labels[s.key] for s in people[10:]} == {("Noord (gebied)", "najaar")}
    assert result.summary["wijk"] == {"kept": 10, "gebied": 5, "overig": 0}
    assert result.summary["cohort"] == {"kept": 15, "suppressed": 0}


def test_a_too_small_suppressed_class_takes_people_from_the_class_with_most_to_spare():
    people = [Subject(i, i, "Zuid", OTHER, "voorjaar", True) for i in range(9)]
    people += [Subject(10, 10, "Oost", OTHER, "najaar", True)]
    result = k_anonymise(people, 5)
    written = [result.labels[s.key] for s in people]
    assert written.count((OTHER, SUPPRESSED)) == 5 and written.count(("Zuid", "voorjaar")) == 5
    assert result.summary["cohort"]["suppressed"] == 5


# --- the files (randomised data sets and the city data) ------------------------------------------------------


def _random_organisation(db, rng: random.Random, name: str) -> Organisation:
    """Wijken of 0–14 people in up to three gebieden (some without), 2–4 cohorts; everyone answered T0, most T1."""
    inst = instrument()
    n_wijken = rng.randint(3, 7)
    wijken = {f"{name} W{i}": rng.choice(["Noord", "Zuid", "Oost", None]) for i in range(n_wijken)}
    org, made, first = make_org(db, name=name, wijken=wijken)
    cohorts = [first] + [
        Cohort(
            organisation_id=org.id, name=f"{name} groep {i}", start_date=date(2026, i, 1), end_date=date(2026, 12, 31)
        )
        for i in range(2, rng.randint(3, 5))
    ]
    db.add_all(cohorts[1:])
    db.flush()
    for wijk_name, wijk in made.items():
        for i in range(rng.randint(0, 14)):
            e = make_person(db, org=org, wijk=wijk, cohort=rng.choice(cohorts), tag=f"{wijk_name}-{i}")
            submit(db, enrolment=e, moment="T0", answers=random_answers(rng, inst, "T0"), inst=inst)
            if rng.random() < 0.7:
                submit(db, enrolment=e, moment="T1", answers=random_answers(rng, inst, "T1", shift=0.4), inst=inst)
    db.commit()
    return org


def _export(db, org, inst, kind: str, path: Path, k: int, pseudonymiser: Pseudonymiser) -> None:
    write_research_file(
        db,
        organisation=org,
        instrument=inst,
        thresholds=Thresholds(min_n=k),
        kind=kind,
        path=path,
        user_id=None,
        channel=CLI,
        pseudonymiser=pseudonymiser,
    )


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _smallest_combination(rows) -> int:
    """The fewest people (pseudonyms, each counted once) in any wijk × cohort combination of the rows."""
    people = defaultdict(set)
    for r in rows:
        people[(r["wijk"], r["cohort"])].add(r["pseudonym"])
    return min(len(p) for p in people.values())


def _assert_k_anonymous_and_complete(db, org, inst, tmp_path: Path, k: int) -> dict:
    """Long, wide and .sav at k: each combination ≥ k; against the same export at k = 1 (nothing coarsened), every
    row is there with the very same scores and answers, only wijk and cohort may differ."""
    import pyreadstat

    same = Pseudonymiser()
    for kind, name in (("long", "long.csv"), ("wide", "wide.csv"), ("spss", "data.sav")):
        _export(db, org, inst, kind, tmp_path / name, k, same)
        _export(db, org, inst, kind, tmp_path / f"open-{name}", 1, same)
    df, meta = pyreadstat.read_sav(str(tmp_path / "data.sav"))
    assert f"(k = {k})" in meta.column_names_to_labels["wijk"] and "suppressed" in meta.column_names_to_labels["cohort"]
    sav = df.to_dict("records")
    long, wide = _csv(tmp_path / "long.csv"), _csv(tmp_path / "wide.csv")
    assert min(_smallest_combination(long), _smallest_combination(wide), _smallest_combination(sav)) >= k
    for name, coarse in (("long.csv", long), ("wide.csv", wide)):
        full = _csv(tmp_path / f"open-{name}")
        assert len(coarse) == len(full)
        strip = [{c: v for c, v in r.items() if c not in ("wijk", "cohort")} for r in coarse]
        assert strip == [{c: v for c, v in r.items() if c not in ("wijk", "cohort")} for r in full]
    full_sav, _ = pyreadstat.read_sav(str(tmp_path / "open-data.sav"))
    assert df.drop(columns=["wijk", "cohort"]).equals(full_sav.drop(columns=["wijk", "cohort"]))
    assert [(r["wijk"], r["cohort"]) for r in sav] == [(r["wijk"], r["cohort"]) for r in wide]
    return {"wide": wide, "open": _csv(tmp_path / "open-wide.csv")}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_organisations_export_k_anonymous_files_with_every_persons_scores(db, tmp_path, seed):
    rng = random.Random(seed)
    inst = instrument()
    org = _random_organisation(db, rng, f"Random{seed}")
    files = _assert_k_anonymous_and_complete(db, org, inst, tmp_path, k=5)
    open_combinations = {(r["wijk"], r["cohort"]) for r in files["open"]}
    assert len(open_combinations) > len({(r["wijk"], r["cohort"]) for r in files["wide"]})  # something coarsened


def test_the_city_data_exports_k_anonymous_files(db, tmp_path):
    from demo.city_data import ORGANISATIONS, generate_city
    from training.content import load_modules

    inst = instrument()
    modules = load_modules(Path(__file__).resolve().parents[2] / "content" / "modules")
    generate_city(db, instrument=inst, modules=modules, scale_down=25)
    db.commit()
    org = db.exec(select(Organisation).where(Organisation.name == ORGANISATIONS[0][0])).one()
    files = _assert_k_anonymous_and_complete(db, org, inst, tmp_path, k=5)
    assert len(files["wide"]) >= 50
    coarse = sum(
        a["cohort"] != b["cohort"] or a["wijk"] != b["wijk"] for a, b in zip(files["wide"], files["open"], strict=True)
    )
    assert 0 < coarse < len(files["wide"])
