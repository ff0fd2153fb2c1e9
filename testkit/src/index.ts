// A real hypervisor (in this process, on an ephemeral port, with its XenStore) and domains
// joined to it: the host every integration test starts from. The rest of testkit — the services
// as a process, fixture processes, ports, polling — is re-exported below (dom0, guests and a
// XenFS host as processes are @xenfs/testkit-xenfs).
import { type Hypervisor, type HypervisorOptions, startHypervisor } from "@xenfs/hypervisor";
import { XenDomain, type XenSessionOptions } from "@xenfs/libxen";
import { XenStore } from "@xenfs/xenstored";
import { CLUSTER_TOKEN, DOM0_TOKEN } from "./tokens.js";
import { TEST_MEMORY_TRANSPORT } from "./transport.js";

export {
  destroyDomain,
  domidsNamed,
  faultRules,
  type HypervisorHttp,
  pauseDomain,
  setFaults,
} from "./admin.js";
export { tempExport } from "./export-dir.js";
export { freeLauncherBase, launcherPorts, portIsFree } from "./free-ports.js";
export { type DomainView, domainsView, hvApi, type MemoryView, memoryView } from "./hypervisor-api.js";
export { type HypervisorProcess, startHypervisorProcess } from "./hypervisor-process.js";
export { JsonLinesProcess } from "./json-lines-process.js";
export { pidsWithEnv } from "./pids.js";
export { CLUSTER_TOKEN, DOM0_TOKEN } from "./tokens.js";
export { TEST_MEMORY_TRANSPORT, TRANSPORTS } from "./transport.js";
export { eventually, pollUntil, until } from "./wait.js";

export function startTestHypervisor(options: Partial<HypervisorOptions> = {}): Promise<Hypervisor> {
  return startHypervisor({
    port: 0,
    memoryMb: 16,
    clusterToken: CLUSTER_TOKEN,
    dom0Token: DOM0_TOKEN,
    xenstore: new XenStore(),
    ...options,
    // Tests other than the hypervisor's own are not about the per-guest flood limit; a busy guest
    // on a fast machine would hit it (EAGAIN) in the middle of what they do test.
    limits: { ratePerSec: 0, ...options.limits },
  });
}

type JoinOptions = Partial<Omit<XenSessionOptions, "token">>;

export function joinDom0(hv: Hypervisor, options: JoinOptions = {}): Promise<XenDomain> {
  return XenDomain.join({
    url: hv.url,
    token: DOM0_TOKEN,
    name: "Domain-0",
    memoryTransport: TEST_MEMORY_TRANSPORT,
    ...options,
  });
}

export function joinGuest(hv: Hypervisor, name: string, options: JoinOptions = {}): Promise<XenDomain> {
  return XenDomain.join({
    url: hv.url,
    token: CLUSTER_TOKEN,
    name,
    memoryTransport: TEST_MEMORY_TRANSPORT,
    ...options,
  });
}
