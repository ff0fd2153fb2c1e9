/**
 * Per-inode version counters. The page cache keys pages by (inode, version), so a counter must
 * never go back: entries outlive unlink, and a new file that reuses an inode number is bumped at
 * creation, so its pages never match a dead file's. Changes made to the export behind dom0's back
 * are not seen here.
 */
export class FileVersions {
  readonly #versions = new Map<string, number>();

  get(key: string): number {
    return this.#versions.get(key) ?? 0;
  }

  bump(key: string): number {
    const next = this.get(key) + 1;
    this.#versions.set(key, next);
    return next;
  }
}
