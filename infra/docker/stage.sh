#!/usr/bin/env bash
# Puts what the images need into infra/docker/stage/: each service's compiled output with its
# production dependencies (pnpm deploy), so `docker build` copies files and needs no registry.
#
#   infra/docker/stage.sh        (after `pnpm install`; runs `pnpm build` itself)
#
# The host may use the npm registry (the containers never do): `pnpm deploy` resolves the
# lockfile's versions from pnpm's metadata cache and store when they have them and fetches what
# they lack, so a fresh machine with an empty store and cache stages as well as a warm one.
set -euo pipefail
cd "$(dirname "$0")/../.."

stage="infra/docker/stage"
# folder in services/ or packages/ → package it deploys
declare -A packages=(
  [hypervisor]=@xenfs/hypervisor
  [dom0-server]=@xenfs/dom0-server
  [domu-client]=@xenfs/domu-client
  [launcher]=@xenfs/launcher # its sample-tree generator seeds dom0's export volume
  [toolstack]=@xenfs/toolstack # xl and xenstore-*, in dom0's image as on a Xen host
)

pnpm build --output-logs=errors-only
rm -rf "$stage"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for folder in "${!packages[@]}"; do
  # --legacy: deploy a workspace package with its dist without inject-workspace-packages.
  # Quiet when it works; pnpm's own output when it does not.
  if ! pnpm --filter "${packages[$folder]}" deploy --prod --legacy --prefer-offline "$stage/$folder" >"$log" 2>&1; then
    echo "stage: pnpm deploy of ${packages[$folder]} failed:" >&2
    cat "$log" >&2
    exit 1
  fi
  [ -d "$stage/$folder/dist" ] || { echo "stage: $folder has no dist/ (did pnpm build run?)" >&2; exit 1; }
done
echo "stage: ${!packages[*]} in $stage ($(du -sh "$stage" | cut -f1))"
