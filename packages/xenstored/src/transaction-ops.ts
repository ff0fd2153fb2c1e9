// TRANSACTION_START, TRANSACTION_END.
import { encodeXsPayload } from "@xenfs/proto";
import { XsError } from "./errors.js";
import type { RequestContext } from "./handlers.js";
import { enforceQuota } from "./quotas.js";
import { OK, oneArg } from "./requests.js";

/** `|` → `<transid>|`; no nesting. */
export function TRANSACTION_START(ctx: RequestContext): Uint8Array {
  if (ctx.tx) throw new XsError("EBUSY", "transactions do not nest");
  const open = ctx.store.countForDomain(ctx.caller.domid, "transactions");
  enforceQuota(ctx.store.quotas, ctx.caller, "transactions", open + 1);
  return encodeXsPayload([String(ctx.conn.transactions.start(ctx.store.db).id)]);
}

/** `T|` commits (EAGAIN on conflict), `F|` aborts; either way the id is gone afterwards. */
export function TRANSACTION_END(ctx: RequestContext): Uint8Array {
  const verdict = oneArg(ctx.payload);
  if (verdict !== "T" && verdict !== "F") throw new XsError("EINVAL", 'TRANSACTION_END takes "T" or "F"');
  const { tx } = ctx;
  if (!tx) throw new XsError("ENOENT", "no transaction given");
  ctx.conn.transactions.end(tx.id);
  if (verdict === "T") ctx.store.fire(tx.commit(ctx.store.db));
  return OK;
}
