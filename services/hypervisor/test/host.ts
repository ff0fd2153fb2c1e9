// Starts a real hypervisor on an ephemeral port for a test file, with helpers to read its JSON API.
import { type Hypervisor, type HypervisorOptions, startHypervisor } from "../src/app.js";
import { RawClient } from "./raw-client.js";

export const CLUSTER_TOKEN = "cluster-secret";
export const DOM0_TOKEN = "dom0-secret";

export interface TestHost {
  readonly hv: Hypervisor;
  dom0(): Promise<RawClient>;
  guest(name: string, maxFrames?: number): Promise<RawClient>;
  api<T = unknown>(path: string): Promise<T>;
}

export async function startTestHost(options: Partial<HypervisorOptions> = {}): Promise<TestHost> {
  const hv = await startHypervisor({
    host: "127.0.0.1",
    port: 0,
    memoryMb: 4,
    clusterToken: CLUSTER_TOKEN,
    dom0Token: DOM0_TOKEN,
    ...options,
  });
  return {
    hv,
    dom0: () => RawClient.join(hv.url, DOM0_TOKEN, "Domain-0"),
    guest: (name, maxFrames = 0) => RawClient.join(hv.url, CLUSTER_TOKEN, name, maxFrames),
    api: async <T>(path: string) => (await (await fetch(`${hv.httpUrl}${path}`)).json()) as T,
  };
}

/** The admin API's spec of the fault rules in force. */
export async function faultsInForce(host: TestHost): Promise<string> {
  const response = await fetch(`${host.hv.httpUrl}/api/faults`, {
    headers: { authorization: `Bearer ${DOM0_TOKEN}` },
  });
  return ((await response.json()) as { spec: string }).spec;
}
