"""Each role signs in through the real login page in Chromium; every page visited is axe-clean."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import check_accessibility, sign_in

JOURNEYS = {
    "trainee": ("Welkom, Dewi Deelnemer", []),
    "trainer": ("Welkom, Tessa Trainer", []),
    "manager": ("Welkom, Maaike Manager", []),
    "admin": ("Beheer", ["/beheer/gebruikers"]),
}


@pytest.mark.parametrize("role", list(JOURNEYS))
def test_role_signs_in_sees_home_and_signs_out(page, live_server, role):
    heading, extra_pages = JOURNEYS[role]
    sign_in(page, live_server.url, f"{role}@demo.local")
    assert page.get_by_role("heading", level=1).inner_text() == heading
    check_accessibility(page)
    for path in ["/account/wachtwoord", *extra_pages]:
        page.goto(live_server.url + path)
        check_accessibility(page)
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/login")
    assert page.get_by_role("heading", level=1).inner_text() == "Inloggen"


def test_wrong_password_shows_an_accessible_error(page, live_server):
    sign_in(page, live_server.url, "manager@demo.local", "helemaal-fout")
    alert = page.get_by_role("alert")
    assert "Onbekend e-mailadres of onjuist wachtwoord" in alert.inner_text()
    check_accessibility(page)


def test_keyboard_user_can_skip_to_content(page, live_server):
    sign_in(page, live_server.url, "trainee@demo.local")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent")
    assert focused.strip() == "Naar de inhoud"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "inhoud"


def test_phone_viewport_has_no_horizontal_scroll(page, live_server):
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, live_server.url, "manager@demo.local")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    check_accessibility(page)
