// XenStore over xenstored's unix socket (XENSTORED_PATH), framed as xsd_sockmsg. Replies come in
// request order (xenstored answers each in turn), so each goes to the oldest waiting request;
// XS_WATCH_EVENTs go to the watch listener.
import { createConnection, type Socket } from "node:net";
import {
  decodeXsStrings,
  encodeXsdSockmsg,
  XEN_ERRNO,
  type XenErrnoName,
  XS,
  type XsdSockmsg,
  XsdSockmsgDecoder,
} from "@xenfs/proto";
import { XenError } from "./errors.js";
import type { XsTransport, XsWatchListener, XsWireReply } from "./xs-transport.js";

type Waiter = { resolve(reply: XsWireReply): void; reject(error: Error): void };

const OP = "xenstored socket";

/** A socket failure by its errno name; one Xen has no number for counts as EIO. */
function socketError(code: string, message?: string): XenError {
  return new XenError(code, -(XEN_ERRNO[code as XenErrnoName] ?? XEN_ERRNO.EIO), OP, message);
}

export class XsSocketTransport implements XsTransport {
  readonly #replies: Waiter[] = [];
  #listener: XsWatchListener = () => {};
  #closeListeners: ((error: Error) => void)[] = [];
  #closed: XenError | undefined;
  #reqId = 0;

  private constructor(private readonly socket: Socket) {
    const decoder = new XsdSockmsgDecoder();
    socket.on("data", (chunk: Buffer) => {
      let messages: XsdSockmsg[];
      let events: string[][];
      try {
        messages = decoder.push(chunk);
        events = messages.filter((m) => m.type === XS.WATCH_EVENT).map((m) => decodeXsStrings(m.payload, 2));
      } catch (error) {
        this.#fail(socketError("EIO", `xenstored sent a bad frame: ${(error as Error).message}`));
        return;
      }
      for (const msg of messages) {
        if (msg.type === XS.WATCH_EVENT) {
          const [path = "", token = ""] = events.shift()!;
          this.#listener(path, token);
        } else {
          this.#replies.shift()?.resolve(msg);
        }
      }
    });
    socket.on("error", (error: NodeJS.ErrnoException) => this.#fail(socketError(error.code ?? "EIO")));
    socket.on("close", () => this.#fail(socketError("ECONNRESET")));
  }

  /** Connects; a failure rejects with Node's error (its `code` is the errno name). */
  static open(path: string): Promise<XsSocketTransport> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new XsSocketTransport(socket));
      });
    });
  }

  request(type: number, txId: number, payload: Uint8Array): Promise<XsWireReply> {
    if (this.#closed) return Promise.reject(this.#closed);
    const req_id = ++this.#reqId;
    this.socket.write(encodeXsdSockmsg({ type, req_id, tx_id: txId, payload }));
    return new Promise((resolve, reject) => this.#replies.push({ resolve, reject }));
  }

  onWatchEvent(listener: XsWatchListener): void {
    this.#listener = listener;
  }

  onClose(listener: (error: Error) => void): void {
    if (this.#closed) listener(this.#closed);
    else this.#closeListeners.push(listener);
  }

  close(): void {
    this.socket.destroy();
  }

  #fail(error: XenError): void {
    if (this.#closed) return;
    this.#closed = error;
    for (const waiter of this.#replies.splice(0)) waiter.reject(error);
    for (const listener of this.#closeListeners.splice(0)) listener(error);
    this.socket.destroy();
  }
}
