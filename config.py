"""One frozen, typed configuration for the web app, the worker and the CLI.

Built from a plain mapping (tests pass a dict; production passes the environment), with safe
development defaults and a production check that refuses unsafe settings by name.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEV_SECRET_KEY = "development-only-secret-key-not-for-production"
PROJECT_ROOT = Path(__file__).resolve().parent


class UnsafeConfiguration(RuntimeError):
    """Production settings that must not be used; the message names each wrong setting."""


# Environment variable → setting. One table: the README documents it and the compose file
# may pass only these (tests/integration/test_deployment_files.py).
ENVIRONMENT = {
    "APP_ENV": "environment",
    "SECRET_KEY": "secret_key",
    "VAR_DIR": "var_dir",
    "DATABASE_URL": "database_url",
    "REDIS_URL": "redis_url",
    "SESSION_COOKIE_SECURE": "session_cookie_secure",
    "DEMO": "demo",
    "EXIT_URL": "exit_url",
    "RECONCILE_AFTER_SECONDS": "reconcile_after_seconds",
    "REVIEW_DAYS": "review_days",
    "PUBLIC_BASE_URL": "public_base_url",
    "SMTP_HOST": "smtp_host",
    "SMTP_PORT": "smtp_port",
    "MAIL_FROM": "mail_from",
    "RETENTION_DAYS_AFTER_ACKNOWLEDGEMENT": "retention_days_after_acknowledgement",
    "AUDIT_RETENTION_DAYS": "audit_retention_days",
    "LOG_FORMAT": "log_format",
    "LOG_LEVEL": "log_level",
    "METRICS_TOKEN": "metrics_token",
    "SUBMISSIONS_PER_HOUR": "submissions_per_hour",
    "SIGN_INS_PER_TEN_MINUTES": "sign_ins_per_ten_minutes",
    "PROXY_HOPS": "proxy_hops",
    # Routing and delivery
    "OPERATOR_ALERT_EMAIL": "operator_alert_email",
}


@dataclasses.dataclass(frozen=True)
class Config:
    environment: str = "development"
    secret_key: str = DEV_SECRET_KEY
    var_dir: Path = PROJECT_ROOT / "var"
    database_url: str | None = None
    redis_url: str | None = None
    queue_name: str = "delivery"
    session_cookie_secure: bool = False
    # WCAG 2.2.1: a time limit over 20 hours needs no warning; the product promise is "at most 24".
    draft_ttl_seconds: int = 24 * 3600
    review_days: int = 7
    reconcile_after_seconds: int = 60
    max_content_length: int = 256 * 1024
    demo: bool = True
    # Where "Exit this page" leads: a neutral site that says nothing about this one.
    exit_url: str = "https://www.yr.no/"
    # Notifications to intake teams: counts and a link, never report content.
    public_base_url: str = "http://127.0.0.1:5000"
    smtp_host: str = ""  # empty: notifications are logged, not sent (development)
    smtp_port: int = 25
    mail_from: str = "ikke-svar@bekymringsmelding.example"
    # Retention. The sealed copy of a report is kept this long after the service acknowledged
    # it (it is in their own case system by then); the envelope row stays for the statistics.
    retention_days_after_acknowledgement: int = 30
    # The audit log (who did what, when). Ten years is a placeholder, not legal advice: the
    # operator must set the period the law and the data processing agreement require.
    audit_retention_days: int = 3650
    # Observability. JSON lines in production (from_env), readable text in development.
    log_format: str = "text"
    log_level: str = "info"
    # /metrics needs "Authorization: Bearer <this>"; unset, /metrics is open in development and
    # absent (404) in production, where counts per state are nobody else's business.
    metrics_token: str = ""
    # Abuse. Per client (a keyed hash of its address, in Redis): reports sent per hour, sign-in
    # attempts per ten minutes. A school or an office behind one address sends more than one
    # person does; these are set for that, not for one reporter.
    submissions_per_hour: int = 20
    sign_ins_per_ten_minutes: int = 30
    # How many reverse proxies in front of the app set X-Forwarded-For (0: none). Only then is
    # the client's address, for the rate limits, read from that header.
    proxy_hops: int = 0
    # Routing and delivery. Operators are mailed here (over SMTP_HOST) when an envelope's delivery
    # fails after the last try, or a service cannot receive for want of a key; ids only, never
    # report content. Empty: those alerts are only logged (log.error).
    operator_alert_email: str = ""

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None = None) -> Config:
        """Build from keys named like the fields, in upper or lower case; unknown keys are
        refused."""
        fields = {f.name: f for f in dataclasses.fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in (values or {}).items():
            name = key.lower()
            if name not in fields:
                raise KeyError(f"unknown setting {key!r}")
            kwargs[name] = _coerce(fields[name].type, value)
        config = cls(**kwargs)
        if config.database_url is None:
            config = dataclasses.replace(
                config, database_url=f"sqlite:///{Path(config.var_dir) / 'concern.db'}"
            )
        return config

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        environ = os.environ if environ is None else environ
        values = {field: environ[env] for env, field in ENVIRONMENT.items() if environ.get(env)}
        if values.get("environment") == "production":
            values.setdefault("demo", "false")
            values.setdefault("session_cookie_secure", "true")
            values.setdefault("log_format", "json")
        return cls.from_mapping(values)

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def problems(self) -> list[str]:
        """What makes this configuration unsafe for production, one sentence per setting."""
        if not self.is_production:
            return []
        found = []
        if self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32:
            found.append("SECRET_KEY is the development default or shorter than 32 characters")
        if not self.session_cookie_secure:
            found.append("SESSION_COOKIE_SECURE must be true: cookies must travel over HTTPS only")
        if self.demo:
            found.append("DEMO must be false: demo services, keys and users are for development")
        if not self.redis_url:
            found.append("REDIS_URL must be set: the embedded Redis is for development only")
        if self.metrics_token and len(self.metrics_token) < 32:
            found.append("METRICS_TOKEN must be 32 characters or more")
        if self.log_format not in ("json", "text"):
            found.append("LOG_FORMAT must be json or text")
        return found

    def check(self) -> None:
        found = self.problems()
        if found:
            raise UnsafeConfiguration("refusing to start in production: " + "; ".join(found))


def _coerce(kind: Any, value: Any) -> Any:
    kind = str(kind)
    if "bool" in kind and isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if kind.startswith("int") and isinstance(value, str):
        return int(value)
    if "Path" in kind and value is not None:
        return Path(value)
    return value
