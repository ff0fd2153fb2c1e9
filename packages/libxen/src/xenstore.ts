// The XenStore client: the xs_* calls (libxenstore's xs.c) over any XsTransport, watches by token,
// and transactions retried on EAGAIN as xenbus drivers do. An XS_ERROR reply throws XenError with
// xenstored's errno name and Xen's number for it.
import {
  decodeXsString,
  decodeXsStrings,
  decodeXsText,
  encodeXsPayload,
  WireError,
  XEN_ERRNO,
  type XenErrnoName,
  XS,
} from "@xenfs/proto";
import { XenError } from "./errors.js";
import type { XsTransport } from "./xs-transport.js";

export type WatchCallback = (path: string, token: string) => void;

/** A permission as xenstore-ls prints it: `r5`, `w0`, `b3`, `n0`; the first names the owner. */
export type XsPerm = `${"r" | "w" | "b" | "n"}${number}`;

/** No transaction. */
export const XBT_NULL = 0;

const XS_NAMES = new Map<number, string>(Object.entries(XS).map(([name, type]) => [type, `XS_${name}`]));
/** Attempts before a transaction that keeps conflicting gives up with EAGAIN. */
const DEFAULT_MAX_ATTEMPTS = 16;

/** The operations that can run inside a transaction. */
export interface XsOps {
  read(path: string): Promise<string>;
  write(path: string, value: string | Uint8Array): Promise<void>;
  directory(path: string): Promise<string[]>;
  mkdir(path: string): Promise<void>;
  rm(path: string): Promise<void>;
  getPerms(path: string): Promise<XsPerm[]>;
  setPerms(path: string, perms: readonly XsPerm[]): Promise<void>;
}

export class XenStoreClient {
  readonly #watches = new Map<string, { path: string; callback: WatchCallback }>();

