// The scale suite's host: the hypervisor and dom0 as their own processes, each marked in its
// environment so the suite can find its pid and read its memory. Guests join with CLUSTER_TOKEN.
import { randomBytes } from "node:crypto";
import { JsonLinesProcess } from "@xenfs/testkit/process";
import { CLUSTER_TOKEN } from "../xenfs/host.js";
import { pidsByEnv } from "./pids.js";

const DOM0_TOKEN = "bench-scale-dom0-token";

export interface ScaleHost {
  readonly url: string;
  readonly hypervisorPid: number;
  stop(): Promise<void>;
}

export async function startScaleHost(
  exportDir: string,
  memoryMb: number,
  cacheMb: number,
): Promise<ScaleHost> {
  const marker = `BENCH_SCALE_HYPERVISOR=${randomBytes(8).toString("hex")}`;
  const [markerKey = "", markerValue = ""] = marker.split("=");
  const hypervisor = JsonLinesProcess.start("hypervisor", "services/hypervisor/src/main.ts", {
    PORT: "0",
    HOST: "127.0.0.1",
    XEN_MEMORY_MB: String(memoryMb),
    XEN_CLUSTER_TOKEN: CLUSTER_TOKEN,
    XEN_DOM0_TOKEN: DOM0_TOKEN,
    LOG_LEVEL: "info",
    [markerKey]: markerValue,
  });
  const ready = await hypervisor.waitFor<{ url: string }>(
    "hypervisor ready",
    (m) => m.msg === "hypervisor ready",
  );
  const dom0 = JsonLinesProcess.start("dom0", "services/dom0-server/src/main.ts", {
    PORT: "0",
    HOST: "127.0.0.1",
    XEN_HYPERVISOR_URL: ready.url,
    XEN_DOM0_TOKEN: DOM0_TOKEN,
    XENFS_EXPORT: exportDir,
    XENFS_CACHE_MB: String(cacheMb),
    LOG_LEVEL: "info",
  });
  const stop = async () => {
    await dom0.stop();
    await hypervisor.stop();
  };
  try {
    await dom0.waitFor("dom0 ready", (m) => m.msg === "dom0 ready", 120_000);
    const hypervisorPid = (await pidsByEnv([marker])).get(marker);
    if (hypervisorPid === undefined) throw new Error("the hypervisor process is not in /proc");
    return { url: ready.url, hypervisorPid, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
