// The grammar of XENFS_DISK_FAULTS and of PUT /api/faults/disk (docs/faults.md#disk-faults-in-dom0):
//   spec = rule *("," rule);  rule = kind ["=" value] *(":" option "=" value)
//   eio=read|write [:p=P] [:path=GLOB]   the read, or the write's fdatasync, fails with EIO
//   enospc_after=SIZE                    writes fail with ENOSPC once SIZE bytes were written (B, KiB, MiB, GiB)
//   slow_fsync=T [:path=GLOB]            every fdatasync/fsync takes T longer (ms or s)
//   torn_write [:p=P] [:after=N] [:path=GLOB]   half the write reaches the file, then dom0 dies (SIGKILL)
//   seed=N                               the seed of the probabilities (default 1), so a run repeats
// Every rule with p fires with probability P (default 1) on each operation its path pattern matches.

export type DiskFaultRule =
  | { readonly kind: "eio"; readonly op: "read" | "write"; readonly p: number; readonly path?: string }
  | { readonly kind: "enospc_after"; readonly bytes: number }
  | { readonly kind: "slow_fsync"; readonly ms: number; readonly path?: string }
  | {
      readonly kind: "torn_write";
      readonly p: number;
      /** Fires on the Nth matching write (counted from when the rule was set), then by p. */
      readonly after: number;
      readonly path?: string;
    }
  | { readonly kind: "seed"; readonly seed: number };

export interface DiskFaultSpec {
  readonly rules: readonly DiskFaultRule[];
  readonly seed: number;
}

export class DiskFaultSpecError extends Error {
  override readonly name = "DiskFaultSpecError";
  readonly code = "EINVAL";
}

const KINDS = "eio, enospc_after, slow_fsync, torn_write, seed";
const MAX_SLOW_MS = 60_000;
const MAX_BYTES = 2 ** 50;
const UNITS: Readonly<Record<string, number>> = { "": 1, B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };
/** Which options each kind takes. */
const OPTIONS: Readonly<Record<string, readonly string[]>> = {
  eio: ["p", "path"],
  enospc_after: [],
  slow_fsync: ["path"],
  torn_write: ["p", "after", "path"],
  seed: [],
};

function fail(rule: string, why: string): never {
  throw new DiskFaultSpecError(`"${rule}": ${why}`);
}

function probability(text: string, rule: string): number {
  const p = /^(?:0|1|0?\.\d+|1\.0*)$/.test(text) ? Number(text) : Number.NaN;
  if (!(p >= 0 && p <= 1)) fail(rule, "p must be in [0, 1]");
  return p;
}

function count(text: string, rule: string, what: string): number {
  const n = /^\d{1,9}$/.test(text) ? Number(text) : 0;
  if (n < 1) fail(rule, `${what} needs a count ≥ 1`);
  return n;
}

function bytes(text: string, rule: string): number {
  const m = /^(\d{1,15})(B|KiB|MiB|GiB)?$/.exec(text);
  const n = m ? Number(m[1]) * (UNITS[m[2] ?? ""] as number) : Number.NaN;
  if (!(n >= 0 && n <= MAX_BYTES)) fail(rule, "size must be a byte count with B, KiB, MiB or GiB");
  return n;
}

function millis(text: string, rule: string): number {
  const m = /^(\d{1,6})(ms|s)$/.exec(text);
  const ms = m ? Number(m[1]) * (m[2] === "s" ? 1000 : 1) : Number.NaN;
  if (!(ms >= 0 && ms <= MAX_SLOW_MS)) fail(rule, `a duration of 0…${MAX_SLOW_MS}ms, with ms or s`);
  return ms;
}

/** Parses a spec; throws DiskFaultSpecError naming the first bad rule. "" is no faults. */
export function parseDiskFaults(spec: string): DiskFaultSpec {
  const rules: DiskFaultRule[] = [];
  let seed = 1;
  const once = new Set<string>();
  for (const raw of spec.split(",")) {
    const rule = raw.trim();
    if (rule === "") continue;
    const [head = "", ...parts] = rule.split(":");
    const m = /^([a-z_]+)(?:=(.+))?$/.exec(head);
    if (!m) fail(rule, "expected kind[=value][:option=value…]");
    const [, kind = "", value] = m;
    const allowed = OPTIONS[kind];
    if (allowed === undefined) fail(rule, `unknown disk fault ${kind} (${KINDS})`);
    const options = new Map<string, string>();
    for (const part of parts) {
      const o = /^([a-z]+)=(.+)$/.exec(part);
      if (!o) fail(rule, `option "${part}": expected name=value`);
      const [, name = "", text = ""] = o;
      if (!allowed.includes(name))
        fail(rule, `${kind} takes no option ${name} (${allowed.join(", ") || "none"})`);
      if (options.has(name)) fail(rule, `option ${name} given twice`);
      options.set(name, text);
    }
    const p = probability(options.get("p") ?? "1", rule);
    const path = options.get("path");
    const scope = path === undefined ? {} : { path };
    const needs = (what: string): string => value ?? fail(rule, `${kind} needs =${what}`);
    switch (kind) {
      case "eio": {
        const op = needs("read or =write");
        if (op !== "read" && op !== "write") fail(rule, "eio is =read or =write");
        rules.push({ kind, op, p, ...scope });
        break;
      }
      case "slow_fsync":
        rules.push({ kind, ms: millis(needs("T"), rule), ...scope });
        break;
      case "torn_write":
        if (value !== undefined) fail(rule, "torn_write takes no value, only options");
        rules.push({ kind, p, after: count(options.get("after") ?? "1", rule, "after"), ...scope });
        break;
      case "enospc_after":
      case "seed": {
        if (once.has(kind)) fail(rule, `${kind} given twice`);
        once.add(kind);
        if (kind === "seed") seed = count(needs("N"), rule, "seed");
        else rules.push({ kind, bytes: bytes(needs("SIZE"), rule) });
        break;
      }
    }
  }
  return { rules, seed };
}

/**
 * Whether a guest path matches a rule's pattern: `*` is any run of characters but `/`, `**` any
 * run at all, `?` one character. A pattern without `/` is matched against the last component, as
 * in .gitignore, so `*.log` names every log file wherever it is.
 */
export function pathMatches(pattern: string, guestPath: string): boolean {
  const path = guestPath.replace(/^\/+/, "");
  const glob = pattern.replace(/^\/+/, "");
  const subject = pattern.includes("/") ? path : (path.split("/").pop() ?? "");
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*" && glob[i + 1] === "*") {
      source += ".*";
      i++;
    } else if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else source += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`).test(subject);
}
