import { XENSTORE_PAYLOAD_MAX, XS_SPECIAL_WATCH } from "@xenfs/proto";
import type { XsBackend } from "./backend.js";
import { StoreConnection } from "./connection.js";
import { type XsChange, XsDatabase } from "./database.js";
import { checkDomid, DomainTable } from "./domains.js";
import { XsError } from "./errors.js";
import { type RequestContext, XS_HANDLERS } from "./handlers.js";
import { domainPath } from "./paths.js";
import type { XsCaller, XsPerms } from "./permissions.js";
import { DEFAULT_XS_QUOTAS, type XsQuotas } from "./quotas.js";
import { errorReply, replyForError, type XsReply } from "./requests.js";
import type { XsOperation, XsTransaction } from "./transactions.js";
import { newNode, storeAt } from "./tree.js";
import { eventPath, watchFires, watchPermitted } from "./watches.js";

export interface XenStoreOptions {
  readonly quotas?: Partial<XsQuotas>;
}

/** Read-only figures for the HTTP API and metrics. */
export interface XenStoreStats {
  readonly nodes: number;
  readonly watches: number;
  readonly connections: number;
  readonly transactions: number;
  readonly domains: number;
  readonly droppedWatchEvents: number;
}

const DOM0: XsCaller = { domid: 0 };
const DOM0_ONLY: XsPerms = [{ access: "n", domid: 0 }];

/** XenStore as xenstored keeps it: the node tree, watches, transactions, quotas, domains. */
export class XenStore implements XsBackend {
  readonly quotas: XsQuotas;
  readonly domains = new DomainTable();
  readonly db: XsDatabase;
  readonly #connections = new Set<StoreConnection>();
  #generation = 0;
  #droppedByClosed = 0;

  constructor(options: XenStoreOptions = {}) {
    this.quotas = { ...DEFAULT_XS_QUOTAS, ...options.quotas };
    this.db = XsDatabase.create(
      this.#initialTree(),
      this.#specialNodes(),
      () => ++this.#generation,
      this.quotas,
    );
  }

