// The setups of the matrix — XenFS's modes (shared, copy, cow; shared and copy also over the
// socket transport), block mode (ext4 on a vbd) and the two network peers (HTTP, NFS) — and how
// each is started: its servers as processes, what its readers connect to, what it costs.
import type { BenchExport } from "./bench-export.js";
import { type HostSizes, startXenfsHost } from "./host.js";
import { type HostMemorySample, sampleHostMemory } from "./host-memory.js";
import { startHttpServer } from "./http-server-process.js";
import { startNfsServer } from "./nfs-server.js";
import type { ReaderKind, ReaderTarget } from "./reader-process.js";
import { TRANSPORTS, type Transport } from "./transport.js";

/** What a setup is run with; `skip` names the workloads it does not run, and why. */
export interface Setup {
  /** How row names spell it: "shared, shm", "block, shm", "http", "nfs". */
  readonly label: string;
  readonly kind: ReaderKind;
  readonly transport?: Transport;
  readonly skip: Partial<Record<Workload, string>>;
}

export const WORKLOADS = ["cold", "cached", "random", "walk", "write", "metadata", "many"] as const;
export type Workload = (typeof WORKLOADS)[number];

export const HTTP = "http";
export const NFS = "nfs";

const SOCKET_SKIP = "the socket transport runs the read rows only";
const label = (mode: string, transport: Transport) => `${mode}, ${transport}`;

/** Every setup, in the order the matrix runs and prints them. */
export const SETUPS: readonly Setup[] = [
  ...(["shared", "copy"] as const).flatMap((mode) =>
    TRANSPORTS.map(
      (transport): Setup => ({
        label: label(mode, transport),
        kind: mode,
        transport,
        skip: transport === "socket" ? { walk: SOCKET_SKIP, write: SOCKET_SKIP, metadata: SOCKET_SKIP } : {},
      }),
    ),
  ),
  { label: label("cow", "shm"), kind: "cow", transport: "shm", skip: {} },
  {
    label: label("block", "shm"),
    kind: "block",
    transport: "shm",
    skip: {
      write:
        "one read-only image is every guest's disk (a writable one is one guest's), and libext2fs here has no fsync",
      metadata: "one read-only image is every guest's disk: EROFS",
    },
  },
  { label: HTTP, kind: "http", skip: {} },
  { label: NFS, kind: "nfs", skip: {} },
];

export const setupLabel = (mode: "shared" | "copy" | "cow" | "block", transport: Transport) =>
  label(mode, transport);

/** A started setup: where its readers connect, what it holds. */
export interface RunningSetup {
  readonly target: ReaderTarget;
  /** Machine frames in use (XenFS and block only). */
  frames(): Promise<number | undefined>;
  /** Pss of the setup's processes (servers and `readerPids`) plus the machine-memory file's resident bytes. */
  memory(readerPids: readonly number[]): Promise<HostMemorySample>;
  stop(): Promise<void>;
}

export interface SetupResources {
  readonly files: BenchExport;
  /** The ext4 image of the export block mode serves. */
  readonly blockImage?: string;
}

export async function startSetup(
  setup: Setup,
  resources: SetupResources,
  sizes: HostSizes,
): Promise<RunningSetup> {
  const { files } = resources;
  if (setup.kind === "http") {
    const server = await startHttpServer(files.dir);
    return {
      target: { httpUrl: server.url },
      frames: async () => undefined,
      memory: (pids) =>
        sampleHostMemory(undefined, [
          { name: "server", pids: [server.pid] },
          { name: "readers", pids },
        ]),
      stop: server.stop,
    };
  }
  if (setup.kind === "nfs") {
    const server = await startNfsServer(files.dir);
    return {
      target: { nfsPort: server.port },
      frames: async () => undefined,
      memory: (pids) =>
        sampleHostMemory(undefined, [
          { name: "ganesha", pids: [server.pid] },
          { name: "readers", pids },
        ]),
      stop: server.stop,
    };
  }
  const transport = setup.transport ?? "shm";
  if (setup.kind === "block" && resources.blockImage === undefined)
    throw new Error("block mode has no image");
  const host = await startXenfsHost(
    files.dir,
    sizes,
    transport,
    setup.kind === "block" ? resources.blockImage : undefined,
  );
  const idle = await host.framesUsed();
  return {
    target: { hypervisorUrl: host.url, transport },
    // Frames the readers' work added to the idle host's.
    frames: async () => (await host.framesUsed()) - idle,
    memory: host.memory,
    stop: host.stop,
  };
}

/** "shared-shm" for "shared, shm": how XENFS_BENCH_SETUPS names a setup. */
export const setupToken = (setup: Setup) => setup.label.replace(", ", "-");

/** The setups XENFS_BENCH_SETUPS names (all when unset); an unknown name is an error listing the known. */
export function selectedSetups(value = process.env["XENFS_BENCH_SETUPS"] ?? ""): readonly Setup[] {
  if (value.trim() === "") return SETUPS;
  const names = value.split(",").map((name) => name.trim());
  const known = SETUPS.map(setupToken);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new Error(`XENFS_BENCH_SETUPS: no setup ${unknown.join(", ")}; the setups are ${known.join(", ")}`);
  }
  return SETUPS.filter((setup) => names.includes(setupToken(setup)));
}
