// services/domu-client/src/main.ts as a real process on an ephemeral port, driven through its
// admin API (GET/PUT /fs/<path>, GET /api/mount).
import { DOMU_ENV } from "@xenfs/domu-client/env";
import type { MemoryTransport } from "@xenfs/libxen";
import { buildEnv, type EnvValuesOf } from "@xenfs/service-kit";
import { CLUSTER_TOKEN, JsonLinesProcess, TEST_MEMORY_TRANSPORT } from "@xenfs/testkit";

export interface MountView {
  mode: string;
  pagesHeld: number;
  requests: number;
  readsLocal: number;
}

export interface GuestProcess {
  readonly process: JsonLinesProcess;
  readonly domid: number;
  /** A file's bytes through the guest's mount. */
  read(path: string): Promise<Buffer>;
  /** Replaces a file through the guest's mount; resolves once dom0 acknowledged the write. */
  write(path: string, body: Uint8Array): Promise<void>;
  /** Removes a file through the guest's mount. */
  remove(path: string): Promise<void>;
  mount(): Promise<MountView>;
  /** Asks the guest to stop (SIGTERM) and waits for it to be gone. */
  stop(): Promise<void>;
}

async function ok(response: Response, what: string): Promise<Response> {
  if (!response.ok) throw new Error(`${what}: ${response.status} ${await response.text()}`);
  return response;
}

export async function startGuestProcess(
  hypervisorUrl: string,
  name: string,
  mode: "shared" | "copy",
  transport: MemoryTransport = TEST_MEMORY_TRANSPORT,
  values: EnvValuesOf<typeof DOMU_ENV> = {},
): Promise<GuestProcess> {
  const env = buildEnv(DOMU_ENV, {
    PORT: 0,
    HOST: "127.0.0.1",
    XEN_HYPERVISOR_URL: hypervisorUrl,
    XEN_CLUSTER_TOKEN: CLUSTER_TOKEN,
    XEN_DOMAIN_NAME: name,
    XENFS_MODE: mode,
    XEN_MEMORY_TRANSPORT: transport,
    LOG_LEVEL: "info",
    ...values,
  });
  const process = JsonLinesProcess.start(name, "services/domu-client/src/main.ts", env);
  // tsx compiles the guest on start-up; on two busy cores that takes a while.
  const ready = await process.waitFor<{ domid: number; url: string }>(
    "guest ready",
    (m) => m.msg === "guest ready",
    60_000,
  );
  const fsUrl = (path: string) => `${ready.url}/fs/${path}`;
  return {
    process,
    domid: ready.domid,
    async read(path) {
      const response = await ok(await fetch(fsUrl(path)), `GET ${path} from ${name}`);
      return Buffer.from(await response.arrayBuffer());
    },
    async write(path, body) {
      await ok(await fetch(fsUrl(path), { method: "PUT", body }), `PUT ${path} to ${name}`);
    },
    async remove(path) {
      await ok(await fetch(fsUrl(path), { method: "DELETE" }), `DELETE ${path} on ${name}`);
    },
    async mount() {
      const response = await ok(await fetch(`${ready.url}/api/mount`), `GET /api/mount from ${name}`);
      return (await response.json()) as MountView;
    },
    stop: () => process.stop(),
  };
}
