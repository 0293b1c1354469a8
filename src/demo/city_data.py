"""The city data set: three organisations, 120 wijken and 6,000 trainees with T0/T1/T2 responses, bulk-inserted.

It exists to measure the monitor at city scale (bench/bench_monitor.py) and to try the platform with realistic
volumes (`ract demo-data --scale city`). All people are fictional. Only the managers (``manager@city{N}.local``)
can sign in; every other account has no password hash.

Scaling: ``multiplier`` N multiplies the trainees *and* the wijken (copies of the base wijken, named "Bloemhof 2",
"Bloemhof 3", …) and the cohorts, so the people per wijk and per cohort stay the same and the monitor's overview
grows with N. ``scale_down`` divides trainees, wijken (at least four per organisation) and cohorts (at least two),
for tests.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, insert, select
from sqlmodel import Session, SQLModel, col

from demo.training_data import DEMO_PASSWORD, FIRST, LAST
from monitor.models import Answer, MeasurementWindow, QuestionnaireResponse
from monitor.questionnaire.instrument import Instrument
from monitor.questionnaire.stored_scores import compute_scores
from monitor.questionnaire.versions import get_or_create_version
from privacy.models import RESEARCH_EXPLANATION_VERSION, ResearchChoice
from training.content import Module
from training.ids import id_of
from training.models import (
    Cohort,
    CohortTrainer,
    Enrolment,
    Gebied,
    ModuleProgress,
    Organisation,
    Role,
    User,
    Wijk,
)
from training.passwords import hash_password

TRAINEES = 6000  # at multiplier 1
RATES = {"T0": 0.95, "T1": 0.80, "T2": 0.55}  # share of trainees with a submitted response per moment
MISSING_RATE = 0.05  # items without a value: a missing code where the format has one, else skipped
SMALL_WIJK_RATE = 0.10  # wijken with fewer than five trainees (below the monitor's threshold)
PROGRESS_RATE = 0.85  # trainees who started the modules
RESEARCH_DECLINE_RATE = 0.12  # trainees who said no to the evaluation research (privacy.research)
CHUNK = 10_000

# (organisation, cohorts at 1×, {gebied: [wijken]}). Rotterdam's names are real wijken; the rest is plausible.
ORGANISATIONS: list[tuple[str, int, dict[str, list[str]]]] = [
    (
        "Gemeente Rotterdam (stad)",
        6,
        {
            "Centrum": [
                "Stadsdriehoek",
                "Cool",
                "CS-kwartier",
                "Oude Westen",
                "Nieuwe Werk",
                "Dijkzigt",
                "Scheepvaartkwartier",
            ],
            "Delfshaven": [
                "Bospolder-Tussendijken",
                "Spangen",
                "Nieuwe Westen",
                "Middelland",
                "Historisch Delfshaven",
                "Schiemond",
                "Witte Dorp",
                "Oud-Mathenesse",
            ],
            "Noord": [
                "Oude Noorden",
                "Agniesebuurt",
                "Provenierswijk",
                "Bergpolder",
                "Liskwartier",
                "Blijdorp",
                "Blijdorpsepolder",
            ],
            "Kralingen-Crooswijk": [
                "Rubroek",
                "Nieuw Crooswijk",
                "Oud Crooswijk",
                "Kralingen-West",
                "Kralingen-Oost",
                "De Esch",
                "Struisenburg",
            ],
            "Feijenoord": [
                "Afrikaanderwijk",
                "Bloemhof",
                "Hillesluis",
                "Feijenoord",
                "Noordereiland",
                "Kop van Zuid-Entrepot",
                "Vreewijk",
                "Katendrecht",
            ],
            "Charlois": [
                "Tarwewijk",
                "Carnisse",
                "Oud-Charlois",
                "Wielewaal",
                "Zuidwijk",
                "Pendrecht",
                "Zuidplein",
                "Heijplaat",
            ],
            "IJsselmonde": ["Beverwaard", "Groot-IJsselmonde", "Lombardijen", "Oud-IJsselmonde"],
            "Prins Alexander": [
                "Het Lage Land",
                "Ommoord",
                "Zevenkamp",
                "Oosterflank",
                "Prinsenland",
                "Kralingseveer",
                "'s-Gravenland",
                "Nesselande",
            ],
            "Hillegersberg-Schiebroek": [
                "Hillegersberg-Noord",
                "Hillegersberg-Zuid",
                "Schiebroek",
                "Terbregge",
                "Molenlaankwartier",
            ],
            "Overschie": ["Overschie", "Kleinpolder", "Landzicht", "Zestienhoven", "Schieveen"],
            "Hoogvliet": ["Hoogvliet-Noord", "Hoogvliet-Zuid"],
            "Pernis": ["Pernis"],
            "Rozenburg": ["Rozenburg"],
            "Hoek van Holland": ["Hoek van Holland"],
        },
    ),
    (
        "Gemeente Schiedam",
        3,
        {
            "Centrum": ["Binnenstad", "Stadserf", "Havens", "Schiedam-Oost", "Bloemwijk"],
            "Noord": ["Kethel", "Oud-Kethel", "Spaland", "Woudhoek-Noord", "Woudhoek-Zuid", "Sveaparken"],
            "Nieuwland": ["Nieuwland-Noord", "Nieuwland-Zuid", "Tuindorp", "Frankeland", "West-Frankeland"],
            "Groenoord": ["Groenoord-Noord", "Groenoord-Zuid", "Bijdorp", "Harga", "Vijfsluizen"],
            "Zuid": ["Gorzen", "Hof van Spaland", "Schiedam-Noord", "Nieuw-Mathenesse", "Spaansepolder"],
        },
    ),
    (
        "Gemeente Vlaardingen",
        3,
        {
            "Holy": ["Holy-Noord", "Holy-Zuid", "Broekpolder", "Holierhoek"],
            "Westwijk": ["Westwijk", "Babberspolder-West", "Babberspolder-Oost", "Vettenoordse Polder", "Rivierzone"],
            "Centrum": ["Binnenstad", "Oostwijk", "Indische Buurt", "Waalpark", "Het Hof"],
            "Ambacht": [
                "Ambacht",
                "Vlaardinger-Ambacht",
                "Oost-Vlaardingen",
                "Rivierwijk",
                "Zuidbuurt",
                "Lange Weg",
                "Bijdorpse Polder",
                "Marnixlaan",
            ],
        },
    ),
]
CITY_MARKER = ORGANISATIONS[0][0]


def city_data_present(session: Session) -> bool:
    return (
        session.execute(select(col(Organisation.id)).where(col(Organisation.name) == CITY_MARKER)).first() is not None
    )


def generate_city(
    session: Session,
    *,
    instrument: Instrument,
    modules: Sequence[Module],
    multiplier: int = 1,
    seed: int = 2026,
    scale_down: int = 1,
    today: date | None = None,
) -> dict[str, int]:
    """Create the city data set in the session's transaction (the caller commits). Idempotent: returns {} and
    changes nothing when the city organisations are already there."""
    if multiplier < 1 or scale_down < 1:
        raise ValueError("multiplier and scale_down must be at least 1")
    if city_data_present(session):
        return {}
    rng = random.Random(seed)
    today = today or date.today()
    version_id = id_of(get_or_create_version(session, instrument=instrument))
    manager_hash = hash_password(DEMO_PASSWORD)  # one argon2 run: the only accounts that can sign in
    now = datetime.now(UTC)
    total = round(TRAINEES * multiplier / scale_down)
    base_wijken = sum(len(w) for _, _, g in ORGANISATIONS for w in g.values())
    counts = {
        "organisations": 0,
        "gebieden": 0,
        "wijken": 0,
        "cohorts": 0,
        "trainees": 0,
        "responses": 0,
        "answers": 0,
        "module_progress": 0,
    }
    trainee_no = 0
    for org_no, (org_name, base_cohorts, gebieden) in enumerate(ORGANISATIONS, start=1):
        org_id = _insert(session, _table(Organisation), [{"name": org_name}])[0]
        wijk_names = _wijk_names(gebieden, multiplier, scale_down)
        gebied_ids = dict(
            zip(
                sorted({g for g, _ in wijk_names}),
                _insert(
                    session,
                    _table(Gebied),
                    [{"organisation_id": org_id, "name": g} for g in sorted({g for g, _ in wijk_names})],
                ),
                strict=True,
            )
        )
        wijk_ids = _insert(
            session,
            _table(Wijk),
            [{"organisation_id": org_id, "gebied_id": gebied_ids[g], "name": w} for g, w in wijk_names],
        )
        org_total = round(total * sum(len(w) for w in gebieden.values()) / base_wijken)
        sizes = wijk_sizes(len(wijk_ids), org_total, rng)
        n_cohorts = max(2, round(base_cohorts * multiplier / scale_down))
        cohorts = _cohorts(session, org_id, org_name, n_cohorts, today, rng)
        _staff(session, org_id, org_no, cohorts, manager_hash, now)

        trainees = []
        for wijk_id, size in zip(wijk_ids, sizes, strict=True):
            wijk_gain = rng.gauss(0, 0.15)  # wijken differ a little in how much their people grow
            for _ in range(size):
                trainee_no += 1
                trainees.append((wijk_id, rng.choice(cohorts), wijk_gain, trainee_no))
        user_ids = _insert(
            session,
            _table(User),
            [
                _user(
                    f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    f"deelnemer{no}@city{org_no}.local",
                    Role.trainee,
                    org_id,
                    wijk_id,
                    None,
                    now,
                )
                for wijk_id, _, _, no in trainees
            ],
        )
        enrolment_ids = _insert(
            session,
            _table(Enrolment),
            [
                {"cohort_id": cohort["id"], "user_id": uid, "wijk_id": wijk_id, "enrolled_at": _at(cohort["start"])}
                for uid, (wijk_id, cohort, _, _) in zip(user_ids, trainees, strict=True)
            ],
        )
        choices = _research_choices(user_ids, seed=seed + org_no, now=now)
        for start in range(0, len(choices), CHUNK):
            _insert(session, _table(ResearchChoice), choices[start : start + CHUNK], ids=False)
        counts["responses"] += _responses_and_answers(
            session,
            instrument,
            version_id,
            rng,
            [(eid, cohort, wijk_gain) for eid, (_, cohort, wijk_gain, _) in zip(enrolment_ids, trainees, strict=True)],
            counts,
        )
        counts["module_progress"] += _progress(
            session, modules, rng, [(uid, cohort) for uid, (_, cohort, _, _) in zip(user_ids, trainees, strict=True)]
        )
        counts["organisations"] += 1
        counts["gebieden"] += len(gebied_ids)
        counts["wijken"] += len(wijk_ids)
        counts["cohorts"] += len(cohorts)
        counts["trainees"] += len(trainees)
    return counts


def _research_choices(user_ids: list[int], *, seed: int, now: datetime) -> list[dict]:
    """About one in eight says no to research (a random stream of its own: the data above stay as they were)."""
    rng = random.Random(seed)
    return [
        {
            "user_id": uid,
            "agreed": rng.random() >= RESEARCH_DECLINE_RATE,
            "explanation_version": RESEARCH_EXPLANATION_VERSION,
            "chosen_at": now,
        }
        for uid in user_ids
    ]


def wijk_sizes(n_wijken: int, total: int, rng: random.Random) -> list[int]:
    """Trainees per wijk: about a tenth of the wijken (at least one) get 1–4 people, the rest share the remainder
    unevenly (weights drawn from 20–80, so most wijken hold 20–80 people at city scale)."""
    n_small = max(1, round(n_wijken * SMALL_WIJK_RATE))
    small = [rng.randint(1, 4) for _ in range(n_small)]
    rest = max(0, total - sum(small))
    weights = [rng.randint(20, 80) for _ in range(n_wijken - n_small)]
    big = [math.floor(rest * w / sum(weights)) for w in weights] if weights else []
    for i in sorted(range(len(big)), key=lambda i: -weights[i])[: rest - sum(big)]:
        big[i] += 1
    sizes = small + big
    rng.shuffle(sizes)
    return sizes


def _wijk_names(gebieden: dict[str, list[str]], multiplier: int, scale_down: int) -> list[tuple[str, str]]:
    base = [(g, w) for g, wijken in gebieden.items() for w in wijken]
    names = [(g, w if copy == 1 else f"{w} {copy}") for copy in range(1, multiplier + 1) for g, w in base]
    keep = max(4, math.ceil(len(names) / scale_down))
    return names[:: max(1, len(names) // keep)][:keep] if scale_down > 1 else names


def _cohorts(session: Session, org_id: int, org_name: str, n: int, today: date, rng: random.Random) -> list[dict]:
    """Cohorts that started 11 to 30 months ago, so that all three measurement windows are in the past."""
    rows = []
    for i in range(n):
        start = today - timedelta(days=900 - round(570 * i / max(1, n - 1)) + rng.randint(0, 10))
        rows.append(
            {
                "organisation_id": org_id,
                "name": f"Regie-ondersteuners {start:%Y-%m} groep {i + 1}",
                "start_date": start,
                "end_date": start + timedelta(days=120),
                "require_t0_before_modules": False,
                "reminder_days": "7,2",
                "created_at": _at(start - timedelta(days=30)),
            }
        )
    ids = _insert(session, _table(Cohort), rows)
    cohorts: list[dict[str, Any]] = [
        {"id": cid, "start": r["start_date"], "end": r["end_date"]} for cid, r in zip(ids, rows, strict=True)
    ]
    windows = []
    for c in cohorts:
        c["windows"] = {
            "T0": (c["start"] - timedelta(days=14), c["start"] + timedelta(days=14)),
            "T1": (c["end"] - timedelta(days=7), c["end"] + timedelta(days=21)),
            "T2": (c["end"] + timedelta(days=90), c["end"] + timedelta(days=150)),
        }
        windows += [
            {"cohort_id": c["id"], "moment": m, "opens_on": o, "closes_on": cl, "open_rule": "date"}
            for m, (o, cl) in c["windows"].items()
        ]
    _insert(session, _table(MeasurementWindow), windows, ids=False)
    return cohorts


def _staff(session: Session, org_id: int, org_no: int, cohorts: list[dict], manager_hash: str, now: datetime) -> None:
    """One manager who can sign in (the demo password) and one trainer per cohort who cannot."""
    _insert(
        session,
        _table(User),
        [_user(f"Manager stad {org_no}", f"manager@city{org_no}.local", Role.manager, org_id, None, manager_hash, now)],
        ids=False,
    )
    trainer_ids = _insert(
        session,
        _table(User),
        [
            _user(f"Trainer {org_no}-{i}", f"trainer{i}@city{org_no}.local", Role.trainer, org_id, None, None, now)
            for i in range(1, len(cohorts) + 1)
        ],
    )
    _insert(
        session,
        _table(CohortTrainer),
        [{"cohort_id": c["id"], "user_id": t} for c, t in zip(cohorts, trainer_ids, strict=True)],
        ids=False,
    )


def _user(
    name: str, email: str, role: Role, org_id: int, wijk_id: int | None, password_hash: str | None, now: datetime
) -> dict:
    return {
        "name": name,
        "email": email,
        "password_hash": password_hash,
        "role": role.value,
        "organisation_id": org_id,
        "wijk_id": wijk_id,
        "is_active": True,
        "session_version": 1,
        "failed_logins": 0,
        "created_at": now,
    }


def _responses_and_answers(
    session: Session,
    instrument: Instrument,
    version_id: int,
    rng: random.Random,
    people: list[tuple[int, dict, float]],
    counts: dict[str, int],
) -> int:
    """Submitted responses per moment (about RATES) and their answers: growth on average, not for everyone."""
    scales = [s.id for s in instrument.scales]
    plan = []  # (response row, answer rows without response_id)
    for eid, cohort, wijk_gain in people:
        has = {"T0": rng.random() < RATES["T0"], "T1": rng.random() < RATES["T1"]}
        has["T2"] = rng.random() < (0.64 if has["T1"] else 0.19)  # T2 mostly from those who did T1: ≈ 55%
        level = {s: rng.gauss(2.8, 0.55) for s in scales}
        gain = {s: rng.gauss(0.1 if s == "FAC" else 0.55, 0.45) + wijk_gain for s in scales}
        for moment in ("T0", "T1", "T2"):
            if not has[moment]:
                continue
            opens, closes = cohort["windows"][moment]
            submitted = _at(opens + timedelta(days=rng.randint(0, (closes - opens).days)), hour=rng.randint(8, 20))
            growth = {"T0": 0.0, "T1": 1.0, "T2": 0.85}[moment]
            response = {
                "enrolment_id": eid,
                "moment": moment,
                "instrument_id": instrument.id,
                "instrument_version_id": version_id,
                "status": "submitted",
                "started_at": submitted - timedelta(minutes=rng.randint(8, 40)),
                "submitted_at": submitted,
                "entered_by_user_id": None,
                "source": "web",
            }
            answers = answer_rows(instrument, moment, level, gain, growth, rng, submitted)
            scores = compute_scores(instrument, moment, [(a["item_id"], a["then_test"], a["value"]) for a in answers])
            response |= {"scores_json": scores.scores_json(), "items_json": scores.items_json()}
            plan.append((response, answers))
    for start in range(0, len(plan), CHUNK):
        part = plan[start : start + CHUNK]
        response_ids = _insert(session, _table(QuestionnaireResponse), [r for r, _ in part])
        rows = [dict(a, response_id=rid) for rid, (_, answers) in zip(response_ids, part, strict=True) for a in answers]
        for a in range(0, len(rows), CHUNK):
            _insert(session, _table(Answer), rows[a : a + CHUNK], ids=False)
        counts["answers"] += len(rows)
    return len(plan)


def answer_rows(
    instrument: Instrument,
    moment: str,
    level: dict[str, float],
    gain: dict[str, float],
    growth: float,
    rng: random.Random,
    answered_at: datetime,
) -> list[dict]:
    """The closed answers of one response: reverse-keyed items mirrored, about 5% missing, the then-test at T1 and
    the background questions' codes (stored in missing_code, like the web form does)."""
    rows = []
    for item in instrument.items_for(moment):
        fmt = instrument.format_of(item)
        if rng.random() < MISSING_RATE:
            if fmt.missing:
                rows.append(_answer(item.id, False, None, fmt.missing[0].code, answered_at))
            continue
        agreement = _clamp(level[item.scale] + gain[item.scale] * growth + rng.gauss(0, 0.6), fmt.min, fmt.max)
        rows.append(
            _answer(item.id, False, fmt.min + fmt.max - agreement if item.reverse else agreement, None, answered_at)
        )
        if moment == "T1" and item.then_test:
            # Response shift: looking back, people rate their start a little lower than they did at T0.
            rows.append(
                _answer(
                    item.id,
                    True,
                    _clamp(level[item.scale] - 0.35 + rng.gauss(0, 0.6), fmt.min, fmt.max),
                    None,
                    answered_at,
                )
            )
    for question in instrument.background_for(moment):
        rows.append(_answer(question.id, False, None, rng.choice(question.choices).code, answered_at))
    return rows


