"""Settings from the environment (prefix RACT_), read once per process through get_settings()."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SECRET = "dev-only-insecure-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RACT_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'ract.sqlite3'}"
    secret_key: str = DEFAULT_SECRET
    content_dir: Path = PROJECT_ROOT / "content"
    # Session cookie: Secure is set automatically in production (served behind https).
    session_max_age_seconds: int = 8 * 3600
    cookie_secure: bool | None = None
    # Login throttling: after this many failures in a row, the account is refused for lockout_seconds.
    login_max_failures: int = 5
    login_lockout_seconds: int = 300
    # Small-cell protection of the monitor (DOMAIN.md §3.7).
    min_group_n: int = Field(default=5, ge=2)
    min_paired_n: int = Field(default=10, ge=2)
    log_level: str = "INFO"
    # How long one database statement of a web request may wait (api.db.Timeouts): a stuck transaction then fails
    # that request with a 503 "probeer het opnieuw" instead of holding up the process. Lock: PostgreSQL
    # lock_timeout, SQLite busy_timeout. Idle in a transaction: a backstop for a leaked transaction (the waiters
    # are already covered by the lock timeout; a streamed research download keeps its transaction while a slow
    # client reads). The command line (migrations, imports, city data) runs without them.
    db_lock_timeout_seconds: float = Field(default=5.0, gt=0)
    db_statement_timeout_seconds: float = Field(default=30.0, gt=0)
    db_idle_in_transaction_timeout_seconds: float = Field(default=300.0, gt=0)
    # Outgoing mail (invitations, reminders). Without a host nothing is sent: the outbox page shows the messages.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_tls: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "R-ACT leerplatform <noreply@localhost>"
    # The address people use to reach the platform, for links in e-mails. Web requests fall back to the request's
    # own address, the command line to http://127.0.0.1:8000.
    base_url: str | None = None

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> "Settings":
        # Only a development machine may sign sessions with the published default (test and production may not).
        if self.environment != "development" and self.secret_key == DEFAULT_SECRET:
            raise ValueError(
                f"RACT_SECRET_KEY is not set: refusing to start in {self.environment} with the development default"
            )
        if self.environment != "development" and len(self.secret_key) < 32:
            raise ValueError(f"RACT_SECRET_KEY must be at least 32 characters in {self.environment}")
        return self

    @property
    def secure_cookies(self) -> bool:
        return self.cookie_secure if self.cookie_secure is not None else self.environment == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
