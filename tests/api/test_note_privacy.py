"""Reflection notes are private: no page, fragment, download or API of the app shows a note to anyone but its author."""

from __future__ import annotations

import io
import zipfile

from sqlmodel import select

from tests.api.test_authz_matrix import api_routes, sample_path, samples  # noqa: F401 (samples is a fixture)
from tests.sessions import CSRF, session_cookie
from training.models import Role, User

SECRET = "Vertrouwelijk-7f3a: wat ik over mezelf leerde"


def readable_text(content: bytes) -> bytes:
    """The bytes of a response, with the members of a zip container (xlsx, zipped exports) unpacked."""
    if content[:2] != b"PK":
        return content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return b"\n".join(archive.read(name) for name in archive.namelist())


def test_no_get_route_shows_a_note_to_anyone_but_its_author(app, client, demo, samples, settings):  # noqa: F811
    author = demo.exec(select(User).where(User.email == "trainee@demo.local")).one()
    module = app.state.modules[0]

    def as_user(user):
        client.cookies.clear()
        client.cookies.set(
            "ract_session", session_cookie(settings.secret_key, user_id=user.id if user else None, db=demo)
        )

    def can_open_the_module(user) -> bool:
        as_user(user)
        return client.get(f"/modules/{module.id}", follow_redirects=False).status_code == 200

    # Another trainee who can open the same module (not held back by the voormeting), so their pages show notes.
    other_trainee = next(
        u
        for u in demo.exec(select(User).where(User.role == "trainee", User.id != author.id).order_by(User.id))
        if can_open_the_module(u)
    )
    readers = [
        None,
        other_trainee,
        *[
            demo.exec(select(User).where(User.email == f"{r.value}@demo.local")).one()
            for r in (Role.trainer, Role.manager, Role.admin)
        ],
    ]

    as_user(author)
    for prompt in module.reflection_prompts:
        r = client.post(
            f"/modules/{module.id}/notities/{prompt.id}",
            data={"text": f"{SECRET} ({prompt.id})"},
            headers={"X-CSRF-Token": CSRF, "HX-Request": "true"},
        )
        assert r.status_code == 200, r.text[:300]
    # The author does read it back (so the check below looks for something that is really there).
    own = client.get(f"/modules/{module.id}/onderdeel/{module.reflection_prompts[0].section}")
    assert SECRET in own.text

    secret = SECRET.encode()
    leaks, checked = [], 0
    paths = [sample_path(r, samples) for r in api_routes(app) if "GET" in r.methods]
    # The sample section has no prompt: add the sections where the prompts (and so the notes) are shown.
    paths += [f"/modules/{module.id}/onderdeel/{p.section}" for p in module.reflection_prompts]
    for user in readers:
        as_user(user)
        for path in paths:
            for headers in ({"Accept": "text/html"}, {"HX-Request": "true"}):
                response = client.get(path, headers=headers, follow_redirects=False)
                checked += response.status_code == 200
                if secret in readable_text(response.content):
                    leaks.append(f"{path} ({headers}) as {user.email if user else 'anonymous'}")
    assert checked > 100
    assert leaks == []
