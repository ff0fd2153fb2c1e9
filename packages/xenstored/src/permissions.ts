import { XsError } from "./errors.js";

/** xs_lib.h's enum xs_perm_type bits that matter to access checks. */
export const XS_PERM = { NONE: 0, READ: 1, WRITE: 2, OWNER: 8 } as const;

/** `n` none, `r` read, `w` write, `b` both, as in `n0 r5`. */
export type XsAccess = "n" | "r" | "w" | "b";

export interface XsPerm {
  readonly access: XsAccess;
  readonly domid: number;
}

/** The first entry names the owner and gives everyone not listed their access. */
export type XsPerms = readonly [XsPerm, ...XsPerm[]];

/** Who is asking: dom0 is privileged; a domain with a target acts for it as well (SET_TARGET). */
export interface XsCaller {
  readonly domid: number;
  readonly target?: number;
}

const ACCESS_BITS: Record<XsAccess, number> = {
  n: XS_PERM.NONE,
  r: XS_PERM.READ,
  w: XS_PERM.WRITE,
  b: XS_PERM.READ | XS_PERM.WRITE,
};

const PERM_STRING = /^([nrwb])(0|[1-9][0-9]{0,4})$/;
const DOMID_MAX = 0xffff;

export function isPrivileged(caller: XsCaller): boolean {
  return caller.domid === 0;
}

/** Parse `<perm-as-string>|+` entries; EINVAL on anything else. */
export function parsePerms(strings: readonly string[]): XsPerms {
  const perms = strings.map((s) => {
    const m = PERM_STRING.exec(s);
    const domid = Number(m?.[2]);
    if (!m || domid > DOMID_MAX) throw new XsError("EINVAL", `bad permission ${JSON.stringify(s)}`);
    return { access: m[1] as XsAccess, domid };
  });
  const [owner, ...others] = perms;
  if (!owner) throw new XsError("EINVAL", "a permission list needs at least the owner entry");
  return [owner, ...others];
}

export function formatPerms(perms: XsPerms): string[] {
  return perms.map((p) => `${p.access}${p.domid}`);
}

/** xenstored's perm_for_conn(): owner and dom0 get everything, else the first matching entry, else the default. */
export function permFor(caller: XsCaller, perms: XsPerms): number {
  const everything = XS_PERM.READ | XS_PERM.WRITE | XS_PERM.OWNER;
  if (isPrivileged(caller) || actsFor(caller, perms[0].domid)) return everything;
  const entry = perms.slice(1).find((p) => actsFor(caller, p.domid)) ?? perms[0];
  return ACCESS_BITS[entry.access];
}

export function allows(caller: XsCaller, perms: XsPerms, wanted: number): boolean {
  return (permFor(caller, perms) & wanted) === wanted;
}

export function owner(perms: XsPerms): number {
  return perms[0].domid;
}

function actsFor(caller: XsCaller, domid: number): boolean {
  return caller.domid === domid || caller.target === domid;
}
