#!/usr/bin/env bash
# Builds the service images with no registry access: a local Node base image (unless NODE_IMAGE
# names one already), the staged workspace output, then `compose build`.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ -z "${NODE_IMAGE:-}" ]; then
  if ! command -v busybox >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null
  fi
  infra/docker/make-base-image.sh xenfs-node-base:20
  export NODE_IMAGE=xenfs-node-base:20
fi
infra/docker/stage.sh
infra/docker/compose.sh build --quiet
echo "build-images: built on $NODE_IMAGE"
