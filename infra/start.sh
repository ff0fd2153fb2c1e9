#!/usr/bin/env bash
# `pnpm start`: build what changed, then run the launcher (arguments go to it). The first build
# compiles every package, about a minute on two cores: turbo names each task as it starts and
# prints any error in full; pnpm's per-script banners are left out. A built tree starts at once.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "xenfs: building (the first start compiles every package and takes about a minute)"
color=()
[ -t 1 ] && color=(--color)
pnpm exec turbo run build --output-logs=new-only "${color[@]}" \
  | sed -u -E '/^[^ ]+:(build|generate): ((> .*)?|cache hit, .*)$/d'
exec node services/launcher/dist/main.js "$@"
