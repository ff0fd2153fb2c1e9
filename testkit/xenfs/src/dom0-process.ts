// services/dom0-server/src/main.ts as a real process on an ephemeral port: the dom0 a test can
// kill with SIGKILL and start again over the same export and state directory.
import { DOM0_ENV } from "@xenfs/dom0-server/env";
import { buildEnv, type EnvValuesOf } from "@xenfs/service-kit";
import { DOM0_TOKEN, JsonLinesProcess } from "@xenfs/testkit";

export interface Dom0Dirs {
  readonly exportDir: string;
  /** dom0's own default (beside the export) when absent. */
  readonly stateDir?: string;
}

/** `values` add to or override the defaults (an 8 MB page cache); `readyTimeoutMs` bounds start-up. */
export async function startDom0Process(
  hypervisorUrl: string,
  dirs: Dom0Dirs,
  values: EnvValuesOf<typeof DOM0_ENV> = {},
  readyTimeoutMs = 60_000,
): Promise<JsonLinesProcess> {
  const env = buildEnv(DOM0_ENV, {
    PORT: 0,
    HOST: "127.0.0.1",
    XEN_HYPERVISOR_URL: hypervisorUrl,
    XEN_DOM0_TOKEN: DOM0_TOKEN,
    XENFS_EXPORT: dirs.exportDir,
    ...(dirs.stateDir === undefined ? {} : { XENFS_STATE_DIR: dirs.stateDir }),
    XENFS_CACHE_MB: 8,
    LOG_LEVEL: "info",
    ...values,
  });
  const process = JsonLinesProcess.start("dom0", "services/dom0-server/src/main.ts", env);
  try {
    // tsx compiles dom0 on start-up; on two busy cores that takes a while.
    await process.waitFor("dom0 ready", (m) => m.msg === "dom0 ready", readyTimeoutMs);
  } catch (error) {
    await process.kill();
    throw error;
  }
  return process;
}
