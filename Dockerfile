# Zicht op wijken: production image (gunicorn, non-root, healthcheck).
# CMD is `zow serve`: gunicorn with gevent workers and bounded waits on clients
# (dashboard/gunicorn_conf.py, dashboard/serving.py), safe to expose without a proxy.
# The image carries the data snapshot (data/snapshot): `docker run` serves data at once,
# loading the snapshot into /data/zow.duckdb when no store is there yet. Fresher data:
#   a volume with a store at /data (ZOW_STORE=/data/zow.duckdb), or
#   docker exec <container> zow etl   (live CBS and PDOK, then restart the container), or
#   docker build --build-arg BUILD_STORE=1 .        (needs internet: live CBS and PDOK)
# Steps mirror what CI runs: `pip install .` and `zow etl`.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY core ./core
COPY etl ./etl
COPY zow ./zow
COPY dashboard ./dashboard
COPY data/snapshot /opt/snapshot
ENV ZOW_SNAPSHOT=/opt/snapshot
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --upgrade pip setuptools \
    && /opt/venv/bin/pip install .

FROM build AS store
ARG BUILD_STORE=0
RUN mkdir -p /data && if [ "$BUILD_STORE" = "1" ]; then \
        /opt/venv/bin/zow etl --store /data/zow.duckdb --cache-dir /tmp/cache; \
    fi

FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    ZOW_STORE=/data/zow.duckdb \
    ZOW_SNAPSHOT=/opt/snapshot
RUN groupadd --system --gid 10001 zow \
    && useradd --system --uid 10001 --gid zow --home-dir /app --shell /usr/sbin/nologin zow
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/snapshot /opt/snapshot
COPY --from=store --chown=10001:10001 /data /data
WORKDIR /app
USER 10001:10001
EXPOSE 8050
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8050/healthz', timeout=4).status == 200 else 1)"]
# --snapshot-if-missing: without a store at /data, build it from the snapshot (seconds) first.
CMD ["zow", "serve", "--snapshot-if-missing", "--prod", "--host", "0.0.0.0", "--port", "8050", "--workers", "4"]
