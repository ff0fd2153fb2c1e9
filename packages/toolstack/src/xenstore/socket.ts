// One connection to xenstored's unix socket, used the way libxenstore uses it: one request at a
// time, each answered by the next reply with its req_id; WATCH_EVENTs are queued apart.
import { createConnection, type Socket } from "node:net";
import { encodeXsdSockmsg, type XsdSockmsg, XsdSockmsgDecoder } from "@xenfs/hypervisor";
import { XS } from "@xenfs/proto";
import { XsWireError } from "./wire-error.js";

type Waiter = { resolve(msg: XsdSockmsg): void; reject(error: Error): void };

export class XsSocket {
  readonly #replies: Waiter[] = [];
  readonly #events: XsdSockmsg[] = [];
  readonly #eventWaiters: Waiter[] = [];
  #closed: Error | undefined;
  #reqId = 0;

  private constructor(private readonly socket: Socket) {
    const decoder = new XsdSockmsgDecoder();
    socket.on("data", (chunk: Buffer) => {
      let messages: XsdSockmsg[];
      try {
        messages = decoder.push(chunk);
      } catch (error) {
        this.#fail(new XsWireError("EIO", `xenstored sent a bad frame: ${(error as Error).message}`));
        return;
      }
      for (const msg of messages) {
        if (msg.type === XS.WATCH_EVENT) {
          const waiter = this.#eventWaiters.shift();
          if (waiter) waiter.resolve(msg);
          else this.#events.push(msg);
        } else {
          this.#replies.shift()?.resolve(msg);
        }
      }
    });
    socket.on("error", (error: NodeJS.ErrnoException) => this.#fail(new XsWireError(error.code ?? "EIO")));
    socket.on("close", () => this.#fail(new XsWireError("ECONNRESET")));
  }

  /** Connects; a failure rejects with Node's error (its `code` is the errno name). */
  static open(path: string): Promise<XsSocket> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new XsSocket(socket));
      });
    });
  }

  request(type: number, txId: number, payload: Uint8Array): Promise<XsdSockmsg> {
    if (this.#closed) return Promise.reject(this.#closed);
    const req_id = ++this.#reqId;
    this.socket.write(encodeXsdSockmsg({ type, req_id, tx_id: txId, payload }));
    return new Promise((resolve, reject) => this.#replies.push({ resolve, reject }));
  }

  nextWatchEvent(): Promise<XsdSockmsg> {
    const queued = this.#events.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise((resolve, reject) => this.#eventWaiters.push({ resolve, reject }));
  }

  close(): void {
    this.socket.destroy();
  }

  #fail(error: Error): void {
    this.#closed ??= error;
    for (const waiter of [...this.#replies.splice(0), ...this.#eventWaiters.splice(0)]) waiter.reject(error);
    this.socket.destroy();
  }
}
