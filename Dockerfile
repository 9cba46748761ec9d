# syntax=docker/dockerfile:1
# Multi-stage build: compile in the Rust image, run from a slim Debian as a non-root user.

FROM rust:1.95-bookworm AS build
WORKDIR /src
RUN apt-get update \
    && apt-get install -y --no-install-recommends libssl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
# Dependencies first, so that source edits do not rebuild them.
COPY Cargo.toml Cargo.lock ./
COPY .cargo .cargo
# (cargo checks every target's path, the test target's included)
RUN mkdir -p src tests/api && echo 'fn main() {}' > src/main.rs && touch src/lib.rs tests/api/main.rs \
    && cargo build --release --locked \
    && rm -rf src tests
COPY migrations migrations
COPY tests tests
COPY src src
RUN touch src/main.rs src/lib.rs && cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libssl3 curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 nok \
    && useradd --system --uid 10001 --gid nok --home-dir /var/lib/nok --create-home nok
COPY --from=build /src/target/release/nok-api /usr/local/bin/nok-api
# Numeric, so that the host and Kubernetes (runAsNonRoot) see a non-root user without /etc/passwd.
USER 10001:10001
WORKDIR /var/lib/nok
# SQLite lives on the volume; set DATABASE_URL=postgres://… to use PostgreSQL instead.
VOLUME ["/var/lib/nok"]
ENV DATABASE_URL=/var/lib/nok/nok.db \
    NOK_BIND=0.0.0.0:8080 \
    NOK_LOG=info
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
    CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/health"]
ENTRYPOINT ["nok-api"]
CMD ["serve"]
