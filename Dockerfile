# One image for the web (gunicorn), worker (celery worker) and beat (celery beat)
# processes; docker-compose.yml picks the process with its command.

# --- Bootstrap from the npm registry, as `make assets` does -------------------
# A separate stage so that nodejs, npm and node_modules stay out of the image.
FROM python:3.11-slim-bookworm AS assets

RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error \
    && mkdir -p vendor/bootstrap/css vendor/bootstrap/js \
    && cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map vendor/bootstrap/css/ \
    && cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map vendor/bootstrap/js/

# --- The application ----------------------------------------------------------
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint draws text through Pango and HarfBuzz; Liberation gives Arial
# metrics and Noto CJK prints Chinese and Japanese place names as glyphs.
# fontconfig's fc-cache builds the system font cache once, here, rather than in
# every worker process that renders a PDF.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fontconfig \
        fonts-liberation \
        fonts-noto-cjk \
        libmagic1 \
    && rm -rf /var/lib/apt/lists/* \
    && fc-cache -f

# `make backup` / `make restore` run pg_dump and pg_restore, which must be at
# least the server's major version (PostgreSQL 16 in docker-compose.yml);
# Debian bookworm has 15, so they come from the PostgreSQL project's own
# repository.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && install -d /usr/share/postgresql-common/pgdg \
    && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc \
        https://www.postgresql.org/media/keys/ACCC4CF8.asc \
    && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
        > /etc/apt/sources.list.d/pgdg.list \
    && apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-16 \
    && apt-get purge -y curl \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system twinning \
    && useradd --system --gid twinning --create-home --home-dir /home/twinning twinning

WORKDIR /app

# Runtime dependencies only; the test tools stay in requirements-dev.txt.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .
COPY --from=assets /build/vendor/ static/vendor/

# DEBUG must be off here so that the hashed, compressed files and the manifest
# that production serves are the ones collected. The key and host are throwaway
# values for this one command; the running container gets its own. var/ is the
# embedded mode's SQLite directory, writable for anyone running the image alone.
RUN DJANGO_DEBUG=false \
    SECRET_KEY=collectstatic-at-build-time-only-never-used-to-sign-anything \
    ALLOWED_HOSTS=build.invalid \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var \
    && chown twinning:twinning /app/var

USER twinning

EXPOSE 8000

# Worker processes: set WEB_CONCURRENCY (gunicorn reads it).
CMD ["gunicorn", "twinning.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-"]
