#!/usr/bin/env bash
# An ext4 disk image of a directory, for block mode (docs/blkif.md#making-an-image):
#   infra/block-image.sh <dir> <image> [size]
# `pnpm block-image <dir> <image>` runs it; `pnpm start --mode block` runs it on the export.
# size is mkfs.ext4's (256M, 2G); by default the directory's bytes plus a quarter, 4 KiB an entry
# and 16 MiB, room for ext4's metadata and journal. The image is made anew (mkfs.ext4 -F).
set -euo pipefail
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 <dir> <image> [size]" >&2
  exit 2
fi
dir=$1
image=$2
[ -d "$dir" ] || { echo "block-image: $dir is not a directory" >&2; exit 2; }
mkfs=$(command -v mkfs.ext4 || echo /usr/sbin/mkfs.ext4)
[ -x "$mkfs" ] || { echo "block-image: no mkfs.ext4 (apt-get install e2fsprogs)" >&2; exit 1; }
kib=$(du -sk --apparent-size "$dir" | cut -f1)
entries=$(find "$dir" | wc -l)
size=${3:-$((kib * 5 / 4 + entries * 4 + 16384))K}
"$mkfs" -q -F -L xenfs -d "$dir" "$image" "$size"
echo "block-image: $image ($size) from $dir"
