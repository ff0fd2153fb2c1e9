#!/usr/bin/env bash
# For machines that cannot pull prom/prometheus: a local image of Debian's `prometheus` package
# (its binary and the libraries it links), made with `docker import`. Use it with
#   PROMETHEUS_IMAGE=xenfs-prometheus:local docker compose --profile obs up -d
set -euo pipefail

tag="${1:-xenfs-prometheus:local}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# As root, apt would otherwise try to download as _apt into a directory only root can write.
(cd "$work" && apt-get download -o APT::Sandbox::User=root prometheus >/dev/null)
dpkg-deb -x "$work"/prometheus_*.deb "$work/deb"
binary="$work/deb/usr/bin/prometheus"

rootfs="$work/rootfs"
install -D -m 0755 "$binary" "$rootfs/bin/prometheus"
for lib in $(ldd "$binary" | grep -o '/[^ ]*'); do
  install -D -m 0755 "$(readlink -f "$lib")" "$rootfs$lib"
done
mkdir -p "$rootfs/etc/prometheus" "$rootfs/prometheus" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"
printf 'root:x:0:0:root:/root:/bin/false\nnobody:x:65534:65534::/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
chown 65534:65534 "$rootfs/prometheus" # the TSDB, as in the official image

# The same entrypoint, user and working directory as prom/prometheus, so compose runs either.
tar -C "$rootfs" -c . | docker import \
  --change 'ENTRYPOINT ["/bin/prometheus"]' \
  --change 'CMD ["--config.file=/etc/prometheus/prometheus.yml"]' \
  --change 'WORKDIR /prometheus' \
  --change 'USER nobody' \
  - "$tag" >/dev/null
echo "make-local-image: $tag ($("$binary" --version 2>&1 | head -n 1))"
