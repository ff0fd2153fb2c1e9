// Files kept open behind the API, by path, so readFile of a file the guest already holds needs
// no open, no stat and no read: the attribute record says whether the handle is still the file
// its path names (not renamed over or unlinked) and how big it is.
import type { OpenFile } from "./open-file.js";

export interface HandleCacheFiles {
  open(path: string): Promise<OpenFile>;
  close(file: OpenFile): Promise<void>;
  reusable(file: OpenFile): boolean;
}

interface Entry {
  readonly file: OpenFile;
  users: number;
  /** Out of the table: closed when its last user is done. */
  evicted: boolean;
}

export class HandleCache {
  /** In least-recently-used order. */
  readonly #entries = new Map<string, Entry>();
  readonly #opening = new Map<string, Promise<OpenFile>>();
  readonly #byFile = new Map<OpenFile, Entry>();

  constructor(
    private readonly max: number,
    private readonly files: HandleCacheFiles,
  ) {}

  /** An open file for `path`, cached or newly opened; give it back with `release`. */
  async acquire(path: string): Promise<OpenFile> {
    const cached = this.#entries.get(path);
    if (cached) {
      this.#entries.delete(path);
      if (this.files.reusable(cached.file)) {
        this.#entries.set(path, cached);
        cached.users += 1;
        return cached.file;
      }
      this.#evict(cached);
    }
    let opening = this.#opening.get(path);
    if (!opening) {
      opening = this.files.open(path).finally(() => this.#opening.delete(path));
      this.#opening.set(path, opening);
    }
    const file = await opening;
    let entry = this.#byFile.get(file);
    if (!entry) {
      entry = { file, users: 0, evicted: false };
      this.#byFile.set(file, entry);
      const displaced = this.#entries.get(path);
      if (displaced) this.#evict(displaced);
      this.#entries.set(path, entry);
      this.#trim();
    }
    entry.users += 1;
    return file;
  }

  release(file: OpenFile): void {
    const entry = this.#byFile.get(file);
    if (!entry) return;
    entry.users -= 1;
    if (entry.evicted && entry.users === 0) void this.#close(entry);
  }

  /** Forgets every handle; `close` says whether their fds still mean something to close. */
  async clear(close: boolean): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const entry of [...this.#entries.values()]) {
      this.#entries.delete(entry.file.path);
      entry.evicted = true;
      if (!close) this.#byFile.delete(entry.file);
      else if (entry.users === 0) closing.push(this.#close(entry));
    }
    await Promise.all(closing);
  }

  #trim(): void {
    for (const entry of this.#entries.values()) {
      if (this.#entries.size <= this.max) return;
      this.#entries.delete(entry.file.path);
      this.#evict(entry);
    }
  }

  #evict(entry: Entry): void {
    entry.evicted = true;
    if (entry.users === 0) void this.#close(entry);
  }

  #close(entry: Entry): Promise<void> {
    this.#byFile.delete(entry.file);
    // Nobody needs a cached handle's close to succeed: an fd gone with its backend is gone anyway.
    return this.files.close(entry.file).catch(() => {});
  }
}
