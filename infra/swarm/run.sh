#!/usr/bin/env bash
# `pnpm test:swarm`: docker-compose.yml, unchanged, as a Docker Swarm stack with its two hosts
# (docs/containers.md#swarm). Starts a Docker engine if none runs (root with apt), makes this
# machine a one-node swarm if it is in none (and leaves it again at the end), builds the images
# (XENFS_SKIP_BUILD=1 reuses those tagged XENFS_TAG), deploys the stack, migrates guests from
# host a to host b and back with xl inside the stack, and always removes the stack, its volumes
# and the swarm it made. Not part of `pnpm test`. Exit 75: no engine or swarm could be had here.
set -euo pipefail
cd "$(dirname "$0")/../.."

readonly NO_ENGINE=75
infra/docker/ensure-engine.sh

stack="${XENFS_STACK:-xenfs-swarm-test}"
export XENFS_TAG="${XENFS_TAG:-swarm-test}"
export XEN_SESSION_LEASE_MS="${XEN_SESSION_LEASE_MS:-5000}"
if [ ! -f .env ]; then
  cp .env.example .env
  echo "swarm-test: .env was missing; copied .env.example"
fi
# A stack reads no .env: its variables come from this shell.
set -a
# shellcheck disable=SC1091
. ./.env
set +a
export XEN_CLUSTER_TOKEN_B="${XEN_CLUSTER_TOKEN_B:-swarm-test-cluster-token-b}"
export XEN_DOM0_TOKEN_B="${XEN_DOM0_TOKEN_B:-swarm-test-dom0-token-b}"

made_swarm=0
had_gwbridge="$(docker network ls -q --filter name='^docker_gwbridge$')"
if [ "$(docker info --format '{{.Swarm.LocalNodeState}}')" != active ]; then
  if ! docker swarm init --advertise-addr 127.0.0.1 >/dev/null; then
    echo "swarm-test: docker swarm init failed" >&2
    exit "$NO_ENGINE"
  fi
  made_swarm=1
  echo "swarm-test: made this machine a one-node swarm"
fi

namespace="label=com.docker.stack.namespace=$stack"
teardown() {
  local status=$?
  if [ "$status" != 0 ]; then
    echo "swarm-test: failed (exit $status); the services' last log lines:" >&2
    for service in $(docker stack services --format '{{.Name}}' "$stack" 2>/dev/null); do
      echo "--- $service" >&2
      docker service logs --no-task-ids --tail 10 "$service" >&2 2>&1 || true
    done
  fi
  echo "swarm-test: removing the stack"
  docker stack rm "$stack" >/dev/null 2>&1 || true
  # Its containers stop, then its volumes and network can go.
  for _ in $(seq 60); do
    [ -z "$(docker ps -aq --filter "$namespace")" ] && break
    sleep 1
  done
  docker volume ls -q --filter "$namespace" | xargs -r docker volume rm >/dev/null 2>&1 || true
  for _ in $(seq 30); do
    [ -z "$(docker network ls -q --filter "$namespace")" ] && break
    sleep 1
  done
  if [ "$made_swarm" = 1 ]; then
    docker swarm leave --force >/dev/null 2>&1 || true
    # The bridge `swarm init` made for the node's containers, if it made one.
    [ -n "$had_gwbridge" ] || docker network rm docker_gwbridge >/dev/null 2>&1 || true
    echo "swarm-test: left the swarm it made"
  fi
}
trap teardown EXIT

if [ -z "${XENFS_SKIP_BUILD:-}" ]; then
  infra/docker/build-images.sh
fi
# --resolve-image never: the images are this machine's own, in no registry.
docker stack deploy --resolve-image never -c docker-compose.yml "$stack" 2>&1 | grep -v "^Since --detach\|^In a future release" || true
[ -n "$(docker stack services -q "$stack")" ] || { echo "swarm-test: the stack did not deploy" >&2; exit 1; }
XENFS_STACK="$stack" pnpm exec tsx infra/compose-test/src/swarm-main.ts
