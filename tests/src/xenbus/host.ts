// What the xenbus and echo device tests add to testkit's hypervisor: a short session lease.

/** The hypervisor's session lease: short, so a killed dom0's domain dies (and a new one may join) within the test. */
export const LEASE_MS = 400;
