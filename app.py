"""The application factory: wires configuration, extensions, the three rooms and the CLI.

Nothing runs at import time; `flask --app app` and gunicorn (`'app:create_app()'`) call
`create_app()`. Tests pass a plain dict.
"""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable, Mapping
from datetime import timedelta
from types import FunctionType
from typing import Any

from flask import Flask, Response, abort, render_template, request
from flask_babel import gettext as _
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

import assets
import form_markup
import form_tokens
import i18n
import log_format
import rate_limits
from config import PROJECT_ROOT, Config, UnsafeConfiguration
from database import Database
from dbcli import db_cli
from demo_cli import demo_cli
from extensions import babel, close_db_session, csrf, this_request
from inbox import retention as audit_retention
from inbox.cli import inbox_cli
from inbox.views import blueprint as inbox_blueprint
from intake import drafts
from intake.bidi import ltr_numbers
from intake.forms.base import shown_limit
from intake.views import blueprint as intake_blueprint
from intake.views import limit_hint
from redis_connection import connect
from routing import alerts, monitoring, notifications, retention
from routing.api import blueprint as api_blueprint
from routing.cli import directory_cli, keys_cli, routing_cli
from routing.health import blueprint as health_blueprint
from routing.housekeeping import Task
from routing.models import Service, ServiceKey
from session_cookie import SessionInterface

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def create_app(config: Config | Mapping[str, Any] | None = None) -> Flask:
    if config is None:
        config = Config.from_env()
    elif not isinstance(config, Config):
        config = Config.from_mapping(config)
    config.check()

    app = ConcernApp(__name__, static_folder="static", template_folder="templates")
    # We never make an address with "//": one that has it is a client's mistake, and a 404 says
    # so where Werkzeug's default would redirect an API client somewhere it did not ask for.
    app.url_map.merge_slashes = False
    app.config.update(
        SECRET_KEY=config.secret_key,
        MAX_CONTENT_LENGTH=config.max_content_length,
        SESSION_COOKIE_SECURE=config.session_cookie_secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # A slow, upset reporter must not lose a page to an expired token: the token lives as
        # long as the session, which ends when the browser closes.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=False,
        BABEL_DEFAULT_LOCALE=i18n.DEFAULT_LOCALE,
        BABEL_TRANSLATION_DIRECTORIES=str(PROJECT_ROOT / "translations"),
    )
    app.extensions["config"] = config
    app.session_interface = SessionInterface()
    assets.init_app(app)
    app.extensions["database"] = Database(config.database_url or "")
    app.extensions["redis"] = functools.cache(lambda: connect(config.redis_url, config.var_dir))
    app.extensions["housekeeping"] = _housekeeping(config)

    babel.init_app(app, locale_selector=i18n.select_locale, default_timezone="Europe/Oslo")
    i18n.init_app(app)
    app.before_request(i18n.remember_choice)
    # Before CSRFProtect, which reads every field name as text and fails on a nameless one.
    app.before_request(_refuse_nameless_form_fields)
    csrf.init_app(app)
    form_tokens.init_app(app)
    app.teardown_appcontext(close_db_session)

    app.register_blueprint(intake_blueprint)
    app.register_blueprint(inbox_blueprint, url_prefix="/inbox")
    app.register_blueprint(api_blueprint, url_prefix="/api/v1")
    app.register_blueprint(health_blueprint)
    monitoring.init_app(app)
    rate_limits.init_app(app)
    if config.proxy_hops:
        # Only the proxies' own header is believed, and only as many hops as there are proxies.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.proxy_hops,  # type: ignore[method-assign]
                                x_proto=config.proxy_hops)

    for group in (directory_cli, keys_cli, routing_cli, inbox_cli, demo_cli, db_cli):
        app.cli.add_command(group)

    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(SQLAlchemyError, _database_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.jinja_env.add_extension("jinja2.ext.do")
    _macros_as_globals(app)
    # A field's stated limit and numbers that keep their direction are the reporter's room's.
    form_markup.install(app, form_markup.FieldMarkup(
        numbers=ltr_numbers, limit_of=shown_limit, limit_hint=limit_hint))
    app.context_processor(
        lambda: {"locale": i18n.current(), "locales": i18n.LOCALES,
                 "language_url": i18n.language_url}
    )
    _configure_logging(config)
    if config.is_production:
        _refuse_demo_data(app.extensions["database"])
    return app


class ConcernApp(Flask):
    """Flask, with what `ensure_sync` found for each plain function kept. Flask asks it of every
    hook, context processor and view on every request, and each answer is inspect's, which reads
    the function's code flags through three calls: a dozen times a wizard request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync_functions: dict[FunctionType, Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        if type(func) is not FunctionType:  # a bound method is a new object each time it is read
            return super().ensure_sync(func)
        found = self._sync_functions.get(func)
        if found is None:
            found = self._sync_functions[func] = super().ensure_sync(func)
        return found


def _macros_as_globals(app: Flask) -> None:
    """Every template may call the macros in macros.html without importing them. An import is
    paid on every page that makes it (Jinja compares the page's globals with the module's),
    a twentieth of a wizard request; the macros read only globals, so one module serves all."""
    macros = app.jinja_env.get_template("macros.html").module
    app.jinja_env.globals.update(
        (name, getattr(macros, name)) for name in macros.__dict__ if not name.startswith("_"))


def _housekeeping(config: Config) -> list[Task]:
    """The rooms' periodic tasks, which the delivery worker runs beside delivery (with the
    reconciler, which is its own: routing/worker.py)."""
    return [
        Task("expired drafts", timedelta(minutes=1), drafts.purge_expired),
        notifications.housekeeping_task(config),
        alerts.housekeeping_task(config),
        retention.housekeeping_task(config),
        audit_retention.housekeeping_task(config),
    ]


def _refuse_demo_data(database: Database) -> None:
    """DEMO=false is not enough: a production database must not hold the demo services, whose
    private keys and passwords are on a developer's disk and in the README."""
    with database.session() as session:
        try:
            # No schema yet (`flask db upgrade` itself starts here): nothing demo in it either.
            # Asked of the catalog, because a SELECT from the missing table is an ERROR in
            # PostgreSQL's log at every first migration.
            if not inspect(session.connection()).has_table(Service.__tablename__):
                return
            services = session.scalar(select(func.count()).select_from(Service)
                                      .where(Service.is_demo.is_(True)))
            keys = session.scalar(select(func.count()).select_from(ServiceKey)
                                  .where(ServiceKey.is_demo.is_(True)))
        except SQLAlchemyError:
            return  # the database does not answer yet: the app starts, /readyz says so
    if services or keys:
        database.dispose()  # the process will not start: let go of the connection now
        raise UnsafeConfiguration(
            f"refusing to start in production: the database holds {services} demo service(s) "
            f"and {keys} demo key(s) with their demo users; use a database without demo data")


