/**
 * One lock per inode. Fills, writes and truncates of a file run one at a time, so a fill that
 * read the disk before a write can never publish the old bytes after it. Reads of cached pages
 * take no lock: dom0 updates frames in place and coherence carries the update.
 */
export class InodeLocks {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(inode: string, fn: () => Promise<T>): Promise<T> {
    // Tails never reject, so fn runs after the previous holder whatever its outcome.
    const result = (this.#tails.get(inode) ?? Promise.resolve()).then(fn);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(inode, tail);
    void tail.then(() => {
      if (this.#tails.get(inode) === tail) this.#tails.delete(inode);
    });
    return result;
  }
}
