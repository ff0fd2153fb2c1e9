// What the XenStore client speaks over: xs_wire requests and replies, and watch events. Three
// carry it: a domain's `xs` hypercall (xs-hypercall.ts), xenstored's unix socket (xs-socket.ts)
// and a store in the same process (xs-in-process.ts). The client owns the payload codec.

/** A reply as xenstored sends it: its type (XS_ERROR included) and payload. */
export interface XsWireReply {
  readonly type: number;
  readonly payload: Uint8Array;
}

export type XsWatchListener = (path: string, token: string) => void;

export interface XsTransport {
  /** One request; rejects only when the transport itself fails (a XenError). */
  request(type: number, txId: number, payload: Uint8Array): Promise<XsWireReply>;
  /** Where XS_WATCH_EVENTs go; the client sets it once. */
  onWatchEvent(listener: XsWatchListener): void;
  /** Told once, with the reason, when the transport can carry no more requests. */
  onClose(listener: (error: Error) => void): void;
  close(): void;
}
