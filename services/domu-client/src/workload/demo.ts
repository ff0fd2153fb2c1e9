// The demo workload (XENFS_WORKLOAD=demo): each round walks the export and reads every file,
// makes random reads, and writes a few files into guests/<name>/, then pauses. It keeps going
// through errors (a restarting dom0 is part of the demo) and stops on close.
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "@xenfs/service-kit";
import type { XenfsMount } from "../mount/mount.js";
import { joinPath } from "../mount/paths.js";

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
    private readonly fs: XenfsMount,
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
  async round(): Promise<void> {
    const files = await this.#walk(".");
    for (const file of files) {
      if (this.#stop.signal.aborted) return;
      this.stats.bytesRead += (await this.fs.readFile(file)).length;
      this.stats.filesRead += 1;
    }
    await this.#randomReads(files);
    await this.#write();
    this.stats.rounds += 1;
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

  async #walk(dir: string): Promise<string[]> {
    const max = this.options.maxFiles ?? 500;
    const files: string[] = [];
    const pending = [dir];
    while (pending.length > 0 && files.length < max) {
      const at = pending.shift() as string;
      for (const entry of await this.fs.readdir(at, { withFileTypes: true })) {
        const path = joinPath(at, entry.name);
        if (entry.isDirectory()) pending.push(path);
        else if (entry.isFile() && files.length < max) files.push(path);
      }
    }
    return files;
  }

  async #randomReads(files: readonly string[]): Promise<void> {
    const random = this.options.random ?? Math.random;
    for (let i = 0; i < RANDOM_READS && files.length > 0 && !this.#stop.signal.aborted; i++) {
      const handle = await this.fs.open(files[Math.floor(random() * files.length)] as string);
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

  async #write(): Promise<void> {
    const dir = `guests/${this.options.name}`;
    await this.fs.mkdir(dir, { recursive: true });
    const text = `${this.options.name} round ${this.stats.rounds} at ${new Date().toISOString()}\n`;
    await this.fs.writeFile(`${dir}/round-${this.stats.rounds % WRITE_SLOTS}.txt`, text);
    const log = `${dir}/log.txt`;
    if (this.stats.rounds % LOG_ROUNDS === 0) await this.fs.writeFile(log, text);
    else await this.fs.appendFile(log, text);
    this.stats.bytesWritten += 2 * Buffer.byteLength(text);
  }
}
