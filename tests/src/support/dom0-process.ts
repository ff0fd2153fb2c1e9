// services/dom0-server/src/main.ts as a real process on an ephemeral port: the dom0 a test can
// kill with SIGKILL and start again over the same export and state directory.
import { DOM0_ENV } from "@xenfs/dom0-server/env";
import { buildEnv } from "@xenfs/service-kit";
import { JsonLinesProcess } from "@xenfs/testkit/process";
import { DOM0_TOKEN } from "./hypervisor-process.js";

export interface Dom0Dirs {
  readonly exportDir: string;
  readonly stateDir: string;
}

export async function startDom0Process(hypervisorUrl: string, dirs: Dom0Dirs): Promise<JsonLinesProcess> {
  const env = buildEnv(DOM0_ENV, {
    PORT: 0,
    HOST: "127.0.0.1",
    XEN_HYPERVISOR_URL: hypervisorUrl,
    XEN_DOM0_TOKEN: DOM0_TOKEN,
    XENFS_EXPORT: dirs.exportDir,
    XENFS_STATE_DIR: dirs.stateDir,
    XENFS_CACHE_MB: 8,
    LOG_LEVEL: "info",
  });
  const process = JsonLinesProcess.start("dom0", "services/dom0-server/src/main.ts", env);
  // tsx compiles dom0 on start-up; on two busy cores that takes a while.
  await process.waitFor("dom0 ready", (m) => m.msg === "dom0 ready", 60_000);
  return process;
}
