// The xs_* calls Xen's tools make (libxenstore's xs.c), over an XsSocket. Each is one request;
// an XS_ERROR reply throws XsWireError with xenstored's errno name.
import { XS } from "@xenfs/proto";
import type { XsSocket } from "./socket.js";
import { XsWireError } from "./wire-error.js";

/** No transaction. */
export const XBT_NULL = 0;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function strings(...values: string[]): Uint8Array {
  return encoder.encode(values.map((v) => `${v}\0`).join(""));
}

/** "a\0b\0" → ["a", "b"]. */
function list(payload: Uint8Array): string[] {
  const text = decoder.decode(payload);
  return text === "" ? [] : text.replace(/\0$/, "").split("\0");
}

export class XsHandle {
  constructor(readonly socket: XsSocket) {}

  async directory(tx: number, path: string): Promise<string[]> {
    return list(await this.#call(XS.DIRECTORY, tx, strings(path)));
  }

  read(tx: number, path: string): Promise<Uint8Array> {
    return this.#call(XS.READ, tx, strings(path));
  }

  /** The value is raw bytes after the path's NUL, not NUL-terminated (xs_write). */
  async write(tx: number, path: string, value: Uint8Array): Promise<void> {
    const head = strings(path);
    const payload = new Uint8Array(head.length + value.length);
    payload.set(head);
    payload.set(value, head.length);
    await this.#call(XS.WRITE, tx, payload);
  }

  async rm(tx: number, path: string): Promise<void> {
    await this.#call(XS.RM, tx, strings(path));
  }

  async getPermissions(tx: number, path: string): Promise<string[]> {
    return list(await this.#call(XS.GET_PERMS, tx, strings(path)));
  }

  async setPermissions(tx: number, path: string, perms: readonly string[]): Promise<void> {
    await this.#call(XS.SET_PERMS, tx, strings(path, ...perms));
  }

  async transactionStart(): Promise<number> {
    return Number(list(await this.#call(XS.TRANSACTION_START, XBT_NULL, strings("")))[0]);
  }

  /** Commits ("T") or aborts ("F"); a commit that lost a race throws EAGAIN. */
  async transactionEnd(tx: number, abort: boolean): Promise<void> {
    await this.#call(XS.TRANSACTION_END, tx, strings(abort ? "F" : "T"));
  }

  async watch(path: string, token: string): Promise<void> {
    await this.#call(XS.WATCH, XBT_NULL, strings(path, token));
  }

  /** The next watch event: the path that changed and the watch's token. */
  async readWatch(): Promise<{ path: string; token: string }> {
    const [path = "", token = ""] = list((await this.socket.nextWatchEvent()).payload);
    return { path, token };
  }

  close(): void {
    this.socket.close();
  }

  async #call(type: number, tx: number, payload: Uint8Array): Promise<Uint8Array> {
    const reply = await this.socket.request(type, tx, payload);
    if (reply.type === XS.ERROR) throw new XsWireError(list(reply.payload)[0] ?? "EIO");
    return reply.payload;
  }
}
