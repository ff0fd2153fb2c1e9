// The reply cache on disk: an append-only file of JSON lines, one per reply. Appends made while a
// write is under way go out together with one fdatasync (group commit); each append resolves
// only once its line is durable. Compaction rewrites the live records to a new file and renames it
// over the old one, so a crash leaves either the old journal or the new, never half of one.
import { type FileHandle, open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { syncDir } from "../export/durable.js";

export interface JournalLoad<T> {
  readonly records: T[];
  /** Lines that did not parse (a write torn by a crash): dropped at the next compaction. */
  readonly torn: number;
}

export class Journal<T> {
  #pending: { line: string; done: () => void; fail: (error: Error) => void }[] = [];
  /** Every write, flush and compaction runs after the one before. */
  #chain: Promise<void> = Promise.resolve();
  #flushQueued = false;
  #lines = 0;

  private constructor(
    readonly path: string,
    private file: FileHandle,
  ) {}

  /** Opens (creating if need be) the journal at `path` and reads the records in it. */
  static async open<T>(
    path: string,
    parse: (value: unknown) => T | undefined,
  ): Promise<[Journal<T>, JournalLoad<T>]> {
    let text = "";
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    const records: T[] = [];
    let torn = 0;
    for (const line of text.split("\n")) {
      if (line === "") continue;
      let record: T | undefined;
      try {
        record = parse(JSON.parse(line));
      } catch {
        record = undefined;
      }
      if (record === undefined) torn += 1;
      else records.push(record);
    }
    const journal = new Journal<T>(path, await open(path, "a"));
    // The file's name (and its directory's, when just made) must survive a crash too.
    await syncDir(dirname(path));
    await syncDir(dirname(dirname(path)));
    journal.#lines = records.length + torn;
    return [journal, { records, torn }];
  }

  /** Lines in the file now (live or not): what compaction is weighed against. */
  get lines(): number {
    return this.#lines;
  }

  /** Resolves once `record` is on disk. */
  append(record: T): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    const written = new Promise<void>((done, fail) => this.#pending.push({ line, done, fail }));
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      this.#chain = this.#chain.then(() => this.#flush());
    }
    return written;
  }

  /** Replaces the file's content with `records`, durably. */
  compact(records: readonly T[]): Promise<void> {
    const run = this.#chain.then(async () => {
      const fresh = `${this.path}.new`;
      const file = await open(fresh, "w");
      try {
        await file.writeFile(records.map((record) => `${JSON.stringify(record)}\n`).join(""));
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(fresh, this.path);
      await syncDir(dirname(this.path));
      await this.file.close();
      this.file = await open(this.path, "a");
      this.#lines = records.length;
    });
    this.#chain = run.catch(() => {});
    return run;
  }

  async close(): Promise<void> {
    await this.#chain;
    await this.file.close();
  }

  async #flush(): Promise<void> {
    this.#flushQueued = false;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    try {
      await this.file.write(batch.map((entry) => entry.line).join(""));
      await this.file.datasync();
      this.#lines += batch.length;
      for (const entry of batch) entry.done();
    } catch (error) {
      for (const entry of batch) entry.fail(error as Error);
    }
  }
}
