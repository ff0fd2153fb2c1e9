#!/usr/bin/env bash
# Builds a Node 20 base image without any registry: this machine's own node binary, the shared
# libraries it links, busybox for a shell, and a non-root `node` user (uid 1000, as in the
# official image), imported with `docker import`. Pass it to the builds as NODE_IMAGE.
#
#   infra/docker/make-base-image.sh [tag]      (default tag: xenfs-node-base:20)
set -euo pipefail

tag="${1:-xenfs-node-base:20}"
node_bin="$(command -v node || true)"
busybox_bin="$(command -v busybox || true)"

[ -n "$node_bin" ] || { echo "make-base-image: no node on PATH to put in the image" >&2; exit 1; }
node_major="$("$node_bin" -p 'process.versions.node.split(".")[0]')"
[ "$node_major" = 20 ] || { echo "make-base-image: node on PATH is v$node_major, need v20" >&2; exit 1; }
if [ -z "$busybox_bin" ]; then
  echo "make-base-image: busybox is missing (apt-get install busybox-static)" >&2
  exit 1
fi

rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT

install -D -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
# The loader and every library node links, at the paths the binary asks for.
for lib in $(ldd "$node_bin" | grep -o '/[^ ]*'); do
  install -D -m 0755 "$(readlink -f "$lib")" "$rootfs$lib"
done

install -D -m 0755 "$busybox_bin" "$rootfs/bin/busybox"
for applet in $("$busybox_bin" --list); do
  [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
done

# Where `#!/usr/bin/env node` scripts (the toolstack's bins) look for env.
mkdir -p "$rootfs/usr/bin" && ln -s /bin/busybox "$rootfs/usr/bin/env"

mkdir -p "$rootfs/etc" "$rootfs/home/node" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\n' >"$rootfs/etc/group"
chown 1000:1000 "$rootfs/home/node"

tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'CMD ["node"]' \
  - "$tag" >/dev/null
echo "make-base-image: $tag (node $("$node_bin" --version), $(docker image inspect -f '{{.Size}}' "$tag" | numfmt --to=iec))"
