// A real hypervisor (in this process, on an ephemeral port) and the echo processes, for tests.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { type Hypervisor, type HypervisorOptions, startHypervisor, XenStore } from "@xenfs/hypervisor";
import { XenDomain } from "@xenfs/libxen";

export const CLUSTER_TOKEN = "test-cluster-token";
export const DOM0_TOKEN = "test-dom0-token";
/** Short, so a killed dom0's domain dies (and a new one may join) within the test. */
export const LEASE_MS = 400;

export function startTestHypervisor(options: Partial<HypervisorOptions> = {}): Promise<Hypervisor> {
  return startHypervisor({
    port: 0,
    memoryMb: 16,
    clusterToken: CLUSTER_TOKEN,
    dom0Token: DOM0_TOKEN,
    sessionLeaseMs: LEASE_MS,
    xenstore: new XenStore(),
    ...options,
  });
}

export function joinDom0(hv: Hypervisor): Promise<XenDomain> {
  return XenDomain.join({ url: hv.url, token: DOM0_TOKEN, name: "Domain-0" });
}

export function joinGuest(hv: Hypervisor, name: string): Promise<XenDomain> {
  return XenDomain.join({ url: hv.url, token: CLUSTER_TOKEN, name });
}

const ECHO_DIR = fileURLToPath(new URL("../src/echo/", import.meta.url));

/** One of the echo entry points as a child process with an IPC channel. */
export function spawnEcho(
  which: "dom0" | "guest",
  hv: Hypervisor,
  name = "echo-guest",
  env: Record<string, string> = {},
): ChildProcess {
  return spawn(
    process.execPath,
    ["--conditions=@xenfs/source", "--import", "tsx", `${ECHO_DIR}${which}-main.ts`],
    {
      env: {
        ...process.env,
        XEN_HYPERVISOR_URL: hv.url,
        XEN_DOM0_TOKEN: DOM0_TOKEN,
        XEN_CLUSTER_TOKEN: CLUSTER_TOKEN,
        XEN_DOMAIN_NAME: name,
        LOG_LEVEL: "warn",
        ...env,
      },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    },
  );
}

/** The next IPC message from `child` that `match` accepts. */
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

export async function kill(
  child: ChildProcess | undefined,
  signal: NodeJS.Signals = "SIGKILL",
): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill(signal);
  await exited;
}

export async function getJson<T>(hv: Hypervisor, path: string): Promise<T> {
  const response = await fetch(`${hv.httpUrl}${path}`);
  return (await response.json()) as T;
}

/** Polls `probe` until it returns something other than undefined. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
