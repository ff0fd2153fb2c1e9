// A whole dom0 over a real hypervisor, with guests that mount it through the test frontend.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Hypervisor } from "@xenfs/hypervisor";
import type { MemoryTransport, XenDomain } from "@xenfs/libxen";
import { createLogger } from "@xenfs/service-kit";
import {
  DOM0_TOKEN,
  joinGuest,
  startTestHypervisor,
  TEST_MEMORY_TRANSPORT,
  tempExport,
} from "@xenfs/testkit";
import { type Dom0Server, startDom0Server } from "../src/app.js";
import { TestFront } from "./fs-front.js";

export interface TestServer {
  readonly hv: Hypervisor;
  readonly server: Dom0Server;
  readonly exportDir: string;
  /** Writes a file straight into the export (dom0's disk). */
  put(path: string, content: string | Uint8Array): Promise<void>;
  /** A new guest with a mounted frontend. */
  guest(name: string): Promise<{ domain: XenDomain; front: TestFront }>;
  api<T>(path: string): Promise<T>;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  cacheMb?: number;
  revokeDeadlineMs?: number;
  /** dom0's memory transport; the test host's (XEN_MEMORY_TRANSPORT) when absent. */
  dom0Transport?: MemoryTransport;
  /** The guests' memory transport; the test host's when absent. */
  guestTransport?: MemoryTransport;
  /** dom0's log lines, parsed. */
  logs?: object[];
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const hv = await startTestHypervisor({ memoryMb: 64, sessionLeaseMs: 300 });
  const dir = await tempExport();
  const server = await startDom0Server({
    hypervisorUrl: hv.url,
    dom0Token: DOM0_TOKEN,
    exportDir: dir.path,
    port: 0,
    cacheMb: options.cacheMb ?? 4,
    revokeDeadlineMs: options.revokeDeadlineMs ?? 300,
    memoryTransport: options.dom0Transport ?? TEST_MEMORY_TRANSPORT,
    logger: createLogger({
      service: "dom0-server",
      level: "debug",
      bindings: { domid: 0 },
      destination: { write: (line: string) => void options.logs?.push(JSON.parse(line)) },
    }),
  });
  const domains: XenDomain[] = [];
  const test: TestServer = {
    hv,
    server,
    exportDir: dir.path,
    put: (path, content) => writeFile(join(dir.path, path), content),
    async guest(name) {
      const domain = await joinGuest(hv, name, {
        memoryTransport: options.guestTransport ?? TEST_MEMORY_TRANSPORT,
      });
      domains.push(domain);
      return { domain, front: await TestFront.mount(domain) };
    },
    api: async <T>(path: string) => (await (await fetch(`${server.httpUrl}${path}`)).json()) as T,
    async stop() {
      await Promise.allSettled(domains.map((domain) => domain.close()));
      await server.close();
      await hv.close();
      await dir.remove();
    },
  };
  return test;
}
