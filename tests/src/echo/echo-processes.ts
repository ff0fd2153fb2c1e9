// The echo device's two processes as children with an IPC channel.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { Hypervisor } from "@xenfs/hypervisor";
import { CLUSTER_TOKEN, DOM0_TOKEN } from "@xenfs/testkit";

const ECHO_DIR = fileURLToPath(new URL("../../../packages/xenbus/src/echo/", import.meta.url));

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
