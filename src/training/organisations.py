"""Use cases for organisations, gebieden and wijken: list, create, rename, archive; the wijken import.

Changes are for beheer (admins) and the command line (``user=None``: the operator at the server); a manager reads
their own organisation. Archiving keeps everything: enrolments keep their wijk snapshot and the monitor still counts
them; an archived wijk, gebied or organisation is only no longer offered for new cohorts, enrolments or accounts.
Every change is recorded in the audit trail.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar, cast

from sqlalchemy import func, update
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col, select

from training import audit_trail
from training.enrolment_csv import decode
from training.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from training.ids import id_of
from training.models import Enrolment, Gebied, Organisation, Role, User, Wijk, WijkImport, utcnow
from training.wijken_csv import CODE_RE, WijkRow, check_rows, parse_wijken_csv

_Named = TypeVar("_Named", Gebied, Wijk)


def _require_admin(user: User | None) -> None:
    if user is not None and user.role != Role.admin:
        raise PermissionDenied("Alleen beheerders wijzigen organisaties, gebieden en wijken.")


def _name(value: str, *, what: str, field_name: str = "name") -> str:
    name = " ".join(value.split())
    if not name:
        raise InvalidInput(f"Vul een naam voor {what} in.", field=field_name)
    if len(name) > 200:
        raise InvalidInput("Een naam kan hoogstens 200 tekens lang zijn.", field=field_name)
    return name


# --- organisations ---------------------------------------------------------------------------------------------------


def list_organisations(session: Session, *, user: User) -> list[Organisation]:
    """Every organisation for admins (archived last), the own one for a manager."""
    q = select(Organisation).order_by(col(Organisation.archived_at).is_not(None), col(Organisation.name))
    if user.role != Role.admin:
        q = q.where(Organisation.id == user.organisation_id)
    return list(session.exec(q))


def get_organisation(session: Session, *, user: User | None, organisation_id: int) -> Organisation:
    org = session.get(Organisation, organisation_id)
    if org is None or (user is not None and user.role != Role.admin and user.organisation_id != org.id):
        raise NotFound("Deze organisatie bestaat niet of je hebt er geen toegang toe.")
    return org


def find_organisation(session: Session, *, name: str) -> Organisation | None:
    return session.exec(select(Organisation).where(func.lower(Organisation.name) == name.strip().lower())).first()


def create_organisation(session: Session, *, user: User | None, name: str) -> Organisation:
    _require_admin(user)
    name = _name(name, what="de organisatie")
    if find_organisation(session, name=name) is not None:
        raise Conflict(f"Er bestaat al een organisatie ‘{name}’.", field="name")
    org = Organisation(name=name)
    session.add(org)
    session.flush()
    audit_trail.record(
        session,
        action="organisation.created",
        object_type="organisation",
        object_id=org.id,
        organisation_id=org.id,
        details={"name": name},
    )
    return org


def rename_organisation(session: Session, *, user: User | None, organisation_id: int, name: str) -> Organisation:
    _require_admin(user)
    org = get_organisation(session, user=user, organisation_id=organisation_id)
    name = _name(name, what="de organisatie")
    other = find_organisation(session, name=name)
    if other is not None and other.id != org.id:
        raise Conflict(f"Er bestaat al een organisatie ‘{name}’.", field="name")
    old, org.name = org.name, name
    session.add(org)
    session.flush()
    audit_trail.record(
        session,
        action="organisation.renamed",
        object_type="organisation",
        object_id=org.id,
        organisation_id=org.id,
        details={"from": old, "to": name},
    )
    return org


def archive_organisation(session: Session, *, user: User | None, organisation_id: int) -> Organisation:
    _require_admin(user)
    org = get_organisation(session, user=user, organisation_id=organisation_id)
    if org.archived_at is None:
        org.archived_at = utcnow()
        session.add(org)
        session.flush()
        audit_trail.record(
            session,
            action="organisation.archived",
            object_type="organisation",
            object_id=org.id,
            organisation_id=org.id,
        )
    return org


# --- gebieden and wijken ---------------------------------------------------------------------------------------------


@dataclass
class WijkLine:
    wijk: Wijk
    n_enrolments: int


@dataclass
class GebiedBlock:
    gebied: Gebied | None  # None: wijken without a gebied
    wijken: list[WijkLine] = field(default_factory=list)


def structure(session: Session, *, organisation_id: int) -> list[GebiedBlock]:
    """The organisation's gebieden with their wijken (archived ones included, marked by ``archived_at``)."""
    counts = dict(
        session.exec(
            select(col(Enrolment.wijk_id), func.count(col(Enrolment.id)))
            .join(Wijk, col(Wijk.id) == col(Enrolment.wijk_id))
            .where(Wijk.organisation_id == organisation_id)
            .group_by(col(Enrolment.wijk_id))
        ).all()
    )
    gebieden = list(
        session.exec(
            select(Gebied)
            .where(Gebied.organisation_id == organisation_id)
            .order_by(col(Gebied.archived_at).is_not(None), col(Gebied.name))
        )
    )
    blocks = {g.id: GebiedBlock(g) for g in gebieden}
    loose = GebiedBlock(None)
    for wijk in session.exec(
        select(Wijk)
        .where(col(Wijk.organisation_id) == organisation_id)
        .order_by(col(Wijk.archived_at).is_not(None), col(Wijk.name))
    ):
        blocks.get(wijk.gebied_id, loose).wijken.append(WijkLine(wijk, counts.get(id_of(wijk), 0)))
    return list(blocks.values()) + ([loose] if loose.wijken else [])


