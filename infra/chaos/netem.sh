#!/usr/bin/env bash
# Network faults on one container: `tc netem` delay and loss on its interface, and their removal.
# tc runs from the host inside the container's network namespace (nsenter), so the image needs no
# iproute2 and the container no extra capability; this needs root on the Docker host.
#
#   infra/chaos/netem.sh add <container> [delay] [loss]   e.g. add xenfs_domu_2 100ms 5%
#   infra/chaos/netem.sh del <container>
#   infra/chaos/netem.sh show <container>
# Exit 75: the kernel has no netem (some VM kernels are built without it).
set -euo pipefail

usage() {
  sed -n 's/^#   //p' "$0" >&2
  exit 2
}

[ $# -ge 2 ] || usage
action="$1"
container="$2"
delay="${3:-100ms}"
loss="${4:-5%}"
device="${NETEM_DEVICE:-eth0}"

for tool in nsenter tc; do
  command -v "$tool" >/dev/null 2>&1 || { echo "netem: $tool is missing on this host (util-linux, iproute2)" >&2; exit 1; }
done
pid="$(docker inspect -f '{{.State.Pid}}' "$container")"
[ "$pid" != 0 ] || { echo "netem: $container is not running" >&2; exit 1; }
in_container() { nsenter -t "$pid" -n "$@"; }

case "$action" in
  add)
    if ! out="$(in_container tc qdisc replace dev "$device" root netem delay "$delay" loss "$loss" 2>&1)"; then
      if [[ "$out" == *"qdisc kind is unknown"* ]]; then
        echo "netem: this kernel has no netem qdisc (CONFIG_NET_SCH_NETEM); no network faults here" >&2
        exit 75
      fi
      echo "netem: $out" >&2
      exit 1
    fi
    echo "netem: $container $device: delay $delay, loss $loss"
    ;;
  del)
    # Deleting a qdisc that is not there is not an error here: the goal is "no netem".
    in_container tc qdisc del dev "$device" root 2>/dev/null || true
    echo "netem: $container $device: no faults"
    ;;
  show) in_container tc qdisc show dev "$device" ;;
  *) usage ;;
esac
