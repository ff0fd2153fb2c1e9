// The device's two processes as `node` arguments, for whoever spawns them (tests, the benchmark).
// Run from the sources (tsx, vitest), the entry is the .ts file beside this one, started through
// tsx with the `@xenfs/source` condition; run from dist, it is the built .js, which node runs alone.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** `dom0`: the backend (`xen-echo-back`); `guest`: the frontend (`xen-echo-front`). */
export type EchoProcess = "dom0" | "guest";

export function echoProcessArgs(which: EchoProcess): string[] {
  const fromSource = import.meta.url.endsWith(".ts");
  const entry = fileURLToPath(new URL(`./${which}-main.${fromSource ? "ts" : "js"}`, import.meta.url));
  return fromSource ? ["--conditions=@xenfs/source", "--import", "tsx", entry] : [entry];
}

export interface EchoSpawnOptions {
  /** The hypervisor's hypercall endpoint. */
  readonly url: string;
  readonly dom0Token: string;
  readonly clusterToken: string;
  /** The guest's domain name. */
  readonly name?: string;
  /** More environment (LOG_LEVEL, ECHO_MAX_RING_PAGE_ORDER, …) over the defaults. */
  readonly env?: Record<string, string>;
}

/** Starts one of the device's processes with an IPC channel (its control.ts commands). */
export function spawnEcho(which: EchoProcess, options: EchoSpawnOptions): ChildProcess {
  return spawn(process.execPath, echoProcessArgs(which), {
    env: {
      ...process.env,
      XEN_HYPERVISOR_URL: options.url,
      XEN_DOM0_TOKEN: options.dom0Token,
      XEN_CLUSTER_TOKEN: options.clusterToken,
      XEN_DOMAIN_NAME: options.name ?? "echo-guest",
      LOG_LEVEL: "warn",
      ...options.env,
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}

/** The next IPC message from `child` that `match` accepts; rejects if it exits first. */
export function nextMessage<T>(child: ChildProcess, match: (message: T) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (!match(message as T)) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(message as T);
    };
    const onExit = (code: number | null, signal: string | null) => {
      child.off("message", onMessage);
      reject(new Error(`process exited (${code ?? signal}) before the message`));
    };
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}
