# syntax=docker/dockerfile:1
# The production image: gunicorn serves the web app (CMD); the same image runs the delivery
# worker (`flask routing worker`) and the migrations (`flask db upgrade`), see compose.yaml.
# tests/container builds it with podman on a local stand-in for python:3.11-slim and runs all
# three (README, Production); tests/integration/test_deployment_files.py lints it (hadolint).

# --- build: dependencies into a virtualenv, catalogs compiled -------------------------------
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY requirements/build.lock requirements/runtime.lock requirements/
COPY pyproject.toml ./
COPY *.py alembic.ini babel.cfg ./
COPY intake intake
COPY routing routing
COPY inbox inbox
COPY migrations migrations
COPY translations translations
# pip and setuptools first (a new venv brings setuptools 65.5.0, which has known
# vulnerabilities), then exactly the locked runtime dependencies, every file checked against
# its hash (requirements/, made by scripts/lock.py). The project itself is not installed: the
# code runs from /app, where config.PROJECT_ROOT finds templates, translations and data.
RUN python -m venv /venv \
 && /venv/bin/pip install --require-hashes -r requirements/build.lock \
 && /venv/bin/pip install --require-hashes -r requirements/runtime.lock \
 && /venv/bin/pybabel compile -d translations \
 && rm -rf build ./*.egg-info requirements

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
