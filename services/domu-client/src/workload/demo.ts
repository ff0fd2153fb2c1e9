// The demo workload (XENFS_WORKLOAD=demo): each round walks the export and reads every file,
// makes random reads, and writes a few files into guests/<name>/, then pauses. It keeps going
// through errors (a restarting dom0 is part of the demo) and stops on close. Each round runs on
// the mount current when it starts, so after a rejoin the next round uses the new one.
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "@xenfs/service-kit";
import type { GuestMount } from "../guest-mount.js";
import { joinPath } from "../mount/paths.js";
import type { MountSource } from "../rejoin/current-mount.js";

export interface DemoWorkloadOptions {
  /** The guest's name: it writes under guests/<name>/. */
  readonly name: string;
  readonly pauseMs?: number;
  /** Files a walk visits at most. */
  readonly maxFiles?: number;
  readonly random?: () => number;
  readonly logger?: Logger;
}

export interface WorkloadStats {
  rounds: number;
  filesRead: number;
  bytesRead: number;
  bytesWritten: number;
  errors: number;
}

const RANDOM_READS = 8;
const RANDOM_READ_BYTES = 4096;
/** Files each guest rewrites in turn. */
const WRITE_SLOTS = 4;
/** The log starts over every so many rounds, so a long demo stays small on disk. */
const LOG_ROUNDS = 64;

export class DemoWorkload {
  readonly stats: WorkloadStats = { rounds: 0, filesRead: 0, bytesRead: 0, bytesWritten: 0, errors: 0 };
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;

  constructor(
    private readonly mounts: MountSource,
    private readonly options: DemoWorkloadOptions,
  ) {}

  start(): void {
    this.#running ??= this.#loop();
  }

  /** Stops after the operation under way. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
  }

  /** One round: walk and read, random reads, writes. */
  round(): Promise<void> {
    return this.mounts.use(async (fs) => {
      const files = await this.#walk(fs, ".");
      for (const file of files) {
        if (this.#stop.signal.aborted) return;
        this.stats.bytesRead += (await fs.readFile(file)).length;
        this.stats.filesRead += 1;
      }
      await this.#randomReads(fs, files);
      await this.#write(fs);
      this.stats.rounds += 1;
    });
  }

  async #loop(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        await this.round();
      } catch (error) {
        this.stats.errors += 1;
        this.options.logger?.warn({ err: error }, "workload round failed");
      }
      await sleep(this.options.pauseMs ?? 1000, undefined, { signal }).catch(() => {});
    }
  }

  async #walk(fs: GuestMount, dir: string): Promise<string[]> {
    const max = this.options.maxFiles ?? 500;
    const files: string[] = [];
    const pending = [dir];
    while (pending.length > 0 && files.length < max) {
      const at = pending.shift() as string;
      for (const entry of await fs.readdir(at, { withFileTypes: true })) {
        const path = joinPath(at, entry.name);
        if (entry.isDirectory()) pending.push(path);
        else if (entry.isFile() && files.length < max) files.push(path);
      }
    }
    return files;
  }

  async #randomReads(fs: GuestMount, files: readonly string[]): Promise<void> {
    const random = this.options.random ?? Math.random;
    for (let i = 0; i < RANDOM_READS && files.length > 0 && !this.#stop.signal.aborted; i++) {
      const handle = await fs.open(files[Math.floor(random() * files.length)] as string);
      try {
        const size = (await handle.stat()).size;
        const position = Math.floor(random() * Math.max(1, size - RANDOM_READ_BYTES));
        const { bytesRead } = await handle.read(
          Buffer.alloc(RANDOM_READ_BYTES),
          0,
          RANDOM_READ_BYTES,
          position,
        );
        this.stats.bytesRead += bytesRead;
      } finally {
        await handle.close();
      }
    }
  }

  async #write(fs: GuestMount): Promise<void> {
    // A read-only mount (block mode's default) is walked and read, not written.
    if (fs.readonly) return;
    const dir = `guests/${this.options.name}`;
    await fs.mkdir(dir, { recursive: true });
    const text = `${this.options.name} round ${this.stats.rounds} at ${new Date().toISOString()}\n`;
    await fs.writeFile(`${dir}/round-${this.stats.rounds % WRITE_SLOTS}.txt`, text);
    const log = `${dir}/log.txt`;
    if (this.stats.rounds % LOG_ROUNDS === 0) await fs.writeFile(log, text);
    else await fs.appendFile(log, text);
    this.stats.bytesWritten += 2 * Buffer.byteLength(text);
  }
}
