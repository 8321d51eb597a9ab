# The emulator and the example webhook receiver in one small image.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY benches benches
COPY examples examples
RUN cargo build --release --locked --bin wa-onprem-emulator --example receiver

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data wa \
 && mkdir -p /data /certs && chown wa /data /certs
COPY --from=build /src/target/release/wa-onprem-emulator /usr/local/bin/wa-onprem-emulator
COPY --from=build /src/target/release/examples/receiver /usr/local/bin/wa-webhook-receiver
USER wa
ENV WAEMU_HTTPS_ADDR=0.0.0.0:9090 \
    WAEMU_DATA_DIR=/data \
    WAEMU_TLS_HOSTNAMES=localhost,127.0.0.1,emulator
VOLUME /data
EXPOSE 9090
ENTRYPOINT ["wa-onprem-emulator"]
