// Which memory transport test domains use.
import type { MemoryTransport } from "@xenfs/libxen";

/**
 * The memory transport test domains use unless a test names one: XEN_MEMORY_TRANSPORT=socket runs
 * a suite over the socket transport; otherwise shm (libxen's default).
 */
export const TEST_MEMORY_TRANSPORT: MemoryTransport = transportFrom(process.env);

function transportFrom({ XEN_MEMORY_TRANSPORT }: NodeJS.ProcessEnv): MemoryTransport {
  return XEN_MEMORY_TRANSPORT === "socket" ? "socket" : "shm";
}

/** Both memory transports, for suites whose semantics must hold on each. */
export const TRANSPORTS: readonly MemoryTransport[] = ["shm", "socket"];
