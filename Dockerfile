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

# Run: no shell, no package manager, a non-root user.
FROM gcr.io/distroless/static-debian12:nonroot
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
