# Production image: gunicorn for the web, the same image runs `flask routing worker`.
# Issue "Production" extends this (compose file, hadolint, healthcheck on /readyz).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml ./
COPY app.py assets.py config.py database.py dbcli.py extensions.py i18n.py redis_connection.py sealing.py ./
COPY alembic.ini ./
COPY migrations migrations
COPY intake intake
COPY routing routing
COPY inbox inbox
COPY translations translations
RUN python -m venv /venv \
 && /venv/bin/pip install --no-cache-dir . \
 && /venv/bin/pybabel compile -d translations

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /app app
WORKDIR /app
COPY --from=build /venv /venv
COPY --from=build /src /app
COPY templates templates
COPY static static
COPY data data
ENV PATH=/venv/bin:$PATH FLASK_APP=app APP_ENV=production PYTHONDONTWRITEBYTECODE=1
USER app
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/')" || exit 1
CMD ["gunicorn", "--workers", "4", "--bind", "0.0.0.0:8000", "app:create_app()"]
