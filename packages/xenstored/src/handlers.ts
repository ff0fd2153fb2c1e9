import { XS } from "@xenfs/proto";
import type { StoreConnection } from "./connection.js";
import type { XsDatabase } from "./database.js";
import {
  CONTROL,
  GET_DOMAIN_PATH,
  INTRODUCE,
  IS_DOMAIN_INTRODUCED,
  RELEASE,
  RESUME,
  SET_TARGET,
} from "./domain-ops.js";
import { DIRECTORY, DIRECTORY_PART, GET_PERMS, MKDIR, READ, RM, SET_PERMS, WRITE } from "./node-ops.js";
import type { XsCaller } from "./permissions.js";
import type { XenStore } from "./store.js";
import { TRANSACTION_END, TRANSACTION_START } from "./transaction-ops.js";
import type { XsTransaction } from "./transactions.js";
import { RESET_WATCHES, UNWATCH, WATCH } from "./watch-ops.js";

/** Everything one request runs with. */
export interface RequestContext {
  readonly store: XenStore;
  readonly conn: StoreConnection;
  readonly caller: XsCaller;
  /** The transaction named by tx_id, if any. */
  readonly tx: XsTransaction | undefined;
  /** The transaction's private copy, or the live database. */
  readonly db: XsDatabase;
  readonly payload: Uint8Array;
}

export interface XsHandler {
  /** The reply payload; failures throw XsError. */
  readonly run: (ctx: RequestContext) => Uint8Array;
  /** dom0 only (xenstored's XS_FLAG_PRIV). */
  readonly privileged?: true;
  /** tx_id is not looked up (XS_FLAG_NOTID). */
  readonly ignoresTx?: true;
}

/** xenstored's wire_funcs[]: XS_WATCH_EVENT and XS_ERROR are replies only, so not here. */
export const XS_HANDLERS: ReadonlyMap<number, XsHandler> = new Map<number, XsHandler>([
  [XS.CONTROL, { run: CONTROL, privileged: true }],
  [XS.DIRECTORY, { run: DIRECTORY }],
  [XS.READ, { run: READ }],
  [XS.GET_PERMS, { run: GET_PERMS }],
  [XS.WATCH, { run: WATCH, ignoresTx: true }],
  [XS.UNWATCH, { run: UNWATCH, ignoresTx: true }],
  [XS.TRANSACTION_START, { run: TRANSACTION_START }],
  [XS.TRANSACTION_END, { run: TRANSACTION_END }],
  [XS.INTRODUCE, { run: INTRODUCE, privileged: true }],
  [XS.RELEASE, { run: RELEASE, privileged: true }],
  [XS.GET_DOMAIN_PATH, { run: GET_DOMAIN_PATH }],
  [XS.WRITE, { run: WRITE }],
  [XS.MKDIR, { run: MKDIR }],
  [XS.RM, { run: RM }],
  [XS.SET_PERMS, { run: SET_PERMS }],
  [XS.IS_DOMAIN_INTRODUCED, { run: IS_DOMAIN_INTRODUCED, privileged: true }],
  [XS.RESUME, { run: RESUME, privileged: true }],
  [XS.SET_TARGET, { run: SET_TARGET, privileged: true }],
  [XS.RESET_WATCHES, { run: RESET_WATCHES }],
  [XS.DIRECTORY_PART, { run: DIRECTORY_PART }],
]);