def list_gebieden(session: Session, *, organisation_id: int) -> list[Gebied]:
    return list(
        session.exec(
            select(Gebied)
            .where(Gebied.organisation_id == organisation_id)
            .order_by(col(Gebied.archived_at).is_not(None), col(Gebied.name))
        )
    )


def _gebied(session: Session, *, organisation: Organisation, gebied_id: int) -> Gebied:
    gebied = session.get(Gebied, gebied_id)
    if gebied is None or gebied.organisation_id != organisation.id:
        raise NotFound("Dit gebied bestaat niet in deze organisatie.")
    return gebied


def get_wijk(session: Session, *, organisation: Organisation, wijk_id: int) -> Wijk:
    wijk = session.get(Wijk, wijk_id)
    if wijk is None or wijk.organisation_id != organisation.id:
        raise NotFound("Deze wijk bestaat niet in deze organisatie.")
    return wijk


def _same_name(
    session: Session, model: type[_Named], *, organisation_id: int, name: str, except_id: int | None = None
) -> _Named | None:
    q = select(model).where(col(model.organisation_id) == organisation_id, func.lower(model.name) == name.lower())
    if except_id is not None:
        q = q.where(col(model.id) != except_id)
    return session.exec(q).first()


def create_gebied(session: Session, *, user: User | None, organisation_id: int, name: str) -> Gebied:
    _require_admin(user)
    org = get_organisation(session, user=user, organisation_id=organisation_id)
    name = _name(name, what="het gebied", field_name="gebied_name")
    if _same_name(session, Gebied, organisation_id=id_of(org), name=name):
        raise Conflict(f"Er bestaat al een gebied ‘{name}’ in deze organisatie.", field="gebied_name")
    gebied = Gebied(organisation_id=id_of(org), name=name)
    session.add(gebied)
    session.flush()
    audit_trail.record(
        session,
        action="gebied.created",
        object_type="gebied",
        object_id=gebied.id,
        organisation_id=org.id,
        details={"name": name},
    )
    return gebied


def rename_gebied(session: Session, *, user: User | None, organisation_id: int, gebied_id: int, name: str) -> Gebied:
    _require_admin(user)
    org = get_organisation(session, user=user, organisation_id=organisation_id)
    gebied = _gebied(session, organisation=org, gebied_id=gebied_id)
    name = _name(name, what="het gebied")
    if _same_name(session, Gebied, organisation_id=id_of(org), name=name, except_id=gebied.id):
        raise Conflict(f"Er bestaat al een gebied ‘{name}’ in deze organisatie.", field="name")
    old, gebied.name = gebied.name, name
    session.add(gebied)
    session.flush()
    audit_trail.record(
        session,
        action="gebied.renamed",
        object_type="gebied",
        object_id=gebied.id,
        organisation_id=org.id,
        details={"from": old, "to": name},
    )
    return gebied


def archive_gebied(session: Session, *, user: User | None, organisation_id: int, gebied_id: int) -> Gebied:
    """Archive the gebied; its wijken that are still in use stay as they are (archive them one by one)."""
    _require_admin(user)
    org = get_organisation(session, user=user, organisation_id=organisation_id)
    gebied = _gebied(session, organisation=org, gebied_id=gebied_id)
    if gebied.archived_at is None:
        gebied.archived_at = utcnow()
        session.add(gebied)
        session.flush()
        audit_trail.record(
            session, action="gebied.archived", object_type="gebied", object_id=gebied.id, organisation_id=org.id
        )
    return gebied


def _code(value: str) -> str | None:
    code = value.strip().upper()
    if not code:
        return None
    if not CODE_RE.match(code):
        raise InvalidInput(
            "Een wijkcode bestaat uit letters, cijfers, - of _ (hoogstens 20 tekens), bijvoorbeeld WK059901.",
            field="code",
        )
    return code


