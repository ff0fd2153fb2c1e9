// The data path under a suspend (docs/migration.md#xenfs-frontend): reads copy bytes out of
// frames this host's dom0 mapped to the guest, which the suspend unmaps. Before it does, new reads
// wait and the reads under way finish (bounded); after the move they go on against the target.
import type { DataPath } from "../mount/data-path.js";
import type { OpenFile } from "../mount/open-file.js";
import type { OpenResult } from "../mount/remote.js";

export class GatedDataPath implements DataPath {
  #held: Promise<void> | undefined;
  #release: () => void = () => {};
  #active = 0;
  #idle: (() => void) | undefined;

  constructor(private readonly data: DataPath) {}

  /** The data path's own write (page flipping, once negotiated), held like reads; absent: the copy path's. */
  get write(): DataPath["write"] {
    const write = this.data.write;
    return write === undefined
      ? undefined
      : (file, bytes, position) => this.#use(() => write(file, bytes, position));
  }

  get mode(): DataPath["mode"] {
    return this.data.mode;
  }
  get pagesHeld(): number {
    return this.data.pagesHeld;
  }

  /** New reads wait; resolves once the reads under way are done, or after `timeoutMs`. */
  async hold(timeoutMs: number): Promise<void> {
    this.#held ??= new Promise<void>((resolve) => {
      this.#release = resolve;
    });
    if (this.#active === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => {
        this.#idle = resolve;
      }),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Reads go on. */
  resume(): void {
    this.#held = undefined;
    this.#release();
  }

  opened(file: OpenFile, open: OpenResult): Promise<void> {
    return this.data.opened(file, open);
  }
  closed(file: OpenFile): Promise<void> {
    return this.data.closed(file);
  }
  size(file: OpenFile): Promise<number> {
    return this.#use(() => this.data.size(file));
  }
  read(file: OpenFile, target: Uint8Array, position: number): Promise<number> {
    return this.#use(() => this.data.read(file, target, position));
  }
  reusable(file: OpenFile): boolean {
    return this.data.reusable(file);
  }
  reset(): Promise<void> {
    return this.data.reset();
  }
  close(): Promise<void> {
    return this.data.close();
  }

  async #use<T>(fn: () => Promise<T>): Promise<T> {
    while (this.#held) await this.#held;
    this.#active += 1;
    try {
      return await fn();
    } finally {
      this.#active -= 1;
      if (this.#active === 0) this.#idle?.();
    }
  }
}
