#!/usr/bin/env bash
# Makes sure a Docker engine answers and Compose (v2 plugin or v1 docker-compose) is there. With
# no engine, as root with apt, it installs docker.io and docker-compose and starts dockerd in the
# background. Exits 75 when no engine can be had, so callers can tell "cannot run here" from a
# failure.
set -euo pipefail

readonly NO_ENGINE=75
dockerd_log="${DOCKERD_LOG:-/tmp/xenfs-dockerd.log}"

has_compose() { docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1; }

if docker info >/dev/null 2>&1 && has_compose; then exit 0; fi

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-engine: no Docker engine with Compose here, and installing one needs root with apt" >&2
  exit "$NO_ENGINE"
fi

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
has_compose || need+=(docker-compose)
if [ ${#need[@]} -gt 0 ]; then
  echo "ensure-engine: installing ${need[*]}"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"; } >/dev/null; then
    echo "ensure-engine: apt-get could not install ${need[*]}" >&2
    exit "$NO_ENGINE"
  fi
fi

if ! docker info >/dev/null 2>&1; then
  echo "ensure-engine: starting dockerd (log: $dockerd_log)"
  nohup dockerd >"$dockerd_log" 2>&1 &
  for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  if ! docker info >/dev/null 2>&1; then
    echo "ensure-engine: dockerd did not come up within 60 s; its log ends with:" >&2
    tail -n 20 "$dockerd_log" >&2
    exit "$NO_ENGINE"
  fi
fi
echo "ensure-engine: Docker $(docker version --format '{{.Server.Version}}') is up"