def _check_wijk(
    session: Session,
    *,
    org: Organisation,
    name: str,
    code: str | None,
    gebied_id: int | None,
    except_id: int | None = None,
) -> None:
    if _same_name(session, Wijk, organisation_id=id_of(org), name=name, except_id=except_id):
        raise Conflict(f"Er bestaat al een wijk ‘{name}’ in deze organisatie (misschien gearchiveerd).", field="name")
    if code is not None:
        q = select(Wijk).where(Wijk.organisation_id == org.id, Wijk.code == code)
        if except_id is not None:
            q = q.where(Wijk.id != except_id)
        other = session.exec(q).first()
        if other is not None:
            raise Conflict(f"De code {code} is al in gebruik voor de wijk ‘{other.name}’.", field="code")
    if gebied_id is not None:
        gebied = _gebied(session, organisation=org, gebied_id=gebied_id)
        if gebied.archived_at is not None and except_id is None:
            raise InvalidInput("Dit gebied is gearchiveerd; kies een ander gebied.", field="gebied_id")


def create_wijk(
    session: Session,
    *,
    user: User | None,
    organisation_id: int,
    name: str,
    code: str = "",
    gebied_id: int | None = None,
) -> Wijk:
    _require_admin(user)
    org = get_organisation(session, user=user, organisation_id=organisation_id)
    name, wijk_code = _name(name, what="de wijk"), _code(code)
    _check_wijk(session, org=org, name=name, code=wijk_code, gebied_id=gebied_id)
    wijk = Wijk(organisation_id=id_of(org), name=name, code=wijk_code, gebied_id=gebied_id)
    session.add(wijk)
    session.flush()
    audit_trail.record(
        session,
        action="wijk.created",
        object_type="wijk",
        object_id=wijk.id,
        organisation_id=org.id,
        details={"name": name, "code": wijk_code},
    )
    return wijk


def update_wijk(
    session: Session,
    *,
    user: User | None,
    organisation_id: int,
    wijk_id: int,
    name: str,
    code: str = "",
    gebied_id: int | None = None,
) -> Wijk:
    """Rename the wijk, change its code or gebied. Enrolments point at the wijk by id: their history stays."""
    _require_admin(user)
    org = get_organisation(session, user=user, organisation_id=organisation_id)
    wijk = get_wijk(session, organisation=org, wijk_id=wijk_id)
    name, wijk_code = _name(name, what="de wijk"), _code(code)
    _check_wijk(session, org=org, name=name, code=wijk_code, gebied_id=gebied_id, except_id=wijk.id)
    before = {"name": wijk.name, "code": wijk.code, "gebied_id": wijk.gebied_id}
    wijk.name, wijk.code, wijk.gebied_id = name, wijk_code, gebied_id
    session.add(wijk)
    session.flush()
    audit_trail.record(
        session,
        action="wijk.renamed",
        object_type="wijk",
        object_id=wijk.id,
        organisation_id=org.id,
        details={"from": before, "to": {"name": name, "code": wijk_code, "gebied_id": gebied_id}},
    )
    return wijk


def archive_wijk(session: Session, *, user: User | None, organisation_id: int, wijk_id: int) -> Wijk:
    _require_admin(user)
    org = get_organisation(session, user=user, organisation_id=organisation_id)
    wijk = get_wijk(session, organisation=org, wijk_id=wijk_id)
    if wijk.archived_at is None:
        wijk.archived_at = utcnow()
        session.add(wijk)
        session.flush()
        audit_trail.record(
            session, action="wijk.archived", object_type="wijk", object_id=wijk.id, organisation_id=org.id
        )
    return wijk


# --- the wijken import -----------------------------------------------------------------------------------------------


@dataclass
class WijkImportPreview:
    record: WijkImport
    problems: list[str]
    rows: list[WijkRow]
    create_gebieden: bool

    @property
    def error_rows(self) -> list[WijkRow]:
        return [r for r in self.rows if not r.ok]

    @property
    def new_gebieden(self) -> list[str]:
        return sorted({r.gebied for r in self.rows if r.new_gebied}, key=str.lower)

    @property
    def importable(self) -> bool:
        return not self.problems and bool(self.rows) and not self.error_rows


def plan_wijken(
    session: Session, *, organisation_id: int, data: bytes, create_gebieden: bool
) -> tuple[list[str], list[WijkRow]]:
    """Every problem of the file and of each row, against the organisation as it is now."""
    parsed = parse_wijken_csv(data)
    if parsed.problems:
        return parsed.problems, []
    wijken = list(session.exec(select(Wijk).where(Wijk.organisation_id == organisation_id)))
    gebieden = {
        g.name.lower()
        for g in session.exec(
            select(Gebied).where(col(Gebied.organisation_id) == organisation_id, col(Gebied.archived_at).is_(None))
        )
    }
    return [], check_rows(
        parsed.rows,
        existing_names={w.name.lower(): w.name for w in wijken},
        existing_codes={w.code: w.name for w in wijken if w.code},
        gebieden=gebieden,
        create_gebieden=create_gebieden,
    )


