#!/usr/bin/env bash
# The base of the test's Redis, PostgreSQL and Keycloak images: Debian bookworm (minbase) from the
# Debian mirror apt uses here, imported into the container engine as $1. Needs root and debootstrap.
set -euo pipefail
image="$1"
mirror="$(grep -h -m1 -oE '^URIs: *http[^ ]*/debian/?$' /etc/apt/sources.list.d/*.sources 2>/dev/null | sed 's/^URIs: *//' || true)"
mirror="${mirror:-http://deb.debian.org/debian}"
command -v debootstrap >/dev/null || { echo "debootstrap is missing (apt-get install debootstrap; .ci/podman-setup installs it)" >&2; exit 2; }
rootfs="$(mktemp -d /tmp/allied-debian-rootfs.XXXXXX)"
trap 'rm -rf "$rootfs"' EXIT
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
tar -C "$rootfs" -c . | podman import - "$image" >/dev/null
