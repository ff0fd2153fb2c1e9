// XenStore in the same process: requests go straight to a store's connection (a
// `@xenfs/xenstored` XenStore fits `XsLocalBackend`), synchronously, so a caller that does not
// await sees the store before any watch event, which the store delivers in a microtask.
import type { XsTransport, XsWatchListener, XsWireReply } from "./xs-transport.js";

/** A store that takes connections in this process, such as `@xenfs/xenstored`'s XenStore. */
export interface XsLocalBackend {
  connect(
    domid: number,
    onWatchEvent: XsWatchListener,
  ): { request(type: number, txId: number, payload: Uint8Array): XsWireReply; close(): void };
}

export class XsInProcessTransport implements XsTransport {
  readonly #conn: ReturnType<XsLocalBackend["connect"]>;
  #listener: XsWatchListener = () => {};

  /** Connects to `backend` as `domid` (0 is privileged). */
  constructor(backend: XsLocalBackend, domid: number) {
    this.#conn = backend.connect(domid, (path, token) => this.#listener(path, token));
  }

  request(type: number, txId: number, payload: Uint8Array): Promise<XsWireReply> {
    return Promise.resolve(this.#conn.request(type, txId, payload));
  }

  onWatchEvent(listener: XsWatchListener): void {
    this.#listener = listener;
  }

  /** The store never goes away under a connection. */
  onClose(): void {}

  close(): void {
    this.#conn.close();
  }
}
