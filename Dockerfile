# syntax=docker/dockerfile:1
# The production image: gunicorn serves the web app (CMD); the same image runs the delivery
# worker (`flask routing worker`) and the migrations (`flask db upgrade`), see compose.yaml.
# tests/container builds it with podman on a local stand-in for python:3.11-slim and runs all
# three (README, Production); tests/integration/test_deployment_files.py lints it (hadolint).

# --- build: dependencies into a virtualenv, catalogs compiled -------------------------------
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml ./
COPY *.py alembic.ini babel.cfg ./
COPY intake intake
COPY routing routing
COPY inbox inbox
COPY migrations migrations
COPY translations translations
# Install the project to get its dependencies, then remove the project itself: the code runs
# from /app, where config.PROJECT_ROOT finds templates, translations and data beside it.
RUN python -m venv /venv \
 && /venv/bin/pip install . \
 && /venv/bin/pip uninstall --yes concern-report \
 && /venv/bin/pybabel compile -d translations \
 && rm -rf build ./*.egg-info

# --- run: no compilers, no pip cache, not root ------------------------------------------------
FROM python:3.11-slim
ENV PATH=/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FLASK_APP=app \
    APP_ENV=production \
    VAR_DIR=/tmp/var \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin app
WORKDIR /app
COPY --from=build /venv /venv
COPY --from=build /src /app
COPY templates templates
COPY static static
COPY data data
USER 10001:10001
EXPOSE 8000
# Liveness only (/healthz); readiness (/readyz) is for the load balancer. On the port gunicorn
# listens on (PORT, as gunicorn.conf.py reads it).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "app:create_app()"]
