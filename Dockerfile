# The one image for web (gunicorn), worker and beat (celery). See docs/operations.md.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_NO_CACHE=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=smartcoop.settings \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/srv/media

# WeasyPrint's libraries and fonts (the same list as scripts/install-system-packages.sh,
# so PDFs render as in the test suite), gettext for compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libffi8 \
        fonts-dejavu-core fonts-liberation2 fonts-noto-core \
        gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them. uv is
# pinned like in scripts/bootstrap.sh and leaves the image with this layer.
COPY pyproject.toml uv.lock ./
RUN pip install "uv==0.13.9" \
    && uv sync --frozen --no-dev \
    && pip uninstall -y uv

COPY . .

# Settings refuse to load in production mode without these; the values exist
# only for this build step (nothing connects to the database) and are not
# kept in the image.
RUN export DATABASE_URL=postgres://build@127.0.0.1:1/build \
        SECRET_KEY=build-only-not-secret \
        FIELD_ENCRYPTION_KEYS=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
    && python manage.py compilemessages -v0 \
    && python manage.py collectstatic --noinput -v0

RUN groupadd --system --gid 10001 smartcoop \
    && useradd --system --uid 10001 --gid smartcoop --home-dir /app \
        --shell /usr/sbin/nologin smartcoop \
    && mkdir -p /srv/media \
    && chown smartcoop:smartcoop /srv/media
USER smartcoop

EXPOSE 8000
ENV GUNICORN_WORKERS=3 \
    GUNICORN_THREADS=4 \
    GUNICORN_TIMEOUT=60
# Workers and threads come from the environment (docker-compose.yml, .env).
CMD ["sh", "-c", "exec gunicorn smartcoop.wsgi --bind 0.0.0.0:8000 --workers \"$GUNICORN_WORKERS\" --threads \"$GUNICORN_THREADS\" --timeout \"$GUNICORN_TIMEOUT\" --max-requests 1000 --max-requests-jitter 100 --worker-tmp-dir /dev/shm --no-control-socket --access-logfile - --error-logfile -"]
