#!/usr/bin/env bash
# `make image-test`: build the Dockerfile without a Docker engine and test the
# image, the way these machines allow (root, no `podman run`):
#   1. podman and debootstrap from apt, if missing;
#   2. a local base image, localhost/debian:bookworm, debootstrapped (minbase)
#      from the Debian mirror apt uses here (DEBIAN_MIRROR overrides it);
#   3. podman build with chroot isolation, the host's CA bundle mounted for
#      pip/npm (tools/with-ca) and the MNIST folder for the notebook's page;
#   4. buildah from + buildah run: `make test` inside the image (the Python tests,
#      browser ones included, the notebook and the JavaScript tests; TEST=test-py
#      for the Python tests without chromium), then the image's own command (the
#      site server), fetched from here with curl.
# IMAGE names the result (default localhost/aec:test). Prints each stage's time.
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=${IMAGE:-localhost/aec:test}
BASE_IMAGE=localhost/debian:bookworm
HOST_CA=${HOST_CA:-/etc/ssl/certs/ca-certificates.crt}
MNIST=${MNIST_DIR:-$(realpath -m ../shared/datasets/mnist)}
PORT=${PORT:-8765}
export DEBIAN_FRONTEND=noninteractive

start=$(date +%s)
stage() { echo "== $(( $(date +%s) - start )) s: $*"; }
die() { echo "image-test: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (podman's chroot builds, debootstrap)"
[ -d "$MNIST" ] || die "$MNIST: no MNIST folder (set MNIST_DIR to the four IDX .gz files)"
[ -s "$HOST_CA" ] || die "$HOST_CA: no CA bundle (set HOST_CA)"

if ! command -v podman >/dev/null || ! command -v buildah >/dev/null || ! command -v debootstrap >/dev/null; then
  stage "apt-get install podman buildah debootstrap"
  apt-get update -q && apt-get install -y -q podman buildah debootstrap
fi

if ! podman image exists "$BASE_IMAGE"; then
  # The first ".../debian" URI of apt's own sources (one-line or deb822 style).
  mirror=${DEBIAN_MIRROR:-$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
    2>/dev/null | grep -oE 'https?://[^ ]+/debian/?( |$)' | head -1 | tr -d ' ' || true)}
  mirror=${mirror:-http://deb.debian.org/debian}
  stage "debootstrap --variant=minbase bookworm from $mirror"
  rootfs=$(mktemp -d /var/tmp/aec-rootfs.XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
  tar -C "$rootfs" -c . | podman import - "$BASE_IMAGE" >/dev/null
  rm -rf "$rootfs"
fi

stage "podman build -t $IMAGE (base $BASE_IMAGE)"
podman build --isolation=chroot --build-arg BASE="$BASE_IMAGE" \
  -v "$HOST_CA:/run/host-ca.crt:ro" -v "$MNIST:/shared/datasets/mnist:ro" \
  -t "$IMAGE" .

ctr=$(buildah from "$IMAGE")
SERVER_PID=
stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  exec {SERVER[1]}>&-
  wait "$SERVER_PID" || true
  SERVER_PID=
}
trap 'stop_server; buildah rm "$ctr" >/dev/null' EXIT
# The host's CA bundle, trusted through tools/with-ca as in the build: the wheel test's pip
# fetches its build backend from the index (behind a TLS-intercepting proxy here).
run() { buildah run --isolation chroot -v "$MNIST:/shared/datasets/mnist:ro" -v "$HOST_CA:/run/host-ca.crt:ro" \
          "$ctr" -- tools/with-ca "$@"; }

stage "inside: make ${TEST:-test}"
run make "${TEST:-test}"

stage "inside: the image's command, the site on 127.0.0.1:$PORT"
# The image's CMD, one argument a line, with its port moved off 8000. It runs
# until its stdin (the coprocess' input, closed below) ends.
mapfile -t cmd < <(buildah inspect --type image "$IMAGE" |
  python3 -c 'import json, sys; print(*json.load(sys.stdin)["OCIv1"]["config"]["Cmd"], sep="\n")' | sed "s/^8000$/$PORT/")
coproc SERVER { run bash -c '"$@" >/dev/null 2>&1 & read -r _; kill $!' _ "${cmd[@]}"; }
fetch() { curl -fsS "http://127.0.0.1:$PORT/$1" || die "the image's server did not serve $1"; }
for _ in $(seq 60); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 1; done
for page in index.html demo.html slides/index.html; do fetch "$page" >/dev/null; done
figures=$(fetch notebook.html | grep -o 'src="notebook_files/[^"]*\.png"' | wc -l)
[ "$figures" -gt 0 ] || die "notebook.html has no figures (the notebook did not run in the build)"
stop_server
stage "passed: $IMAGE (make ${TEST:-test} inside; its site served, notebook.html with $figures figures)"
