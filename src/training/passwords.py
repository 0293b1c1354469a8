"""Password hashing with argon2id (pwdlib), and the password policy."""

from __future__ import annotations

from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

MIN_PASSWORD_LENGTH = 12


@lru_cache
def _hasher() -> PasswordHash:
    # argon2id with the OWASP password-storage parameters (19 MiB, 2 passes, 1 lane): ~50 ms on our 2-core
    # servers, so a burst of logins cannot starve the app, while staying memory-hard. Existing hashes keep
    # verifying whatever parameters they were made with.
    return PasswordHash((Argon2Hasher(memory_cost=19456, time_cost=2, parallelism=1),))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if not password_hash:
        # Spend the same time as a real check, so timing does not reveal unknown accounts.
        _hasher().verify(password, _dummy_hash())
        return False
    try:
        return _hasher().verify(password, password_hash)
    except Exception:  # a corrupt hash is a failed login, not a crash
        return False


@lru_cache
def _dummy_hash() -> str:
    return _hasher().hash("not-a-real-password-0")


def password_problem(password: str) -> str | None:
    """A Dutch explanation of why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Kies een wachtwoord van minstens {MIN_PASSWORD_LENGTH} tekens."
    if len(password) > 256:
        return "Kies een wachtwoord van hoogstens 256 tekens."
    if password.strip() == "" or len(set(password)) < 4:
        return "Dit wachtwoord is te eenvoudig; kies een langere zin of meer verschillende tekens."
    return None