def preview_wijken_import(
    session: Session, *, user: User, organisation_id: int, data: bytes, filename: str, create_gebieden: bool
) -> WijkImport:
    """Check the file and store the result; nothing is created until it is confirmed."""
    _require_admin(user)
    org = get_organisation(session, user=user, organisation_id=organisation_id)
    problems, rows = plan_wijken(session, organisation_id=id_of(org), data=data, create_gebieden=create_gebieden)
    record = WijkImport(
        organisation_id=id_of(org),
        created_by_user_id=user.id,
        token=secrets.token_urlsafe(24),
        filename=(filename or "")[:255],
        rows_json=json.dumps(
            {
                "problems": problems,
                "create_gebieden": create_gebieden,
                "data": decode(data) if not problems else "",
                "rows": [asdict(r) for r in rows],
            }
        ),
    )
    session.add(record)
    session.flush()
    return record


def get_wijken_import(session: Session, *, user: User, organisation_id: int, token: str) -> WijkImportPreview:
    _require_admin(user)
    org = get_organisation(session, user=user, organisation_id=organisation_id)
    record = session.exec(
        select(WijkImport).where(
            WijkImport.token == token, WijkImport.organisation_id == org.id, WijkImport.created_by_user_id == user.id
        )
    ).first()
    if record is None:
        raise NotFound("Deze import bestaat niet (meer). Upload het bestand opnieuw.")
    stored = json.loads(record.rows_json)
    return WijkImportPreview(
        record, stored["problems"], [WijkRow(**r) for r in stored["rows"]], stored["create_gebieden"]
    )


def confirm_wijken_import(session: Session, *, user: User, organisation_id: int, token: str) -> int:
    """Create every wijk of the checked file in this one transaction; returns the count.

    The file is checked again against the organisation as it is now: when anything changed since the preview,
    or any row is bad, nothing is written."""
    preview = get_wijken_import(session, user=user, organisation_id=organisation_id, token=token)
    claimed = session.execute(
        update(WijkImport)
        .where(col(WijkImport.id) == preview.record.id, col(WijkImport.confirmed_at).is_(None))
        .values(confirmed_at=utcnow())
    )
    if cast("CursorResult[Any]", claimed).rowcount != 1:
        raise Conflict("Deze import is al uitgevoerd.")
    data = json.loads(preview.record.rows_json)["data"].encode()
    return import_wijken(
        session,
        user=user,
        organisation_id=organisation_id,
        data=data,
        create_gebieden=preview.create_gebieden,
        filename=preview.record.filename,
    )


class WijkenImportRefused(InvalidInput):
    """The file has problems; ``problems`` names each (file-level problems and every bad row)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("Het bestand bevat fouten; er is niets geïmporteerd.")
        self.problems = problems


def import_wijken(
    session: Session, *, user: User | None, organisation_id: int, data: bytes, create_gebieden: bool, filename: str = ""
) -> int:
    """All-or-nothing: every row valid, then every wijk (and new gebied) created; else WijkenImportRefused."""
    _require_admin(user)
    org = get_organisation(session, user=user, organisation_id=organisation_id)
    problems, rows = plan_wijken(session, organisation_id=id_of(org), data=data, create_gebieden=create_gebieden)
    problems = problems + [f"Regel {r.line}: {' '.join(r.errors)}" for r in rows if r.errors]
    if problems:
        raise WijkenImportRefused(problems)
    gebieden = {
        g.name.lower(): g
        for g in session.exec(
            select(Gebied).where(col(Gebied.organisation_id) == org.id, col(Gebied.archived_at).is_(None))
        )
    }
    for name in sorted({r.gebied for r in rows if r.new_gebied}, key=str.lower):
        if name.lower() not in gebieden:
            gebieden[name.lower()] = Gebied(organisation_id=id_of(org), name=name)
            session.add(gebieden[name.lower()])
    session.flush()
    session.add_all(
        [
            Wijk(
                organisation_id=id_of(org),
                name=r.naam,
                code=r.code or None,
                gebied_id=gebieden[r.gebied.lower()].id if r.gebied else None,
            )
            for r in rows
        ]
    )
    session.flush()
    audit_trail.record(
        session,
        action="wijken.imported",
        object_type="organisation",
        object_id=org.id,
        organisation_id=org.id,
        details={
            "wijken": len(rows),
            "file": filename[:100],
            "new_gebieden": len({r.gebied.lower() for r in rows if r.new_gebied}),
        },
    )
    return len(rows)
