// A real host for the tools' tests: a hypervisor in-process with its XenStore, that store's
// xenstored socket, dom0 and guests joined over WebSocket (libxen), and an Io that keeps what
// a command prints.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { XenstoredSocket } from "@xenfs/hypervisor";
import { type Hypervisor, startHypervisor, startXenstoredSocket, XenStore } from "@xenfs/hypervisor";
import { XenDomain } from "@xenfs/libxen";
import type { Io, ToolEnv } from "./io.js";

export const CLUSTER_TOKEN = "cluster-secret";
export const DOM0_TOKEN = "dom0-secret";

export interface TestHost {
  readonly hv: Hypervisor;
  readonly store: XenStore;
  readonly socketPath: string;
  /** XENSTORED_PATH, XEN_HYPERVISOR_HTTP and XEN_DOM0_TOKEN for this host. */
  readonly env: ToolEnv;
  join(name: string, token?: string): Promise<XenDomain>;
  close(): Promise<void>;
}

export async function startTestHost(): Promise<TestHost> {
  const dir = await mkdtemp(join(tmpdir(), "toolstack-"));
  const store = new XenStore();
  const hv = await startHypervisor({
    port: 0,
    memoryMb: 16,
    clusterToken: CLUSTER_TOKEN,
    dom0Token: DOM0_TOKEN,
    xenstore: store,
  });
  const socket: XenstoredSocket = await startXenstoredSocket(store, join(dir, "xenstored/socket"));
  const domains: XenDomain[] = [];
  return {
    hv,
    store,
    socketPath: socket.path,
    env: { XENSTORED_PATH: socket.path, XEN_HYPERVISOR_HTTP: hv.httpUrl, XEN_DOM0_TOKEN: DOM0_TOKEN },
    async join(name, token = CLUSTER_TOKEN) {
      const domain = await XenDomain.join({ url: hv.url, token, name });
      domains.push(domain);
      return domain;
    },
    async close() {
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
