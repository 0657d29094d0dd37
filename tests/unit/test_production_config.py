"""Production refuses to start with unsafe settings, and says which."""

from __future__ import annotations

import pytest

from app import create_app
from config import Config, UnsafeConfiguration

SAFE = {
    "APP_ENV": "production",
    "SECRET_KEY": "s" * 48,
    "DATABASE_URL": "sqlite:///:memory:",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SESSION_COOKIE_SECURE": "false"}, "SESSION_COOKIE_SECURE"),
        ({"DEMO": "true"}, "DEMO"),
        ({"REDIS_URL": ""}, "REDIS_URL"),
        ({"METRICS_TOKEN": "short"}, "METRICS_TOKEN"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
    ],
)
def test_production_refuses_an_unsafe_setting_and_names_it(change, named):
    with pytest.raises(UnsafeConfiguration, match=named):
        create_app(Config.from_env({**SAFE, **change}))


def test_production_starts_with_safe_settings():
    app = create_app(Config.from_env(SAFE))
    assert app.config["SESSION_COOKIE_SECURE"] is True
