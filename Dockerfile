# syntax=docker/dockerfile:1
# Build: a static binary with the default corpus embedded in it.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# The same build command CI runs.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/dramabot ./cmd/dramabot \
 && mkdir -p /out/data

# Run: Debian slim rather than distroless, because PDFs (where most market
# reports are published) are read with pdftotext, which distroless cannot
# have; poppler-data holds the CJK encodings Chinese reports use. A
# non-root user, no apt lists left behind.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends poppler-utils poppler-data ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && pdftotext -v
COPY --from=build /out/dramabot /usr/local/bin/dramabot
COPY --from=build --chown=65532:65532 /out/data /data
ENV DRAMABOT_DATA=/data \
    DRAMABOT_ADDR=0.0.0.0:8080 \
    DRAMABOT_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
USER 65532:65532
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD ["/usr/local/bin/dramabot", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/dramabot"]
CMD ["serve"]
