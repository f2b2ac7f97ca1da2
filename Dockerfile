# syntax=docker/dockerfile:1
# The anml engine as a container: `anml run`, configured by ANML_*
# variables (see `anml run --help`), serving /metrics, /healthz and /readyz
# on port 9464, keeping its RocksDB state in the volume /var/lib/anml.
#
#   docker build -t anml .
#   docker run -e ANML_BROKERS=kafka:9092 -e ANML_DIMENSION=8 -p 9464:9464 anml
#
# deploy/compose.yaml runs it with Kafka, Prometheus and Grafana.

# --- Build stage: the toolchain and -dev packages, from the same script the
# README and CI run on a fresh machine, and the same Release configure as
# scripts/test.sh. Only the anml target is built: the image needs no tests.
FROM debian:bookworm AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DANML_SANITIZE=OFF \
    && cmake --build build --target anml -j"$(nproc)"
# The runtime stage installs exactly deploy/runtime-packages.txt. Here that
# checked-in list is compared with the packages owning every library the
# binary just built loads (ldd + dpkg -S); the build fails if they differ,
# so the runtime stage can never lack a library. tests/deploy runs the same
# check against build/anml.
RUN scripts/runtime-packages.sh --check deploy/runtime-packages.txt build/anml

# --- Runtime stage: the binary, its shared libraries and curl for the
# health check; no compiler, no -dev packages, no source.
FROM debian:bookworm-slim AS runtime
COPY deploy/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update -qq \
    && grep -v '^#' /tmp/runtime-packages.txt \
       | xargs apt-get install -y -qq --no-install-recommends \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt
RUN groupadd --system --gid 10001 anml \
    && useradd --system --uid 10001 --gid anml --home-dir /var/lib/anml \
       --shell /usr/sbin/nologin anml \
    && install -d -o anml -g anml -m 0750 /var/lib/anml
COPY --from=build /src/build/anml /usr/local/bin/anml

# The engine's defaults bind 127.0.0.1 and keep state in ./anml-state;
# in a container the port must be reachable and the state on the volume.
ENV ANML_STATE_DIR=/var/lib/anml \
    ANML_HTTP_ADDRESS=0.0.0.0:9464
# Numeric, so Kubernetes runAsNonRoot can verify it without /etc/passwd.
USER 10001:10001
WORKDIR /var/lib/anml
VOLUME ["/var/lib/anml"]
EXPOSE 9464

# Liveness only: /healthz answers while the process serves. The port is
# taken from ANML_HTTP_ADDRESS, so overriding it keeps the check right.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${ANML_HTTP_ADDRESS##*:}/healthz" || exit 1

# Exec form: anml is PID 1 and receives SIGTERM itself, so `docker stop`
# drains the batch in hand, commits and exits 0.
ENTRYPOINT ["anml"]
CMD ["run"]
