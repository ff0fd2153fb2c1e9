// A real host for the tools' tests: testkit's hypervisor in-process with its XenStore, that
// store's xenstored socket, dom0 and guests joined over WebSocket (libxen), and an Io that keeps
// what a command prints.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Hypervisor } from "@xenfs/hypervisor";
import { type MemoryTransport, XenDomain } from "@xenfs/libxen";
import { CLUSTER_TOKEN, DOM0_TOKEN, startTestHypervisor } from "@xenfs/testkit";
import type { Io, ToolEnv } from "@xenfs/toolstack";
import { startXenstoredSocket, XenStore, type XenstoredSocket } from "@xenfs/xenstored";

/** The repository's root, where the tools' bins are run from source. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface TestHost {
  readonly hv: Hypervisor;
  readonly store: XenStore;
  readonly socketPath: string;
  /** XENSTORED_PATH, XEN_HYPERVISOR_HTTP and XEN_DOM0_TOKEN for this host. */
  readonly env: ToolEnv;
  join(name: string, token?: string): Promise<XenDomain>;
  stop(): Promise<void>;
}

export async function startTestHost(options: { memoryTransport?: MemoryTransport } = {}): Promise<TestHost> {
  const dir = await mkdtemp(join(tmpdir(), "toolstack-"));
  const store = new XenStore();
  const hv = await startTestHypervisor({ xenstore: store });
  const socket: XenstoredSocket = await startXenstoredSocket(store, join(dir, "xenstored/socket"));
  const domains: XenDomain[] = [];
  return {
    hv,
    store,
    socketPath: socket.path,
    env: { XENSTORED_PATH: socket.path, XEN_HYPERVISOR_HTTP: hv.httpUrl, XEN_DOM0_TOKEN: DOM0_TOKEN },
    async join(name, token = CLUSTER_TOKEN) {
      const domain = await XenDomain.join({ url: hv.url, token, name, ...options });
      domains.push(domain);
      return domain;
    },
    async stop() {
      await Promise.allSettled(domains.map((d) => d.close()));
      await socket.close();
      await hv.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface Captured {
  readonly io: Io;
  /** Everything written to stdout, as bytes. */
  stdout(): Buffer;
  stderr(): string;
}

export function captureIo(env: ToolEnv, columns?: number): Captured {
  const out: Buffer[] = [];
  const err: string[] = [];
  return {
    io: {
      env,
      columns,
      out: (data) => out.push(Buffer.from(data)),
      err: (text) => err.push(text),
    },
    stdout: () => Buffer.concat(out),
    stderr: () => err.join(""),
  };
}