def _refuse_nameless_form_fields() -> None:
    """A multipart part whose name cannot be read (name="\\r") becomes a field named None in
    Werkzeug. No browser sends one, and nothing downstream expects it: a plain 400."""
    this = this_request()
    if this.method in ("POST", "PUT", "PATCH") and None in this.form:
        abort(400)


# Browsers ignore Strict-Transport-Security over plain HTTP, so development on 127.0.0.1 is
# unaffected; behind the production TLS proxy it keeps every later visit on HTTPS. No-store on
# pages: answers about a child must not linger in a shared computer's cache or history.
_SECURITY_HEADERS = (
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Strict-Transport-Security", "max-age=63072000; includeSubDomains"),
)
_PAGE_HEADERS = (*_SECURITY_HEADERS, ("Cache-Control", "no-store"))


def _security_headers(response: Response) -> Response:
    """Our values replace a view's own, except a Content-Security-Policy that a view set (the
    page that opens a report widens it for WebAssembly). Headers not yet there are appended: each
    replacement scans the whole list, and on most responses none of them is there yet."""
    headers = response.headers
    present = {name.lower() for name in headers.keys()}
    if "content-security-policy" not in present:
        headers.add("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    for name, value in _PAGE_HEADERS if response.mimetype == "text/html" else _SECURITY_HEADERS:
        if name.lower() in present:
            headers[name] = value
        else:
            headers.add(name, value)
    return response


def _http_error(error: HTTPException) -> tuple[str, int]:
    return render_template("error.html", code=error.code, title=_http_title(error.code)), (
        error.code or 500
    )


def _http_title(code: int | None) -> str:
    titles = {
        400: _("Something went wrong with this page"),
        404: _("Page not found"),
        405: _("Page not found"),
        413: _("What you sent is too large"),
        429: _("Too many attempts"),
    }
    return titles.get(code or 500, _("Something went wrong"))


def _unexpected_error(error: Exception) -> tuple[str, int]:
    if isinstance(error, HTTPException):
        return _http_error(error)
    # The type and where it happened, never the message: it could hold what someone typed.
    where = " < ".join(
        f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}"
        for frame in reversed(traceback.extract_tb(error.__traceback__))
    )
    logging.getLogger("app").error("unexpected %s at %s", type(error).__name__, where)
    return render_template("error.html", code=500, title=_("Something went wrong")), 500


def _database_error(error: SQLAlchemyError) -> tuple[str, int]:
    """The database failed a request: unreachable, restarting, or a lock held past the wait.
    On "Send" the reporter must learn that nothing was sent and that their answers wait in the
    draft, not read "Something went wrong": the send view says so for a failure while accepting
    the report, and this for one before, such as reading the draft from a database that is gone."""
    if request.endpoint != "intake.send":
        return _unexpected_error(error)
    logging.getLogger("app").error("a report was not sent: database error %s",
                                   type(error).__name__)
    return render_template("intake/not_sent.html"), 503


def _configure_logging(config: Config) -> None:
    log_format.configure(config.log_format, config.log_level)
