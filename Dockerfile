# syntax=docker/dockerfile:1
# Rapid Debrief's production image: `python -m bot` as an unprivileged user, settings from the environment
# (README, Configuration). Bases are pinned to exact versions so a rebuild gives the same software; bump them
# deliberately. The Python minor version is the project's (pyproject.toml).
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# The Teams JavaScript SDK the Oversight tab serves from node_modules (bot/tab/routes.py): package.json's runtime
# dependency only, none of the development tools.
FROM ${NODE_IMAGE} AS tab-sdk
WORKDIR /build
COPY package.json ./
RUN npm install --omit=dev --no-save --no-audit --no-fund --loglevel=error \
    && test -f node_modules/@microsoft/teams-js/dist/umd/MicrosoftTeams.min.js

# The runtime dependencies in a virtual environment, from wheels only: nothing is compiled, so no compiler is needed
# here or shipped below.
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --only-binary=:all: -r /tmp/requirements.txt

FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=3978
# A fixed uid and gid, so volume permissions and the platform's "run as non-root" policy can name them.
RUN groupadd --system --gid 10001 debrief \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin debrief
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=tab-sdk /build/node_modules/@microsoft/teams-js /app/node_modules/@microsoft/teams-js
COPY bot/ bot/
COPY cards/ cards/
COPY debrief/ debrief/
COPY documents/ documents/
COPY storage/ storage/
# The code stays root's and read-only to the app; compile it now, as the app cannot write __pycache__. Only data/
# (the embedded SQLite default; production uses DATABASE_URL) is the app's to write. UK time must resolve.
RUN python -m compileall -q bot cards debrief documents storage \
    && python -c "import zoneinfo; zoneinfo.ZoneInfo('Europe/London')" \
    && mkdir data && chown 10001:10001 data
USER 10001:10001
EXPOSE 3978
# /healthz answers 200 when the database answers, 503 otherwise; urllib raises (exit 1) on either failure. No
# proxy: a deployment's HTTP(S)_PROXY for Microsoft's services must not carry a loopback probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.build_opener(r.ProxyHandler({})).open('http://127.0.0.1:' + os.environ.get('PORT', '3978') + '/healthz', timeout=4)"]
CMD ["python", "-m", "bot"]
