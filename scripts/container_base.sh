#!/usr/bin/env bash
# The container engine for tests/container and `make podman`: Debian's podman with the settings
# these machines need, and local stand-ins for the three images the Dockerfile and compose.yaml
# name, since no image registry can be reached from here:
#   python:3.11-slim    a debootstrap of Debian bookworm with its Python 3.11 (the base)
#   redis:7.2-alpine    Debian's redis-server on that base (scripts/standins/redis)
#   postgres:16-alpine  Debian's postgresql-15 on that base (scripts/standins/postgres)
# Idempotent: what is there is kept. The engine's storage is machine-wide (CONTAINER_HOME), so
# only the first run on a machine installs and builds; every step prints its time.
#
#   scripts/container_base.sh        install what is missing, build the stand-ins that are missing
#   scripts/container_base.sh env    print the environment every podman call needs (KEY=VALUE)
#
# See ../shared/research/containers.md for how this was worked out.
set -euo pipefail
cd "$(dirname "$0")/.."

CONTAINER_HOME="${CONTAINER_HOME:-/var/lib/concern-report-podman}"
export CONTAINERS_CONF="$CONTAINER_HOME/containers.conf"
export CONTAINERS_STORAGE_CONF="$CONTAINER_HOME/storage.conf"
BASE=localhost/debian-python:bookworm
# Raise when build_base changes, so machines that have the old base build it again.
BASE_RECIPE=1

if [ "${1:-}" = env ]; then
  echo "CONTAINERS_CONF=$CONTAINERS_CONF"
  echo "CONTAINERS_STORAGE_CONF=$CONTAINERS_STORAGE_CONF"
  exit 0
fi

step() {  # step NAME COMMAND...: run it and say how long it took
  local name="$1" started
  shift
  started=$(date +%s.%N)
  "$@"
  awk -v name="$name" -v t="$started" -v now="$(date +%s.%N)" \
    'BEGIN { printf "container_base: %-34s %6.1f s\n", name, now - t }'
}

install_packages() {
  apt-get update -qq
  # podman-compose is Debian's (1.0.3); iptables and the CNI plugins give compose's network
  # (and its service names, through dnsname) to the containers.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    podman buildah runc fuse-overlayfs slirp4netns uidmap debootstrap podman-compose \
    containernetworking-plugins golang-github-containernetworking-plugin-dnsname iptables \
    >/dev/null
}

write_engine_config() {
  mkdir -p "$CONTAINER_HOME"
  # Containers may not raise rlimits here (no CAP_SYS_RESOURCE): podman's defaults are above
  # what the host allows (nofile: its hard limit; nproc: 4096 is what was seen to work). crun
  # refuses these machines' hybrid cgroups; runc runs. No systemd, no journald: events to a file.
  local nofile nproc=4096
  nofile=$(ulimit -Hn)
  [ "$nofile" = unlimited ] && nofile=1048576
  cat >"$CONTAINERS_CONF.new" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
  cat >"$CONTAINERS_STORAGE_CONF.new" <<CONF
[storage]
driver = "overlay"
graphroot = "$CONTAINER_HOME/storage"
runroot = "/run/concern-report-podman"
CONF
  mv "$CONTAINERS_CONF.new" "$CONTAINERS_CONF"
  mv "$CONTAINERS_STORAGE_CONF.new" "$CONTAINERS_STORAGE_CONF"
}

debian_mirror() {  # the mirror apt uses on this machine, so the base has the same Debian
  local mirror
  mirror=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | grep -v security | head -1 \
           | awk '{print $2}')
  [ -n "$mirror" ] || mirror=$(grep -hsE '^deb ' /etc/apt/sources.list | grep -v security \
                               | head -1 | awk '{print $2}')
  echo "${mirror:-http://deb.debian.org/debian}"
}

