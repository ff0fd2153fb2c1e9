import { XENSTORE_PAYLOAD_MAX } from "@xenfs/proto";
import type { XsConnection } from "./backend.js";
import type { XsReply } from "./requests.js";
import { TransactionTable } from "./transactions.js";
import type { XsWatch } from "./watches.js";

/** What a connection needs from the store it belongs to. */
export interface XsRequestHandler {
  handle(conn: StoreConnection, type: number, txId: number, payload: Uint8Array): XsReply;
  disconnect(conn: StoreConnection): void;
}

export type WatchEventSink = (path: string, token: string) => void;

/**
 * One client of the store (a domain's ring or a socket). Watch events are queued and delivered
 * after the current request's reply, as xenstored queues them behind it on the connection.
 */
export class StoreConnection implements XsConnection {
  readonly watches: XsWatch[] = [];
  readonly transactions = new TransactionTable();
  readonly #pending: { path: string; token: string }[] = [];
  #closed = false;
  /** Events lost to the pending-events quota. */
  dropped = 0;

  constructor(
    readonly domid: number,
    private readonly handler: XsRequestHandler,
    private readonly sink: WatchEventSink,
    private readonly pendingLimit: number,
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  request(type: number, txId: number, payload: Uint8Array): XsReply {
    return this.handler.handle(this, type, txId, payload);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pending.length = 0;
    this.handler.disconnect(this);
  }

  /** Queue a WATCH_EVENT; duplicates of a pending event are dropped, as xenstored does. */
  queueEvent(path: string, token: string): void {
    if (this.#closed || path.length + token.length + 2 > XENSTORE_PAYLOAD_MAX) return;
    if (!path.startsWith("@") && this.#pending.some((e) => e.path === path && e.token === token)) return;
    if (this.domid !== 0 && this.#pending.length >= this.pendingLimit) {
      this.dropped++;
      return;
    }
    if (this.#pending.length === 0) queueMicrotask(() => this.#flush());
    this.#pending.push({ path, token });
  }

  #flush(): void {
    for (const { path, token } of this.#pending.splice(0)) this.sink(path, token);
  }
}
