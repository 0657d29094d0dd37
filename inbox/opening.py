"""Opening a report in the browser: the page on which a team member picks the service's key
file and types its passphrase, and JavaScript (static/js/open-report.js, with libsodium's
WebAssembly build) opens the envelope fetched from the download route.

The server never sees the key file, the passphrase or the report: the page has no form that
posts them, and the only request it makes is the download the list already offers. Only this
page may compile WebAssembly, so only its response widens the Content-Security-Policy.
"""

from __future__ import annotations

from flask import Response, g, make_response, render_template

import i18n
from extensions import db_session
from inbox import auth
from inbox.report_labels import report_language
from inbox.views import blueprint, own_envelope

# The application's policy (app.CONTENT_SECURITY_POLICY) plus 'wasm-unsafe-eval', which lets
# the page compile libsodium's WebAssembly and nothing else: no eval, no inline script.
OPEN_PAGE_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


@blueprint.get("/reports/<envelope_id>/open")
def open_report(envelope_id: str) -> Response:
    envelope = own_envelope(envelope_id)
    auth.audit(db_session(), "open-page-viewed", user=g.user, envelope_id=envelope.id)
    db_session().commit()
    response = make_response(render_template(
        "inbox/open.html", envelope=envelope,
        report_language=report_language(i18n.current().code)))
    # The app's after_request sets its own policy only where none is set yet.
    response.headers["Content-Security-Policy"] = OPEN_PAGE_CONTENT_SECURITY_POLICY
    return response
