"""Settings from the environment (prefix RACT_), read once per process through get_settings()."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from training.accounts import LoginPolicy

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SECRET = "dev-only-insecure-secret-change-me"
DEVELOPMENT_BASE_URL = "http://127.0.0.1:8000"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RACT_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'ract.sqlite3'}"
    secret_key: str = DEFAULT_SECRET
    content_dir: Path = PROJECT_ROOT / "content"
    # Sessions (server-side records, docs/security.md): end after session_idle_seconds without a request and
    # session_max_age_seconds after sign-in. Cookie: Secure is set automatically in production (behind https).
    session_max_age_seconds: int = Field(default=12 * 3600, ge=60)
    session_idle_seconds: int = Field(default=2 * 3600, ge=60)
    cookie_secure: bool | None = None
    # Login throttling (docs/security.md): per window of login_lockout_seconds, at most login_max_failures password
    # checks for one e-mail address from one client address, login_account_max_failures for one e-mail address from
    # all addresses, login_address_max_failures from one client address over all e-mail addresses.
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_seconds: int = Field(default=300, ge=1)
    login_account_max_failures: int = Field(default=50, ge=1)
    login_address_max_failures: int = Field(default=100, ge=1)
    # Wrong invitation tokens per client address per window.
    invitation_max_failures: int = Field(default=30, ge=1)
    invitation_lockout_seconds: int = Field(default=900, ge=1)
    # Host headers the app answers (comma-separated); others get 400. Default: in development 127.0.0.1, localhost
    # and testserver, elsewhere the host of base_url.
    allowed_hosts: str | None = None
    # Client addresses come from the connection. Behind a reverse proxy, list the proxy's addresses here
    # (comma-separated, or *) and `ract serve` takes the client address from its X-Forwarded-For header.
    forwarded_allow_ips: str | None = None
    # Small-cell protection of the monitor (docs/domain.md §5.6).
    min_group_n: int = Field(default=5, ge=2)
    min_paired_n: int = Field(default=10, ge=2)
    # Which figures survive when small cells are merged across every view (docs/disclosure.md): a wijk's figures
    # over all cohorts ("wijk") or a cohort's figures over all its wijken ("cohort").
    disclosure_priority: Literal["wijk", "cohort"] = "wijk"
    log_level: str = "INFO"
    # How long audit trail entries are kept; `ract audit prune` deletes older ones (at least 30 days: the
    # PostgreSQL trigger refuses to delete younger entries, migration 0010).
    audit_retention_days: int = Field(default=365, ge=30)
    # How long one database statement of a web request may wait (api.db.Timeouts): a stuck transaction then fails
    # that request with a 503 "probeer het opnieuw" instead of holding up the process. PostgreSQL only (SQLite
    # keeps a 30 s busy timeout, api.db). Idle in a transaction: a backstop for a leaked transaction (the waiters
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
    # The address people use to reach the platform, the only source of links in e-mails (never the request's Host
    # header). Required outside development; development falls back to DEVELOPMENT_BASE_URL.
    base_url: str | None = None

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        # Only a development machine may sign sessions with the published default (test and production may not).
        if self.environment != "development" and self.secret_key == DEFAULT_SECRET:
            raise ValueError(
                f"RACT_SECRET_KEY is not set: refusing to start in {self.environment} with the development default"
            )
        if self.environment != "development" and len(self.secret_key) < 32:
            raise ValueError(f"RACT_SECRET_KEY must be at least 32 characters in {self.environment}")
        if self.environment != "development" and not self.base_url:
            raise ValueError(f"RACT_BASE_URL is not set: required in {self.environment} (links in e-mails)")
        parts = urlsplit(self.base_url or DEVELOPMENT_BASE_URL)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"RACT_BASE_URL must be an address like https://leren.example.nl, not {self.base_url!r}")
        return self

    @property
    def public_base_url(self) -> str:
        """Where links in e-mails point: RACT_BASE_URL, in development http://127.0.0.1:8000 without it."""
        return (self.base_url or DEVELOPMENT_BASE_URL).rstrip("/")

    @property
    def trusted_hosts(self) -> list[str]:
        if self.allowed_hosts:
            return [h.strip() for h in self.allowed_hosts.split(",") if h.strip()]
        if self.environment == "development":
            return ["127.0.0.1", "localhost", "testserver"]
        return [urlsplit(self.public_base_url).hostname or ""]

    @property
    def login_policy(self) -> LoginPolicy:
        return LoginPolicy(
            max_failures=self.login_max_failures,
            lockout_seconds=self.login_lockout_seconds,
            account_max_failures=self.login_account_max_failures,
            address_max_failures=self.login_address_max_failures,
        )

    @property
    def secure_cookies(self) -> bool:
        return self.cookie_secure if self.cookie_secure is not None else self.environment == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
