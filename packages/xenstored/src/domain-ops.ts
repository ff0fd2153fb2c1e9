// INTRODUCE, RELEASE, GET_DOMAIN_PATH, IS_DOMAIN_INTRODUCED, RESUME, SET_TARGET, CONTROL.
import { encodeXsPayload } from "@xenfs/proto";
import { parseDomid } from "./domains.js";
import { XsError } from "./errors.js";
import type { RequestContext } from "./handlers.js";
import { domainPath } from "./paths.js";
import { leadingStrings, OK, oneArg } from "./requests.js";

/** An introduced guest named by the single argument (xenstored's onearg_domain()). */
function guestArg(ctx: RequestContext): number {
  const domid = parseDomid(oneArg(ctx.payload));
  if (domid === 0) throw new XsError("EINVAL", "dom0 is not a guest");
  return ctx.store.domains.introduced(domid);
}

/** `<domid>|<mfn>|<evtchn>|?`: there is no ring to map here, but the arguments are checked. */
export function INTRODUCE(ctx: RequestContext): Uint8Array {
  const [domidText, mfn, evtchn] = leadingStrings(ctx.payload, 3);
  const domid = parseDomid(domidText!);
  if (domid === 0) throw new XsError("EINVAL", "dom0 is not introduced");
  if (!/^-?[0-9]+$/.test(mfn!) || !/^[1-9][0-9]*$/.test(evtchn!)) {
    throw new XsError("EINVAL", "INTRODUCE needs a decimal mfn and event channel");
  }
  ctx.store.markIntroduced(domid);
  return OK;
}

export function RELEASE(ctx: RequestContext): Uint8Array {
  ctx.store.markReleased(guestArg(ctx));
  return OK;
}

export function GET_DOMAIN_PATH(ctx: RequestContext): Uint8Array {
  return encodeXsPayload([domainPath(parseDomid(oneArg(ctx.payload)))]);
}

export function IS_DOMAIN_INTRODUCED(ctx: RequestContext): Uint8Array {
  return encodeXsPayload([ctx.store.domains.isIntroduced(parseDomid(oneArg(ctx.payload))) ? "T" : "F"]);
}

/** Nothing here tracks shutdown, so re-arming @releaseDomain only needs the domain to exist. */
export function RESUME(ctx: RequestContext): Uint8Array {
  guestArg(ctx);
  return OK;
}

/** `<domid>|<tdomid>|`: domid (a device model) acts with tdomid's rights. */
export function SET_TARGET(ctx: RequestContext): Uint8Array {
  const [domid, target] = leadingStrings(ctx.payload, 2).map(parseDomid);
  const { domains } = ctx.store;
  domains.setTarget(domains.introduced(domid!), domains.introduced(target!));
  return OK;
}

const CONTROL_COMMANDS: ReadonlyMap<string, () => Uint8Array> = new Map([
  ["check", () => OK],
  ["help", () => encodeXsPayload([[...CONTROL_COMMANDS.keys()].join("\n")])],
]);

/** `<command>|[<parameters>|]`: the minimal set, `check` and `help`. */
export function CONTROL(ctx: RequestContext): Uint8Array {
  const [command] = leadingStrings(ctx.payload, 1);
  const run = CONTROL_COMMANDS.get(command!);
  if (!run) throw new XsError("EINVAL", `unknown CONTROL command ${JSON.stringify(command)}`);
  return run();
}
