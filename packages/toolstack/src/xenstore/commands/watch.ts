import { XenError, type XenStoreClient } from "@xenfs/libxen";
import { ToolError } from "../../errors.js";
import { attempt, type XsCommand } from "../command.js";
import { strerror } from "../strerror.js";

/**
 * xenstore-watch [-n NR] key…: watches each key (the key is its token) and prints the path of
 * every event, the first fire of each watch included, until NR events (forever by default).
 */
export const watch: XsCommand = async ({ xs, args, out }) => {
  const events = new WatchEvents(xs);
  for (const path of args.operands) {
    if ((await attempt(xs.watch(path, path, events.push))) instanceof XenError) {
      throw new ToolError("EINVAL", `Unable to add watch on ${path}\n`);
    }
  }
  for (let count = 0; args.watches === -1 || count < args.watches; count++) {
    const event = await attempt(events.next());
    // libxenstore would spin on a dead connection; stopping says why.
    if (event instanceof XenError) throw new ToolError(event.code, `xs_read_watch: ${strerror(event.code)}`);
    out(`${event}\n`);
  }
  return 0;
};

/** xs_read_watch(): the changed paths in order, then the error that closed the connection. */
class WatchEvents {
  readonly #paths: string[] = [];
  readonly #waiters: { resolve(path: string): void; reject(error: Error): void }[] = [];
  #closed: Error | undefined;

  constructor(xs: XenStoreClient) {
    xs.onClose((error) => {
      this.#closed = error;
      for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    });
  }

  readonly push = (path: string): void => {
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve(path);
    else this.#paths.push(path);
  };

  next(): Promise<string> {
    const queued = this.#paths.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }
}
