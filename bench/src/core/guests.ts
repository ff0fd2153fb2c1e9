// Guest domains joined from the bench process to drive the rate measurements. The hypervisor
// allows each domain a fixed hypercall budget (session limits: 50,000/s sustained, bursts of
// 10,000; over it, EAGAIN), so rates above that are driven by several domains at once. They use
// the socket memory transport: the core rows (mem_read among them) measure the hypercall wire.
import { XenDomain } from "@xenfs/libxen";
import { CLUSTER_TOKEN } from "@xenfs/testkit";

export const DRIVING_GUESTS = 4;

export function joinGuests(url: string, count = DRIVING_GUESTS): Promise<XenDomain[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      XenDomain.join({ url, token: CLUSTER_TOKEN, name: `bench-guest-${i + 1}`, memoryTransport: "socket" }),
    ),
  );
}
