// DIRECTORY, READ, GET_PERMS, WRITE, MKDIR, RM, SET_PERMS, DIRECTORY_PART.
import { encodeXsPayload, XENSTORE_PAYLOAD_MAX } from "@xenfs/proto";
import { XsError } from "./errors.js";
import type { RequestContext } from "./handlers.js";
import { resolvePath } from "./paths.js";
import { formatPerms, parsePerms } from "./permissions.js";
import { exactStrings, leadingStrings, OK, oneArg, payloadStrings } from "./requests.js";
import { childList } from "./tree.js";

function path(ctx: RequestContext, name: string, allowSpecial = false): string {
  return resolvePath(name, ctx.caller.domid, allowSpecial).path;
}

export function DIRECTORY(ctx: RequestContext): Uint8Array {
  return childList(ctx.db.read(ctx.caller, path(ctx, oneArg(ctx.payload))));
}

export function READ(ctx: RequestContext): Uint8Array {
  return ctx.db.read(ctx.caller, path(ctx, oneArg(ctx.payload))).value;
}

export function GET_PERMS(ctx: RequestContext): Uint8Array {
  return encodeXsPayload([
    ...formatPerms(ctx.db.read(ctx.caller, path(ctx, oneArg(ctx.payload), true)).perms),
  ]);
}

/** `<path>|<value|>`: the value is everything after the first NUL, binary allowed. */
export function WRITE(ctx: RequestContext): Uint8Array {
  const [name] = leadingStrings(ctx.payload, 1);
  const target = path(ctx, name!);
  const value = ctx.payload.slice(ctx.payload.indexOf(0) + 1);
  ctx.store.modify(ctx.tx, (db) => db.write(ctx.caller, target, value));
  return OK;
}

export function MKDIR(ctx: RequestContext): Uint8Array {
  const target = path(ctx, oneArg(ctx.payload));
  ctx.store.modify(ctx.tx, (db) => db.mkdir(ctx.caller, target));
  return OK;
}

export function RM(ctx: RequestContext): Uint8Array {
  const target = path(ctx, oneArg(ctx.payload));
  ctx.store.modify(ctx.tx, (db) => db.rm(ctx.caller, target));
  return OK;
}

/** `<path>|<perm-as-string>|+` */
export function SET_PERMS(ctx: RequestContext): Uint8Array {
  const [name, ...list] = payloadStrings(ctx.payload);
  if (name === undefined || list.length === 0)
    throw new XsError("EINVAL", "SET_PERMS needs a path and perms");
  const perms = parsePerms(list);
  const target = path(ctx, name, true);
  ctx.store.modify(ctx.tx, (db) => db.setPerms(ctx.caller, target, perms));
  return OK;
}

/**
 * `<path>|<offset>` → `<gencnt>|<child-leaf-name>|*`: the child list from a byte offset, as much
 * as fits; the last part ends with an empty string (xenstored's send_directory_part()).
 */
export function DIRECTORY_PART(ctx: RequestContext): Uint8Array {
  const [name, offsetText] = exactStrings(ctx.payload, 2);
  if (!/^[0-9]{1,10}$/.test(offsetText!)) throw new XsError("EINVAL", "bad DIRECTORY_PART offset");
  const node = ctx.db.read(ctx.caller, path(ctx, name!));
  const list = childList(node);
  const gen = encodeXsPayload([String(node.generation)]);
  const offset = Number(offsetText);
  const room = XENSTORE_PAYLOAD_MAX - gen.length - 1;
  let end = offset;
  while (end < list.length) {
    const next = list.indexOf(0, end) + 1;
    if (next - offset > room) break;
    end = next;
  }
  const last = end >= list.length;
  const reply = new Uint8Array(gen.length + (end - Math.min(offset, end)) + (last ? 1 : 0));
  reply.set(gen);
  if (end > offset) reply.set(list.subarray(offset, end), gen.length);
  return reply;
}
