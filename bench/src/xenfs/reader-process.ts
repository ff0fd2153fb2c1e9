// The bench's side of a reader process (reader-main.ts): start it, send it reads, take results.
// No deadline on a read: eight guests reading at once take a while on two cores.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { CLUSTER_TOKEN } from "@xenfs/testkit";
import type { Command, ReaderReply } from "./reader-protocol.js";
import type { Transport } from "./transport.js";
import type { FileRef } from "./workloads.js";

export type ReaderKind = "shared" | "copy" | "cow" | "block" | "http" | "nfs";

/** Where a reader reads from: a XenFS host's hypervisor (under a transport), an HTTP or an NFS server. */
export type ReaderTarget =
  | { readonly hypervisorUrl: string; readonly transport: Transport }
  | { readonly httpUrl: string }
  | { readonly nfsPort: number };

/**
 * Pages a guest keeps (mapped or its own). Alone, about as many as its grant table leaves room
 * for. Together, few enough that N guests' mappings fit dom0's grant table (16 384 refs, one per
 * page and guest): past that, dom0 takes the oldest grants back and guests refetch.
 */
export const PAGES_HELD = { alone: 15_000, together: 1_536 } as const;

const READER_MAIN = fileURLToPath(new URL("./reader-main.ts", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

type Done = Extract<ReaderReply, { type: "done" }>;

/** A workload the reader's source cannot run: why, for the cell the bench skips. */
export class Skipped extends Error {
  override readonly name = "Skipped";
}

export class Reader {
  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(
    kind: ReaderKind,
    target: ReaderTarget,
    name: string,
    pagesHeld: number = PAGES_HELD.alone,
  ): Promise<Reader> {
    const { PATH = "" } = process.env;
    const env =
      "httpUrl" in target
        ? { PATH, READER_KIND: kind, HTTP_URL: target.httpUrl }
        : "nfsPort" in target
          ? { PATH, READER_KIND: kind, NFS_PORT: String(target.nfsPort) }
          : {
              PATH,
              READER_KIND: kind,
              XEN_HYPERVISOR_URL: target.hypervisorUrl,
              XEN_CLUSTER_TOKEN: CLUSTER_TOKEN,
              XEN_DOMAIN_NAME: name,
              XEN_MEMORY_TRANSPORT: target.transport,
              MAX_PAGES_HELD: String(pagesHeld),
            };
    // --expose-gc: `settle` collects garbage before the bench reads the process's memory.
    const args = ["--expose-gc", "--conditions=@xenfs/source", "--import", "tsx", READER_MAIN];
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const reader = new Reader(name, child);
    await reader.#reply();
    return reader;
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.name} has no pid`);
    return this.child.pid;
  }

  /** Collects the reader's garbage, so its memory shows what it keeps, not what it dropped. */
  async settle(): Promise<void> {
    await this.#send({ cmd: "settle" });
  }

  /** Reads `file` whole; resolves with the bytes read. */
  async whole(file: FileRef, chunkBytes: number): Promise<number> {
    return (await this.#send({ cmd: "whole", file, chunkBytes })).bytes;
  }

  /** Random page reads; resolves with their latencies (ms). */
  async random(file: FileRef, ops: number, inflight: number, seed: number): Promise<number[]> {
    return (await this.#send({ cmd: "random", file, ops, inflight, seed })).latencies ?? [];
  }

  /** Walks `dir` (readdir + stat + read each file); resolves with the files and bytes seen. */
  async walk(dir: string, files: number): Promise<{ files: number; bytes: number }> {
    const done = await this.#send({ cmd: "walk", dir, files });
    return { files: done.ops ?? 0, bytes: done.bytes };
  }

  /** Writes a new file of `bytes` and fsyncs it. */
  async write(path: string, bytes: number, chunkBytes: number): Promise<number> {
    return (await this.#send({ cmd: "write", path, bytes, chunkBytes })).bytes;
  }

  /** `count` rounds of create + stat + unlink of `<prefix>-<i>`; resolves with the ops done. */
  async metadata(prefix: string, count: number): Promise<number> {
    return (await this.#send({ cmd: "metadata", prefix, count })).ops ?? 0;
  }

  /** Unmounts and leaves cleanly. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, "exit");
    this.child.send({ cmd: "stop" } satisfies Command);
    await exited;
  }

  async #send(command: Command): Promise<Done> {
    const reply = this.#reply();
    this.child.send(command);
    return (await reply) as Done;
  }

  #reply(): Promise<ReaderReply> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`${this.name} exited (${code})`));
      this.child.once("message", (message: ReaderReply) => {
        this.child.off("exit", onExit);
        if (message.type === "error") reject(new Error(`${this.name}: ${message.message}`));
        else if (message.type === "unsupported") reject(new Skipped(message.reason));
        else resolve(message);
      });
      this.child.once("exit", onExit);
    });
  }
}

/** One after another: eight processes loading at once on a busy two-core host can miss the join deadline. */
export async function startReaders(
  kind: ReaderKind,
  target: ReaderTarget,
  count: number,
  prefix: string,
): Promise<Reader[]> {
  const readers: Reader[] = [];
  try {
    for (let i = 1; i <= count; i++) {
      readers.push(await Reader.start(kind, target, `${prefix}-${i}`, PAGES_HELD.together));
    }
  } catch (error) {
    await Promise.all(readers.map((reader) => reader.stop()));
    throw error;
  }
  return readers;
}
