#!/usr/bin/env bash
# `pnpm test:compose`: the whole cluster in containers, end to end. Starts a Docker engine if
# none runs (root with apt), builds a registry-free base image and the service images, brings up
# hypervisor, dom0, 4 guests and host b (profile hosts2), runs the cases in src/ (arguments pick
# cases), and always tears everything down. Exit 75: no Docker engine could be had here.
set -euo pipefail
cd "$(dirname "$0")/../.."

infra/docker/ensure-engine.sh

export XENFS_COMPOSE=infra/docker/compose.sh
# XENFS_COMPOSE_PROJECT and XENFS_TAG keep a second run on the same engine apart from this one.
export COMPOSE_PROJECT_NAME="${XENFS_COMPOSE_PROJECT:-xenfs-compose-test}"
export XENFS_TAG="${XENFS_TAG:-compose-test}"
export XENFS_TEST_GUESTS=4
# Host b, for the migration case (docker-compose.override.yml), with tokens of its own when .env
# (an older copy of .env.example) has none.
export COMPOSE_PROFILES=hosts2
if ! grep -q '^XEN_DOM0_TOKEN_B=' .env 2>/dev/null; then
  export XEN_CLUSTER_TOKEN_B="${XEN_CLUSTER_TOKEN_B:-compose-test-cluster-token-b}"
  export XEN_DOM0_TOKEN_B="${XEN_DOM0_TOKEN_B:-compose-test-dom0-token-b}"
fi
# A short lease makes dead sessions expire sooner; a random host port for the dashboard keeps
# clear of a host already running on 7000.
export XEN_SESSION_LEASE_MS="${XEN_SESSION_LEASE_MS:-5000}"
export XEN_DASHBOARD_PUBLISH=127.0.0.1: XEN_DASHBOARD_B_PUBLISH=127.0.0.1:
# The shared-memory case reads a 64 MiB file: a cache that holds it whole, beside the other cases' files.
export XENFS_CACHE_MB="${XENFS_CACHE_MB:-128}"

if [ ! -f .env ]; then
  cp .env.example .env
  echo "compose-test: .env was missing; copied .env.example"
fi

teardown() {
  local status=$?
  if [ "$status" != 0 ]; then
    echo "compose-test: failed (exit $status); the services' last log lines:" >&2
    "$XENFS_COMPOSE" logs --no-color --tail 15 >&2 || true
  fi
  echo "compose-test: tearing the cluster down"
  "$XENFS_COMPOSE" down --volumes --remove-orphans --timeout 20 >/dev/null 2>&1 || true
}
trap teardown EXIT

# docker-compose.yml must stay a file `docker stack deploy` takes (docs/containers.md#swarm);
# `docker stack config` (Docker CLI 24 and later) checks that offline, with no swarm.
if docker stack config --help >/dev/null 2>&1; then
  if ! (set -a && . ./.env && set +a && docker stack config -c docker-compose.yml >/dev/null); then
    echo "compose-test: docker-compose.yml is no longer a valid stack file" >&2
    exit 1
  fi
fi

infra/docker/build-images.sh
"$XENFS_COMPOSE" up -d --scale domu="$XENFS_TEST_GUESTS"
pnpm exec tsx infra/compose-test/src/main.ts "$@"
