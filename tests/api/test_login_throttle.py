"""Login throttling: atomic in the database under any concurrency, per client address and per account, and the same
for unknown and existing e-mail addresses."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.throttling import attempt_login
from tests.conftest import DEMO_PASSWORD, csrf_from
from training import accounts


@pytest.fixture
def verify_calls(monkeypatch):
    """Counts the password checks (argon2 verifications) sign-in does."""
    calls = []
    lock = threading.Lock()
    real = accounts.verify_password

    def counting(password, password_hash):
        with lock:
            calls.append(password_hash is not None)
        return real(password, password_hash)

    monkeypatch.setattr(accounts, "verify_password", counting)
    return calls


def _attempt(engine, policy, *, email="manager@demo.local", password="wrong-password", address="192.0.2.10"):
    with Session(engine) as session:
        try:
            user = attempt_login(engine, session, email=email, password=password, client_address=address, policy=policy)
        except (accounts.LoginFailed, accounts.LoginThrottled) as exc:
            session.rollback()
            return type(exc).__name__
        session.commit()
        return user.email


def test_a_hundred_concurrent_wrong_passwords_check_exactly_the_allowed_number(demo, engine, settings, verify_calls):
    policy = settings.login_policy
    with ThreadPoolExecutor(max_workers=100) as pool:
        outcomes = list(pool.map(lambda _: _attempt(engine, policy), range(100)))
    assert len(verify_calls) == settings.login_max_failures
    assert outcomes.count("LoginFailed") == settings.login_max_failures
    assert outcomes.count("LoginThrottled") == 100 - settings.login_max_failures
    # Even the right password is not checked from that address now; another address still signs in.
    assert _attempt(engine, policy, password=DEMO_PASSWORD) == "LoginThrottled"
    assert len(verify_calls) == settings.login_max_failures
    assert _attempt(engine, policy, password=DEMO_PASSWORD, address="198.51.100.7") == "manager@demo.local"


def test_the_account_and_address_ceilings_hold_across_addresses_and_accounts(demo, engine):
    policy = accounts.LoginPolicy(max_failures=5, lockout_seconds=300, account_max_failures=3, address_max_failures=4)
    for n in range(3):  # three addresses, one wrong password each: the account's ceiling is reached
        assert _attempt(engine, policy, address=f"192.0.2.{n}") == "LoginFailed"
    assert _attempt(engine, policy, address="192.0.2.99", password=DEMO_PASSWORD) == "LoginThrottled"
    # One address trying many accounts (password spraying) stops at the address ceiling.
    others = ["trainer@demo.local", "admin@demo.local", "nobody@demo.local", "trainee@demo.local"]
    assert [_attempt(engine, policy, email=e, address="203.0.113.5") for e in others] == ["LoginFailed"] * 4
    assert _attempt(engine, policy, email="trainer2@demo.local", address="203.0.113.5") == "LoginThrottled"


def _client(app, address: str) -> TestClient:
    return TestClient(app, client=(address, 50000))


def _post_login(client: TestClient, email: str, password: str):
    token = csrf_from(client.get("/login").text)
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}, follow_redirects=False
    )


def test_failures_from_one_client_do_not_lock_the_account_for_another(app, demo, settings):
    stranger, colleague = _client(app, "192.0.2.66"), _client(app, "198.51.100.23")
    for _ in range(settings.login_max_failures):
        assert _post_login(stranger, "trainer@demo.local", "raden-raden").status_code == 401
    assert _post_login(stranger, "trainer@demo.local", DEMO_PASSWORD).status_code == 429
    assert _post_login(colleague, "trainer@demo.local", DEMO_PASSWORD).status_code == 303
    stranger.close()
    colleague.close()


def test_unknown_and_existing_addresses_get_the_same_answers_and_the_same_checks(app, demo, settings, verify_calls):
    client = _client(app, "192.0.2.77")
    answers = {}
    for email in ("manager@demo.local", "niemand@demo.local"):
        before = len(verify_calls)
        seen = []
        for _ in range(settings.login_max_failures + 1):
            r = _post_login(client, email, "niet-het-wachtwoord")
            seen.append((r.status_code, r.headers.get("retry-after") is not None, r.text.replace(email, "EMAIL")))
        answers[email] = seen
        # one argon2 verification per allowed attempt, none once throttled: the same timing for both
        assert len(verify_calls) - before == settings.login_max_failures
    existing, unknown = answers.values()
    assert [s for s, _, _ in existing] == [401] * settings.login_max_failures + [429]
    assert existing == unknown
    assert "Te veel mislukte pogingen. Probeer het over 5 minuten opnieuw." in existing[-1][2]
    client.close()
