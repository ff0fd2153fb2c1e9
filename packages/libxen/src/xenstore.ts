// XenStore over the `xs` hypercall: xs_wire requests and replies, watches delivered as
// `xs_watch_event` upcalls, and transactions retried on EAGAIN as xenbus drivers do.
import { XEN_ERRNO, type XenErrnoName, XS } from "@xenfs/proto";
import { XenError } from "./errors.js";
import type { XenSession } from "./session.js";
import { xsPayload, xsString, xsStrings, xsText } from "./xs-payload.js";

export type WatchCallback = (path: string, token: string) => void;

/** A permission as xenstore-ls prints it: `r5`, `w0`, `b3`, `n0`; the first names the owner. */
export type XsPerm = `${"r" | "w" | "b" | "n"}${number}`;

const XS_NAMES = new Map<number, string>(Object.entries(XS).map(([name, type]) => [type, `XS_${name}`]));
const PERM = /^[rwbn]\d+$/;
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

  constructor(private readonly session: XenSession) {
    session.onUpcall("xsWatchEvent", (e) => {
      const token = e.token ?? "";
      this.#watches.get(token)?.callback(e.path ?? "", token);
    });
  }

  async read(path: string, tx = 0): Promise<string> {
    return xsText(await this.#request(XS.READ, tx, xsPayload("XS_READ", [path])));
  }

  /** Creates missing parents, as xenstored does. */
  async write(path: string, value: string | Uint8Array, tx = 0): Promise<void> {
    await this.#request(XS.WRITE, tx, xsPayload("XS_WRITE", [path], value));
  }

  async directory(path: string, tx = 0): Promise<string[]> {
    return xsStrings(await this.#request(XS.DIRECTORY, tx, xsPayload("XS_DIRECTORY", [path])));
  }

  async mkdir(path: string, tx = 0): Promise<void> {
    await this.#request(XS.MKDIR, tx, xsPayload("XS_MKDIR", [path]));
  }

  /** Recursive. */
  async rm(path: string, tx = 0): Promise<void> {
    await this.#request(XS.RM, tx, xsPayload("XS_RM", [path]));
  }

  async getPerms(path: string, tx = 0): Promise<XsPerm[]> {
    return xsStrings(await this.#request(XS.GET_PERMS, tx, xsPayload("XS_GET_PERMS", [path]))) as XsPerm[];
  }

  async setPerms(path: string, perms: readonly XsPerm[], tx = 0): Promise<void> {
    const bad = perms.find((p) => !PERM.test(p));
    if (perms.length === 0 || bad !== undefined) {
      throw XenError.errno("EINVAL", "XS_SET_PERMS", `permissions ${JSON.stringify(perms)}`);
    }
    await this.#request(XS.SET_PERMS, tx, xsPayload("XS_SET_PERMS", [path, ...perms]));
  }

  /** Watches `path` and below; `callback` runs once right away and on every change. Tokens are unique. */
  async watch(path: string, token: string, callback: WatchCallback): Promise<void> {
    if (this.#watches.has(token))
      throw XenError.errno("EEXIST", "XS_WATCH", `token ${JSON.stringify(token)} in use`);
    const payload = xsPayload("XS_WATCH", [path, token]);
    // Registered first: the initial event follows the reply and must find its callback.
    this.#watches.set(token, { path, callback });
    try {
      await this.#request(XS.WATCH, 0, payload);
    } catch (error) {
      this.#watches.delete(token);
      throw error;
    }
  }

  async unwatch(path: string, token: string): Promise<void> {
    await this.#request(XS.UNWATCH, 0, xsPayload("XS_UNWATCH", [path, token]));
    if (this.#watches.get(token)?.path === path) this.#watches.delete(token);
  }

  async transactionStart(): Promise<number> {
    const id = Number(
      xsString(await this.#request(XS.TRANSACTION_START, 0, xsPayload("XS_TRANSACTION_START", [""]))),
    );
    if (!Number.isInteger(id) || id <= 0)
      throw XenError.errno("EBADMSG", "XS_TRANSACTION_START", "bad transaction id");
    return id;
  }

  /** Commits (`EAGAIN` when something it read changed meanwhile) or aborts. */
  async transactionEnd(tx: number, commit: boolean): Promise<void> {
    await this.#request(XS.TRANSACTION_END, tx, xsPayload("XS_TRANSACTION_END", [commit ? "T" : "F"]));
  }

  /** `/local/domain/<domid>` */
  async getDomainPath(domid: number): Promise<string> {
    return xsString(
      await this.#request(XS.GET_DOMAIN_PATH, 0, xsPayload("XS_GET_DOMAIN_PATH", [String(domid)])),
    );
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

  async #request(type: number, tx: number, payload: Uint8Array): Promise<Uint8Array> {
    const op = XS_NAMES.get(type) ?? `XS_${type}`;
    const reply = await this.session.call({ xs: { type, txId: tx, payload } });
    const xs = reply.xs ?? {};
    const data = xs.payload ?? new Uint8Array(0);
    if (xs.type === XS.ERROR) {
      const name = xsString(data);
      const errno = XEN_ERRNO[name as XenErrnoName] ?? XEN_ERRNO.EINVAL;
      throw new XenError(name, -errno, op);
    }
    return data;
  }
}
