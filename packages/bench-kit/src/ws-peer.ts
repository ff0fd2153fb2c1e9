import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";

// Same relative place from src/ (tests, tsx) and from dist/ (built).
const SERVER_SCRIPT = fileURLToPath(new URL("../scripts/ws-echo-server.mjs", import.meta.url));
const START_TIMEOUT_MS = 10_000;

/** The calibration echo server, running in its own process. */
export interface WsPeer {
  readonly port: number;
  connect(path: "/echo" | "/sink"): Promise<WebSocket>;
  close(): Promise<void>;
}

export async function startWsPeer(): Promise<WsPeer> {
  const child = spawn(process.execPath, [SERVER_SCRIPT], { stdio: ["pipe", "pipe", "inherit"] });
  try {
    const port = await readPort(child);
    return {
      port,
      async connect(path) {
        const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, { perMessageDeflate: false });
        await once(socket, "open");
        return socket;
      },
      close: () => stop(child),
    };
  } catch (error) {
    await stop(child);
    throw error;
  }
}

async function readPort(child: ChildProcess): Promise<number> {
  const lines = createInterface({ input: child.stdout! });
  const timeout = AbortSignal.timeout(START_TIMEOUT_MS);
  try {
    const [line] = (await Promise.race([
      once(lines, "line", { signal: timeout }),
      once(child, "exit").then(([code]) => Promise.reject(new Error(`echo server exited with ${code}`))),
    ])) as [string];
    const { port } = JSON.parse(line) as { port: unknown };
    if (typeof port !== "number") throw new Error(`echo server said ${line}`);
    return port;
  } finally {
    lines.close();
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.stdin?.end();
  await exited;
}