build_base() {
  local rootfs="$CONTAINER_HOME/rootfs"
  cleanup_rootfs "$rootfs"
  if ! debootstrap --variant=minbase \
       --include=python3,python3-venv,python-is-python3,ca-certificates \
       bookworm "$rootfs" "$(debian_mirror)" >"$CONTAINER_HOME/debootstrap.log" 2>&1; then
    tail -30 "$CONTAINER_HOME/debootstrap.log" >&2
    cleanup_rootfs "$rootfs"
    return 1
  fi
  # This machine reaches the package registries through a proxy with its own CA: a build in the
  # image trusts what the machine trusts.
  cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/" 2>/dev/null || true
  chroot "$rootfs" update-ca-certificates >>"$CONTAINER_HOME/debootstrap.log" 2>&1
  chroot "$rootfs" apt-get clean
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/* "$rootfs"/var/cache/debconf/*-old
  # What python:3.11-slim sets that the Dockerfile relies on (LANG, PATH, CMD).
  tar --numeric-owner -C "$rootfs" -c . | podman import \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["python3"]' --change "LABEL concern.recipe=$BASE_RECIPE" \
    --quiet - "$BASE" >/dev/null
  cleanup_rootfs "$rootfs"
  podman tag "$BASE" docker.io/library/python:3.11-slim
}

cleanup_rootfs() {  # debootstrap mounts /proc and /sys inside; never delete through a mount
  local rootfs="$1" mountpoint
  [ -d "$rootfs" ] || return 0
  for mountpoint in $(awk -v r="$rootfs/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r); do
    umount -l "$mountpoint"
  done
  rm -rf --one-file-system "$rootfs"
}

build_standin() {  # build_standin NAME TAG
  local log="$CONTAINER_HOME/standin-$1.log"
  if ! podman build --pull=never --network host --format docker --build-arg "BASE=$BASE" \
       --label "concern.recipe=$(recipe "$1")" -t "$2" "scripts/standins/$1" >"$log" 2>&1; then
    tail -30 "$log" >&2
    return 1
  fi
}

recipe() {  # what a stand-in is built from: its directory, and the base under it
  echo "$(cat "scripts/standins/$1"/* | sha256sum | cut -c1-16)-base$BASE_RECIPE"
}

have() {  # have IMAGE [RECIPE]: the image is here, built from this recipe
  podman image exists "$1" || return 1
  [ "$(podman image inspect --format '{{index .Labels "concern.recipe"}}' "$1")" = "${2:-$BASE_RECIPE}" ]
}

started=$(date +%s)
if ! command -v podman >/dev/null || ! command -v debootstrap >/dev/null \
   || ! command -v podman-compose >/dev/null || ! command -v runc >/dev/null; then
  step "install podman, debootstrap (apt)" install_packages
fi
write_engine_config
mkdir -p "$CONTAINER_HOME"
exec 9>"$CONTAINER_HOME/lock"
flock 9  # another checkout on this machine may be building the same stand-ins
# `if`, not `have || step`: on the right of || a failing step would not stop the script.
if ! have "$BASE" || ! have docker.io/library/python:3.11-slim; then
  step "base: debootstrap bookworm" build_base
fi
# The two stand-ins at once: most of their time is apt fetching and unpacking.
builds=()
if ! have docker.io/library/redis:7.2-alpine "$(recipe redis)"; then
  step "redis stand-in" build_standin redis docker.io/library/redis:7.2-alpine &
  builds+=($!)
fi
if ! have docker.io/library/postgres:16-alpine "$(recipe postgres)"; then
  step "postgres stand-in" build_standin postgres docker.io/library/postgres:16-alpine &
  builds+=($!)
fi
for build in "${builds[@]}"; do
  wait "$build"
done
if [ "${#builds[@]}" -gt 0 ]; then
  podman image prune --force >/dev/null  # the images these replaced
fi
flock -u 9
echo "container_base: ready in $(( $(date +%s) - started )) s (storage: $CONTAINER_HOME)"