  connect(domid: number, onWatchEvent: (path: string, token: string) => void): StoreConnection {
    checkDomid(domid);
    const handler = { handle: this.#handle, disconnect: this.#disconnect };
    const conn = new StoreConnection(domid, handler, onWatchEvent, this.quotas.pendingWatchEvents);
    this.#connections.add(conn);
    return conn;
  }

  /** The toolstack's part of domain creation plus xenstored's INTRODUCE. */
  introduceDomain(domid: number, name: string): void {
    const path = domainPath(checkDomid(domid));
    const encoder = new TextEncoder();
    this.#modifyLive((db) => [
      ...db.mkdir(DOM0, path),
      ...db.setPerms(DOM0, path, [{ access: "n", domid }]),
      ...db.write(DOM0, `${path}/name`, encoder.encode(name)),
      ...db.write(DOM0, `${path}/domid`, encoder.encode(String(domid))),
    ]);
    this.markIntroduced(domid);
  }

  /** Domain death: its watches and transactions go, its subtree goes, @releaseDomain fires. */
  releaseDomain(domid: number): void {
    if (checkDomid(domid) === 0) {
      // dom0's process died; a new one may join as dom0 again. Its own session's connection was
      // closed by the hypervisor, and other privileged connections (xenstored socket clients) are
      // not it, so only its subtree goes: frontends watching their backends see them vanish.
      this.#modifyLive((db) => db.rm(DOM0, domainPath(0)));
      if (this.domains.release(0)) this.#fireSpecial(XS_SPECIAL_WATCH.releaseDomain);
      return;
    }
    this.markReleased(domid);
    this.#modifyLive((db) => db.rm(DOM0, domainPath(domid)));
  }

  markIntroduced(domid: number): void {
    if (this.domains.introduce(domid)) this.#fireSpecial(XS_SPECIAL_WATCH.introduceDomain);
  }

  /** xenstored's RELEASE: forget the domain's watches and transactions; nodes stay for the toolstack. */
  markReleased(domid: number): void {
    for (const conn of this.#connections) {
      if (conn.domid !== domid) continue;
      conn.watches.length = 0;
      conn.transactions.clear();
    }
    this.db.disown(domid);
    if (this.domains.release(domid)) this.#fireSpecial(XS_SPECIAL_WATCH.releaseDomain);
  }

  stats(): XenStoreStats {
    let watches = 0;
    let transactions = 0;
    let dropped = this.#droppedByClosed;
    for (const conn of this.#connections) {
      watches += conn.watches.length;
      transactions += conn.transactions.size;
      dropped += conn.dropped;
    }
    return {
      nodes: this.db.nodeCount(),
      watches,
      connections: this.#connections.size,
      transactions,
      domains: this.domains.count,
      droppedWatchEvents: dropped,
    };
  }

  callerOf(domid: number): XsCaller {
    const target = this.domains.targetOf(domid);
    return target === undefined ? { domid } : { domid, target };
  }

  /** Watches (or open transactions) held by all connections of one domain, for its quotas. */
  countForDomain(domid: number, what: "watches" | "transactions"): number {
    let n = 0;
    for (const conn of this.#connections) {
      if (conn.domid === domid) n += what === "watches" ? conn.watches.length : conn.transactions.size;
    }
    return n;
  }

  /** Inside a transaction a change waits for the commit; outside it applies and fires now. */
  modify(tx: XsTransaction | undefined, op: XsOperation): void {
    if (tx) tx.apply(op);
    else this.#modifyLive(op);
  }

  fire(changes: readonly XsChange[]): void {
    for (const change of changes) {
      for (const conn of this.#connections) {
        if (!watchPermitted(this.callerOf(conn.domid), change)) continue;
        for (const watch of conn.watches) {
          if (watchFires(watch, change))
            conn.queueEvent(eventPath(watch, change.path, conn.domid), watch.token);
        }
      }
    }
  }

  readonly #handle = (conn: StoreConnection, type: number, txId: number, payload: Uint8Array): XsReply => {
    if (conn.closed) return errorReply("EINVAL");
    try {
      if (payload.length > XENSTORE_PAYLOAD_MAX)
        throw new XsError("E2BIG", "payload over XENSTORE_PAYLOAD_MAX");
      const handler = XS_HANDLERS.get(type);
      if (!handler) throw new XsError("EINVAL", `unknown request type ${type}`);
      const caller = this.callerOf(conn.domid);
      if (handler.privileged && caller.domid !== 0) throw new XsError("EACCES", "dom0 only");
      const tx = handler.ignoresTx || txId === 0 ? undefined : conn.transactions.get(txId);
      const ctx: RequestContext = { store: this, conn, caller, tx, db: tx?.db ?? this.db, payload };
      const reply = handler.run(ctx);
      if (reply.length > XENSTORE_PAYLOAD_MAX) throw new XsError("E2BIG", "reply over XENSTORE_PAYLOAD_MAX");
      return { type, payload: reply };
    } catch (error) {
      return replyForError(error);
    }
  };

  readonly #disconnect = (conn: StoreConnection): void => {
    this.#droppedByClosed += conn.dropped;
    this.#connections.delete(conn);
  };

  #modifyLive(op: XsOperation): void {
    const fork = this.db.fork();
    const changes = op(fork);
    this.db.adopt(fork);
    this.fire(changes);
  }

  #fireSpecial(name: string): void {
    const node = this.db.get(name)!;
    this.fire([{ path: name, match: "exact", node }]);
  }

  /** xenstored's setup_structure() plus the /local/domain the toolstack makes. */
  #initialTree() {
    const generation = ++this.#generation;
    let root = newNode(DOM0_ONLY, generation);
    for (const path of ["/tool", "/tool/xenstored", "/local", "/local/domain"]) {
      root = storeAt(root, path, newNode(DOM0_ONLY, generation), generation);
    }
    return root;
  }

  #specialNodes() {
    const generation = ++this.#generation;
    return new Map(Object.values(XS_SPECIAL_WATCH).map((name) => [name, newNode(DOM0_ONLY, generation)]));
  }
}
