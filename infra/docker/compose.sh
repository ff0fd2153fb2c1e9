#!/usr/bin/env bash
# Compose, whichever this machine has: the v2 plugin (`docker compose`) or v1 (`docker-compose`).
set -euo pipefail
if docker compose version >/dev/null 2>&1; then
  exec docker compose "$@"
fi
exec docker-compose "$@"