def _answer(item_id: str, then_test: bool, value: int | None, missing_code: str | None, at: datetime) -> dict:
    return {"item_id": item_id, "then_test": then_test, "value": value, "missing_code": missing_code, "answered_at": at}


def _progress(session: Session, modules: Sequence[Module], rng: random.Random, people: list[tuple[int, dict]]) -> int:
    """Module progress in course order: most trainees started, many completed everything, some stopped early."""
    rows = []
    for uid, cohort in people:
        if not modules or rng.random() >= PROGRESS_RATE:
            continue
        reached = len(modules) if rng.random() < 0.6 else rng.randint(1, len(modules))
        for i, module in enumerate(modules[:reached]):
            started = _at(cohort["start"] + timedelta(days=7 * i + rng.randint(0, 6)), hour=rng.randint(8, 20))
            score = rng.choice((60.0, 80.0, 80.0, 100.0, 100.0)) if rng.random() < 0.95 else None
            done = score is not None and score >= module.pass_mark and (i < reached - 1 or rng.random() < 0.8)
            rows.append(
                {
                    "user_id": uid,
                    "module_id": module.id,
                    "started_at": started,
                    "completed_at": started + timedelta(days=rng.randint(1, 10)) if done else None,
                    "attempts": rng.randint(1, 3) if score is not None else 0,
                    "best_score": score,
                    "content_hash": module.content_hash,
                }
            )
    for start in range(0, len(rows), CHUNK):
        _insert(session, _table(ModuleProgress), rows[start : start + CHUNK], ids=False)
    return len(rows)


def _table(model: type[SQLModel]) -> Table:
    """The table of a table model: SQLModel sets ``__table__`` when it makes the class, but does not type it."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def _insert(session: Session, table: Table, rows: list[dict], *, ids: bool = True) -> list[int]:
    """Bulk insert; with ``ids`` the new primary keys in the order of ``rows`` (one multi-row INSERT … RETURNING per
    batch), without them a plain executemany, or COPY on PostgreSQL."""
    if not rows:
        return []
    if ids:
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(session.execute(stmt, rows).scalars())
    if session.get_bind().dialect.name == "postgresql":
        _copy(session, table, rows)
    else:
        session.execute(insert(table), rows)
    return []


def _copy(session: Session, table: Table, rows: Iterable[dict]) -> None:
    rows = list(rows)
    columns = list(rows[0])
    driver = session.connection().connection.driver_connection
    assert driver is not None  # the psycopg connection of a live session
    cursor = driver.cursor()
    names = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def _at(day: date, *, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _clamp(x: float, low: int, high: int) -> int:
    return max(low, min(high, round(x)))
