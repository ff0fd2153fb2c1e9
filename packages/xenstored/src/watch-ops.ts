// WATCH, UNWATCH, RESET_WATCHES.
import { XsError } from "./errors.js";
import type { RequestContext } from "./handlers.js";
import { resolvePath } from "./paths.js";
import { enforceQuota } from "./quotas.js";
import { leadingStrings, OK } from "./requests.js";
import { eventPath, type XsWatch } from "./watches.js";

function watchFrom(ctx: RequestContext): XsWatch {
  const [name, token] = leadingStrings(ctx.payload, 2);
  const { path, relative } = resolvePath(name!, ctx.caller.domid, true);
  return { path, token: token!, relative };
}

function indexOf(ctx: RequestContext, watch: XsWatch): number {
  return ctx.conn.watches.findIndex((w) => w.path === watch.path && w.token === watch.token);
}

/** `<wpath>|<token>|?`; fires once straight away, after the reply. */
export function WATCH(ctx: RequestContext): Uint8Array {
  const watch = watchFrom(ctx);
  if (indexOf(ctx, watch) >= 0) throw new XsError("EEXIST", `watch ${watch.path} ${watch.token} already set`);
  enforceQuota(
    ctx.store.quotas,
    ctx.caller,
    "watches",
    ctx.store.countForDomain(ctx.caller.domid, "watches") + 1,
  );
  ctx.conn.watches.push(watch);
  ctx.conn.queueEvent(eventPath(watch, watch.path, ctx.caller.domid), watch.token);
  return OK;
}

export function UNWATCH(ctx: RequestContext): Uint8Array {
  const watch = watchFrom(ctx);
  const at = indexOf(ctx, watch);
  if (at < 0) throw new XsError("ENOENT", `no watch ${watch.path} ${watch.token}`);
  ctx.conn.watches.splice(at, 1);
  return OK;
}

/** Drops every watch and transaction of the caller. */
export function RESET_WATCHES(ctx: RequestContext): Uint8Array {
  ctx.conn.watches.length = 0;
  ctx.conn.transactions.clear();
  return OK;
}