  constructor(private readonly transport: XsTransport) {
    transport.onWatchEvent((path, token) => this.#watches.get(token)?.callback(path, token));
  }

  async read(path: string, tx = XBT_NULL): Promise<string> {
    return decodeXsText(await this.readBytes(path, tx));
  }

  /** The value as stored: bytes, not necessarily text. */
  async readBytes(path: string, tx = XBT_NULL): Promise<Uint8Array> {
    return this.#call(XS.READ, tx, [path]);
  }

  /** Creates missing parents, as xenstored does. */
  async write(path: string, value: string | Uint8Array, tx = XBT_NULL): Promise<void> {
    await this.#call(XS.WRITE, tx, [path], value);
  }

  async directory(path: string, tx = XBT_NULL): Promise<string[]> {
    return this.#strings(await this.#call(XS.DIRECTORY, tx, [path]));
  }

  async mkdir(path: string, tx = XBT_NULL): Promise<void> {
    await this.#call(XS.MKDIR, tx, [path]);
  }

  /** Recursive. */
  async rm(path: string, tx = XBT_NULL): Promise<void> {
    await this.#call(XS.RM, tx, [path]);
  }

  async getPerms(path: string, tx = XBT_NULL): Promise<XsPerm[]> {
    return this.#strings(await this.#call(XS.GET_PERMS, tx, [path])) as XsPerm[];
  }

  /** Sent as given, as libxenstore does: xenstored refuses a malformed list (EINVAL). */
  async setPerms(path: string, perms: readonly XsPerm[], tx = XBT_NULL): Promise<void> {
    await this.#call(XS.SET_PERMS, tx, [path, ...perms]);
  }

  /**
   * Watches `path` and below; `callback` runs once right away and on every change. A token names
   * one watched path here (EEXIST for another); the same path and token again is xenstored's call.
   */
  async watch(path: string, token: string, callback: WatchCallback): Promise<void> {
    const existing = this.#watches.get(token);
    if (existing && existing.path !== path) {
      throw XenError.errno("EEXIST", "XS_WATCH", `token ${JSON.stringify(token)} in use`);
    }
    if (existing) {
      await this.#call(XS.WATCH, XBT_NULL, [path, token]);
      return;
    }
    // Registered first: the initial event follows the reply and must find its callback.
    this.#watches.set(token, { path, callback });
    try {
      await this.#call(XS.WATCH, XBT_NULL, [path, token]);
    } catch (error) {
      this.#watches.delete(token);
      throw error;
    }
  }

  /**
   * Registers every watch again (xs_resume in Linux): after an attach to a restored domain the
   * store's connection is a new one. Each fires once right away, as a new watch does. EEXIST:
   * the store kept it (the domain came back where it was, on the same connection).
   */
  async rewatch(): Promise<void> {
    await Promise.all(
      [...this.#watches].map(([token, { path }]) =>
        this.#call(XS.WATCH, XBT_NULL, [path, token]).catch((error: unknown) => {
          if (!(error instanceof XenError && error.code === "EEXIST")) throw error;
        }),
      ),
    );
  }

  async unwatch(path: string, token: string): Promise<void> {
    await this.#call(XS.UNWATCH, XBT_NULL, [path, token]);
    if (this.#watches.get(token)?.path === path) this.#watches.delete(token);
  }

  async transactionStart(): Promise<number> {
    const id = Number(decodeXsString(await this.#call(XS.TRANSACTION_START, XBT_NULL, [""])));
    if (!Number.isInteger(id) || id <= 0)
      throw XenError.errno("EBADMSG", "XS_TRANSACTION_START", "bad transaction id");
    return id;
  }

  /** Commits (`EAGAIN` when something it read changed meanwhile) or aborts. */
  async transactionEnd(tx: number, commit: boolean): Promise<void> {
    await this.#call(XS.TRANSACTION_END, tx, [commit ? "T" : "F"]);
  }

  /** `/local/domain/<domid>` */
  async getDomainPath(domid: number): Promise<string> {
    return decodeXsString(await this.#call(XS.GET_DOMAIN_PATH, XBT_NULL, [String(domid)]));
  }

  /** Runs `fn` in a transaction and commits; on EAGAIN runs it again on a fresh one. */
  async transaction<T>(fn: (tx: XsOps) => Promise<T>, options: { maxAttempts?: number } = {}): Promise<T> {
    const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    for (let attempt = 1; ; attempt++) {
      const id = await this.transactionStart();
      try {
        const result = await fn(this.#scoped(id)).catch(async (error: unknown) => {
          // The transaction is dead either way; the caller needs fn's error, not the abort's.
          await this.transactionEnd(id, false).catch(() => undefined);
          throw error;
        });
        await this.transactionEnd(id, true);
        return result;
      } catch (error) {
        if (!(error instanceof XenError && error.code === "EAGAIN") || attempt >= maxAttempts) throw error;
      }
    }
  }

  /** Any request with a ready payload; the reply's payload, or XenError for XS_ERROR. */
  async request(type: number, payload: Uint8Array, tx = XBT_NULL): Promise<Uint8Array> {
    const op = XS_NAMES.get(type) ?? `XS_${type}`;
    const reply = await this.transport.request(type, tx, payload);
    if (reply.type === XS.ERROR) {
      const name = decodeXsString(reply.payload);
      throw new XenError(name, -(XEN_ERRNO[name as XenErrnoName] ?? XEN_ERRNO.EINVAL), op);
    }
    return reply.payload;
  }

  /** Told once, with the reason, when the transport can carry no more requests. */
  onClose(listener: (error: Error) => void): void {
    this.transport.onClose(listener);
  }

  close(): void {
    this.transport.close();
  }

  #scoped(tx: number): XsOps {
    return {
      read: (path) => this.read(path, tx),
      write: (path, value) => this.write(path, value, tx),
      directory: (path) => this.directory(path, tx),
      mkdir: (path) => this.mkdir(path, tx),
      rm: (path) => this.rm(path, tx),
      getPerms: (path) => this.getPerms(path, tx),
      setPerms: (path, perms) => this.setPerms(path, perms, tx),
    };
  }

  /** Encodes the strings (and a WRITE's value) and sends them; codec limits are Xen errnos here. */
  async #call(
    type: number,
    tx: number,
    strings: readonly string[],
    tail?: string | Uint8Array,
  ): Promise<Uint8Array> {
    let payload: Uint8Array;
    try {
      payload = encodeXsPayload(strings, tail);
    } catch (error) {
      if (!(error instanceof WireError)) throw error;
      const op = XS_NAMES.get(type) ?? `XS_${type}`;
      throw XenError.errno(error.code === "EMSGSIZE" ? "E2BIG" : "EINVAL", op, error.message, {
        cause: error,
      });
    }
    return this.request(type, payload, tx);
  }

  #strings(payload: Uint8Array): string[] {
    try {
      return decodeXsStrings(payload);
    } catch (error) {
      throw XenError.errno("EBADMSG", "xenstore reply", (error as Error).message, { cause: error });
    }
  }
}
