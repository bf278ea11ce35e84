# hsi-top --serve as a container in the stack (README: "As a container in the stack").
#
#   docker build --build-arg VERSION="$(git describe --tags --always --dirty)" -t hsi-top .
#   docker run --rm --gpus all --pid host hsi-top --version
#
# Build stage: the Go toolchain on the same Debian release as the runtime image, so the
# cgo-linked binary finds the glibc it was built against.
FROM golang:1.26-bookworm AS build
WORKDIR /src
# Modules first: a source change then reuses the downloaded dependencies.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# cgo on: go-nvml loads libnvidia-ml.so.1 with dlopen at run time (the NVIDIA runtime mounts
# it), so the build needs gcc but no NVIDIA library. .git is not in the build context, so
# the version comes from VERSION (empty: "devel").
ARG VERSION=""
RUN CGO_ENABLED=1 CGO_CFLAGS=-Wno-deprecated-declarations \
    go build -trimpath -buildvcs=false -ldflags "-s -w -X main.version=${VERSION}" -o /out/hsi-top . \
 && /out/hsi-top --version

# Runtime stage: glibc (for cgo and the driver's NVML), ldconfig and /etc/ld.so.conf.d
# (where the NVIDIA runtime registers the library it mounts), nothing else; no shell tools
# are needed, the binary does its own health check.
FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /var/lib/hsi-top hsi-top \
 && install -d -o hsi-top -g hsi-top -m 0700 /var/lib/hsi-top
COPY --from=build /out/hsi-top /usr/local/bin/hsi-top
# The NVIDIA container runtime mounts the devices and, for "utility", libnvidia-ml (NVML)
# and nvidia-smi; hsi-top needs no compute libraries.
# XDG_STATE_HOME puts hsi-top's state (history, alert log, snoozes: $XDG_STATE_HOME/hsi-top)
# in the volume.
ENV NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=utility \
    XDG_STATE_HOME=/var/lib
USER hsi-top
WORKDIR /var/lib/hsi-top
VOLUME /var/lib/hsi-top
EXPOSE 8089
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["hsi-top", "healthcheck", "http://127.0.0.1:8089/healthz"]
ENTRYPOINT ["hsi-top"]
# All interfaces inside the container; publish or proxy the port deliberately.
CMD ["--serve", "0.0.0.0:8089"]
