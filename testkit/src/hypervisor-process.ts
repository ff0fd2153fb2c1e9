// services/hypervisor/src/main.ts as a real process on an ephemeral loopback port.
import { HYPERVISOR_ENV } from "@xenfs/hypervisor/env";
import { buildEnv, type EnvValuesOf } from "@xenfs/service-kit";
import { memoryView } from "./hypervisor-api.js";
import { JsonLinesProcess } from "./json-lines-process.js";
import { CLUSTER_TOKEN, DOM0_TOKEN } from "./tokens.js";

export interface HypervisorProcess {
  readonly process: JsonLinesProcess;
  /** ws://127.0.0.1:<port>/hypercall */
  readonly url: string;
  /** http://127.0.0.1:<port> */
  readonly httpUrl: string;
  /** Machine frames in use now (/api/memory frames.used). */
  framesUsed(): Promise<number>;
  /** Asks it to stop (SIGTERM) and waits for it to be gone. */
  stop(): Promise<void>;
}

/** `values` add to or override the defaults (16 MB of machine memory, the test tokens). */
export async function startHypervisorProcess(
  values: EnvValuesOf<typeof HYPERVISOR_ENV> = {},
): Promise<HypervisorProcess> {
  const env = buildEnv(HYPERVISOR_ENV, {
    PORT: 0,
    HOST: "127.0.0.1",
    XEN_MEMORY_MB: 16,
    XEN_CLUSTER_TOKEN: CLUSTER_TOKEN,
    XEN_DOM0_TOKEN: DOM0_TOKEN,
    LOG_LEVEL: "info",
    ...values,
  });
  const process = JsonLinesProcess.start("hypervisor", "services/hypervisor/src/main.ts", env);
  // pino's line: {"msg":"hypervisor ready","url":"ws://…","dashboard":"http://…/"}
  const ready = await process.waitFor<{ url: string; dashboard: string }>(
    "hypervisor ready",
    (m) => m.msg === "hypervisor ready",
  );
  const httpUrl = ready.dashboard.replace(/\/$/, "");
  return {
    process,
    url: ready.url,
    httpUrl,
    framesUsed: async () => (await memoryView(httpUrl)).frames.used,
    stop: () => process.stop(),
  };
}
