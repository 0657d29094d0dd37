"""The ceiling for the benchmark: a bare Flask app run under the same gunicorn settings as the
real one. GET / says hello; POST /form reads a small form and redirects, as a wizard step does,
but with no templates, CSRF, drafts, database or sealing.

    gunicorn --workers 4 --bind 127.0.0.1:8000 --pythonpath scripts 'bench_baseline:create_app()'
"""

from __future__ import annotations

from flask import Flask, redirect, request


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def hello() -> str:
        return "hello"

    @app.post("/form")
    def form() -> object:
        if not request.form.get("answer"):
            return "answer missing", 422
        return redirect("/", 303)

    return app
