// What every domain process reads from its environment to become a domain: where the hypervisor
// is, how it reaches machine memory, and the faults it injects on its own session. dom0's and the
// guest's env specs (and the echo device's) include these, so each is stated once.
import { parseOwnFaults } from "@xenfs/proto";
import { checked, oneOf, url } from "@xenfs/service-kit";
import { MEMORY_TRANSPORTS } from "./shared-memory.js";

export const DOMAIN_ENV = {
  XEN_HYPERVISOR_URL: url({
    default: "ws://127.0.0.1:7000/hypercall",
    protocols: ["ws", "wss"],
    doc: "The hypervisor's hypercall endpoint",
  }),
  XEN_MEMORY_TRANSPORT: oneOf(MEMORY_TRANSPORTS, {
    default: "shm",
    doc: "How the domain reaches machine memory: in place in the host's memory file, or over the socket",
  }),
  XEN_FAULTS: checked(parseOwnFaults, {
    default: "",
    doc: "Faults on the domain itself: crash rules its process applies, the rest on its session (docs/faults.md)",
  }),
} as const;
