"""Demo data: Gemeente Rotterdam with real wijken, two cohorts, about forty trainees and one account per role."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlmodel import Session, select

from training.accounts import create_user
from training.ids import id_of
from training.models import Cohort, CohortTrainer, Enrolment, Gebied, Organisation, Role, User, Wijk
from training.passwords import hash_password

DEMO_PASSWORD = "demo-demo-demo"
ORGANISATION = "Gemeente Rotterdam"

# Real Rotterdam wijken grouped into gebieden. Trainee counts are deliberately uneven: some wijken stay below
# the monitor's threshold of five people.
WIJKEN: list[tuple[str, str, int]] = [
    ("Feijenoord", "Afrikaanderwijk", 9),
    ("Feijenoord", "Bloemhof", 8),
    ("Feijenoord", "Hillesluis", 3),
    ("Charlois", "Tarwewijk", 7),
    ("Charlois", "Carnisse", 2),
    ("Delfshaven", "Bospolder-Tussendijken", 6),
    ("Delfshaven", "Spangen", 4),
    ("Noord", "Oude Noorden", 1),
]

FIRST = [
    "Samira",
    "Dennis",
    "Fatima",
    "Jeroen",
    "Ayse",
    "Mark",
    "Naima",
    "Ricardo",
    "Eva",
    "Youssef",
    "Linda",
    "Kevin",
    "Priya",
    "Bram",
    "Sanne",
    "Mohamed",
    "Ilse",
    "Tim",
    "Chantal",
    "Orhan",
    "Marieke",
    "Dewi",
    "Hamza",
    "Anouk",
    "Rachid",
    "Femke",
    "Jorge",
    "Esra",
    "Wouter",
    "Nadia",
]
LAST = [
    "de Vries",
    "Bakker",
    "El Amrani",
    "Jansen",
    "Yilmaz",
    "Visser",
    "Martina",
    "de Graaf",
    "Bouzid",
    "Smit",
    "van Dijk",
    "Kaya",
    "Mulder",
    "Pinas",
    "de Boer",
    "Hoekstra",
    "Meijer",
    "Rosario",
    "Brouwer",
    "Öztürk",
]


def demo_data_present(session: Session) -> bool:
    return session.exec(select(Organisation.id).where(Organisation.name == ORGANISATION)).first() is not None


def load_demo_data(session: Session, *, seed: int = 2026, today: date | None = None) -> dict[str, int]:
    """Create the demo organisation if it is not there yet. Idempotent: a second call changes nothing."""
    if demo_data_present(session):
        return {}
    rng = random.Random(seed)
    today = today or date.today()
    org = Organisation(name=ORGANISATION)
    session.add(org)
    session.flush()
    gebieden: dict[str, Gebied] = {}
    wijken: list[tuple[Wijk, int]] = []
    for gebied_name, wijk_name, n in WIJKEN:
        if gebied_name not in gebieden:
            gebieden[gebied_name] = Gebied(organisation_id=id_of(org), name=gebied_name)
            session.add(gebieden[gebied_name])
            session.flush()
        wijk = Wijk(organisation_id=id_of(org), gebied_id=id_of(gebieden[gebied_name]), name=wijk_name)
        session.add(wijk)
        session.flush()
        wijken.append((wijk, n))

    shared_hash = hash_password(DEMO_PASSWORD)  # one argon2 run for all demo accounts

    def account(name: str, email: str, role: Role, wijk_id: int | None = None) -> User:
        user = create_user(
            session, name=name, email=email, role=role, password=None, organisation_id=org.id, wijk_id=wijk_id
        )
        user.password_hash = shared_hash
        return user

    trainer = account("Tessa Trainer", "trainer@demo.local", Role.trainer)
    trainer2 = account("Rob Romeijn", "trainer2@demo.local", Role.trainer)
    account("Maaike Manager", "manager@demo.local", Role.manager)
    account("Ada Admin", "admin@demo.local", Role.admin)

    voorjaar = Cohort(
        organisation_id=id_of(org),
        name="Regie-ondersteuners voorjaar",
        start_date=today - timedelta(days=60),
        end_date=today + timedelta(days=60),
    )
    najaar = Cohort(
        organisation_id=id_of(org),
        name="Regie-ondersteuners najaar",
        start_date=today - timedelta(days=10),
        end_date=today + timedelta(days=120),
    )
    session.add_all([voorjaar, najaar])
    session.flush()
    session.add_all(
        [
            CohortTrainer(cohort_id=id_of(voorjaar), user_id=id_of(trainer)),
            CohortTrainer(cohort_id=id_of(najaar), user_id=id_of(trainer)),
            CohortTrainer(cohort_id=id_of(najaar), user_id=id_of(trainer2)),
        ]
    )

    names = [f"{first} {last}" for first in FIRST for last in LAST]
    rng.shuffle(names)
    first_wijk = wijken[0][0]
    demo_trainee = account("Dewi Deelnemer", "trainee@demo.local", Role.trainee, first_wijk.id)
    session.add(Enrolment(cohort_id=id_of(voorjaar), user_id=id_of(demo_trainee), wijk_id=id_of(first_wijk)))
    n_trainees = 1
    for wijk, n in wijken:
        for i in range(n):
            name = names.pop()
            email = name.lower().replace(" ", ".").replace("ö", "o").replace("ü", "u") + f".{wijk.id}{i}@demo.local"
            user = account(name, email, Role.trainee, wijk.id)
            cohort = voorjaar if rng.random() < 0.55 else najaar
            session.add(Enrolment(cohort_id=id_of(cohort), user_id=id_of(user), wijk_id=id_of(wijk)))
            n_trainees += 1
    session.flush()
    return {"organisations": 1, "wijken": len(wijken), "cohorts": 2, "trainees": n_trainees}
