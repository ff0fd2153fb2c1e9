// The fault-injection grammar of XEN_FAULTS and the `fault` hypercall: part of the contract
// between the hypervisor, the domains and the toolstack. A pure parser with limits; every bad
// rule is refused with a message that names it. The grammar and what each kind does are in
// docs/faults.md:
//   spec = rule *("," rule);  rule = kind ["." dir] "=" value ["@" domid [":" port]]
import { xen } from "../gen/xen.cjs";
import { EVTCHN_2L_NR_CHANNELS } from "./xen/event_channel.js";

/** Frames the hypervisor sends to a domain ("to", the default) or a domain sends ("from"). */
export type FaultDir = "to" | "from";

export type FaultKind =
  | "drop"
  | "dup"
  | "delay"
  | "reorder"
  | "evtchn_lose"
  | "evtchn_spurious"
  | "crash_after"
  | "crash_at"
  | "partition";

/** Rules on a session's frames; `dir` absent means "to". */
export type MessageFaultRule =
  | { kind: "drop" | "dup"; p: number; dir?: "from"; domid?: number }
  | { kind: "delay"; minMs: number; maxMs: number; dir?: "from"; domid?: number }
  | { kind: "reorder"; window: number; dir?: "from"; domid?: number };

export type FaultRule =
  | MessageFaultRule
  | { kind: "evtchn_lose" | "evtchn_spurious"; p: number; domid?: number; port?: number }
  | { kind: "crash_after"; n: number; domid?: number }
  | { kind: "crash_at"; op: string; domid?: number }
  | { kind: "partition"; ms: number; domid?: number };

export class FaultSpecError extends Error {
  override readonly name = "FaultSpecError";
  readonly code = "EINVAL";
}

const MAX_DELAY_MS = 60_000;
const MAX_PARTITION_MS = 600_000;
const MAX_DOMID = 0x7fef;
const MAX_RULES = 64;
const MAX_SPEC_CHARS = 4096;
export const REORDER_WINDOW = { min: 2, max: 64 } as const;
const KINDS: readonly FaultKind[] = [
  "drop",
  "dup",
  "delay",
  "reorder",
  "evtchn_lose",
  "evtchn_spurious",
  "crash_after",
  "crash_at",
  "partition",
];
const MESSAGE_KINDS = new Set<FaultKind>(["drop", "dup", "delay", "reorder"]);

function parseProbability(text: string, rule: string): number {
  const p = /^(?:0|1|0?\.\d+|1\.0*)$/.test(text) ? Number(text) : Number.NaN;
  if (!(p >= 0 && p <= 1)) throw new FaultSpecError(`"${rule}": probability must be in [0, 1]`);
  return p;
}

function parseMs(text: string, rule: string, what: string, max: number): number {
  const m = /^(\d{1,6})(ms|s)?$/.exec(text);
  const ms = m ? Number(m[1]) * (m[2] === "s" ? 1000 : 1) : Number.NaN;
  if (!(ms >= 0 && ms <= max)) throw new FaultSpecError(`"${rule}": ${what} must be 0…${max}ms`);
  return ms;
}

function parseCount(text: string, rule: string, what: string, min: number, max: number): number {
  const n = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= min && n <= max)) throw new FaultSpecError(`"${rule}": ${what} must be ${min}…${max}`);
  return n;
}

/** "gnttab_map_grant_ref" → "gnttabMapGrantRef" when it names a hypercall op, else undefined. */
function hypercallField(op: string): string | undefined {
  const field = op.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return Object.hasOwn(xen.Hypercall.prototype, field) && field !== "join" && field !== "resume"
    ? field
    : undefined;
}

function parseRule(rule: string, kind: FaultKind, value: string, dir: FaultDir, scope: Scope): FaultRule {
  const at = scope.domid === undefined ? {} : { domid: scope.domid };
  const from = dir === "from" ? { dir } : {};
  switch (kind) {
    case "drop":
    case "dup":
      return { kind, p: parseProbability(value, rule), ...from, ...at };
    case "delay": {
      const [a = "", b] = value.split("..");
      const unit = /(ms|s)$/.exec(b ?? a)?.[1] ?? "";
      const minMs = parseMs(/(ms|s)$/.test(a) ? a : `${a}${unit}`, rule, "delay", MAX_DELAY_MS);
      const maxMs = b === undefined ? minMs : parseMs(b, rule, "delay", MAX_DELAY_MS);
      if (maxMs < minMs) throw new FaultSpecError(`"${rule}": delay range is backwards`);
      return { kind, minMs, maxMs, ...from, ...at };
    }
    case "reorder": {
      const { min, max } = REORDER_WINDOW;
      return { kind, window: parseCount(value, rule, "reorder window", min, max), ...from, ...at };
    }
    case "evtchn_lose":
    case "evtchn_spurious": {
      const port = scope.port === undefined ? {} : { port: scope.port };
      return { kind, p: parseProbability(value, rule), ...at, ...port };
    }
    case "crash_after":
      return { kind, n: parseCount(value, rule, "crash_after count", 1, 999_999_999), ...at };
    case "crash_at": {
      if (hypercallField(value) === undefined)
        throw new FaultSpecError(`"${rule}": crash_at needs a hypercall op (e.g. evtchn_send)`);
      return { kind, op: value, ...at };
    }
    case "partition": {
      const ms = parseMs(value, rule, "partition", MAX_PARTITION_MS);
      if (ms === 0) throw new FaultSpecError(`"${rule}": a partition lasts at least 1ms`);
      return { kind, ms, ...at };
    }
  }
}

interface Scope {
  readonly domid: number | undefined;
  readonly port: number | undefined;
}

/** Parses a spec; throws FaultSpecError naming the first bad rule. "" is no faults. */
export function parseFaults(spec: string): FaultRule[] {
  if (spec.length > MAX_SPEC_CHARS) throw new FaultSpecError(`spec longer than ${MAX_SPEC_CHARS} characters`);
  const rules: FaultRule[] = [];
  const seen = new Set<string>();
  for (const raw of spec.split(",")) {
    const rule = raw.trim();
    if (rule === "") continue;
    const m = /^([a-z_]+)(?:\.([a-z]+))?=([^@]+)(?:@(\d{1,5})(?::(\d{1,5}))?)?$/.exec(rule);
    if (!m)
      throw new FaultSpecError(
        `"${rule}": expected kind=value, in full kind[.to|.from]=value[@domid[:port]]`,
      );
    const [, name = "", dirText, value = "", domidText, portText] = m;
    const kind = KINDS.find((k) => k === name);
    if (!kind) throw new FaultSpecError(`"${rule}": unknown fault ${name} (${KINDS.join(", ")})`);
    if (dirText !== undefined && dirText !== "to" && dirText !== "from")
      throw new FaultSpecError(`"${rule}": direction must be .to or .from`);
    if (dirText !== undefined && !MESSAGE_KINDS.has(kind))
      throw new FaultSpecError(`"${rule}": ${kind} takes no direction`);
    const domid = domidText === undefined ? undefined : Number(domidText);
    if (domid !== undefined && domid > MAX_DOMID) throw new FaultSpecError(`"${rule}": domid out of range`);
    const port = portText === undefined ? undefined : Number(portText);
    if (port !== undefined && !kind.startsWith("evtchn_"))
      throw new FaultSpecError(`"${rule}": only evtchn_lose and evtchn_spurious name a port`);
    if (port !== undefined && domid === undefined)
      throw new FaultSpecError(`"${rule}": a port needs its domain (@domid:port)`);
    if (port !== undefined && (port < 1 || port >= EVTCHN_2L_NR_CHANNELS))
      throw new FaultSpecError(`"${rule}": port must be 1…${EVTCHN_2L_NR_CHANNELS - 1}`);
    const dir: FaultDir = dirText === "from" ? "from" : "to";
    const key = `${kind}.${dir}@${domid ?? "*"}:${port ?? "*"}`;
    if (seen.has(key)) throw new FaultSpecError(`"${rule}": ${kind} given twice for the same scope`);
    seen.add(key);
    rules.push(parseRule(rule, kind, value, dir, { domid, port }));
    if (rules.length > MAX_RULES) throw new FaultSpecError(`more than ${MAX_RULES} rules`);
  }
  return rules;
}

/** A probability as the grammar spells it: 1e-7 is 0.0000001. */
function decimal(p: number): string {
  const text = String(p);
  return text.includes("e") ? p.toFixed(20).replace(/0+$/, "") : text;
}

function ms(value: number): string {
  return `${value}ms`;
}

function ruleValue(r: FaultRule): string {
  switch (r.kind) {
    case "delay":
      return r.minMs === r.maxMs ? ms(r.minMs) : `${r.minMs}..${ms(r.maxMs)}`;
    case "reorder":
      return String(r.window);
    case "crash_after":
      return String(r.n);
    case "crash_at":
      return r.op;
    case "partition":
      return ms(r.ms);
    default:
      return decimal(r.p);
  }
}

/** The spec text of one rule, which parseFaults reads back as the same rule. */
export function formatFault(r: FaultRule): string {
  const dir = "dir" in r && r.dir === "from" ? ".from" : "";
  const domid = r.domid === undefined ? "" : `@${r.domid}`;
  const port = "port" in r && r.port !== undefined ? `:${r.port}` : "";
  return `${r.kind}${dir}=${ruleValue(r)}${domid}${port}`;
}

/** The spec text of `rules`, which parseFaults reads back as the same rules. */
export function formatFaults(rules: readonly FaultRule[]): string {
  return rules.map(formatFault).join(",");
}

/** A rule that reaches past the session setting it. */
export class FaultScopeError extends Error {
  override readonly name = "FaultScopeError";
  readonly code = "EPERM";
}

/**
 * A spec a domain may set on itself (its XEN_FAULTS, or the fault hypercall on its own session):
 * parseFaults's rules without @domid. Its crash rules are the domain's own, applied by its process.
 */
export function parseOwnFaults(spec: string): FaultRule[] {
  const rules = parseFaults(spec);
  for (const rule of rules) {
    if (rule.domid !== undefined)
      throw new FaultScopeError(`${rule.kind}@${rule.domid}: a domain's own faults take no @domid`);
  }
  return rules;
}

/**
 * A spec for the hypervisor-wide rules (its XEN_FAULTS, or the fault hypercall on DOMID_XEN):
 * parseFaults's rules, where a partition must name its domain.
 */
export function parseHypervisorFaults(spec: string): FaultRule[] {
  const rules = parseFaults(spec);
  for (const rule of rules) {
    if (rule.kind === "partition" && rule.domid === undefined)
      throw new FaultSpecError(`"${formatFault(rule)}": a partition needs its domain (@domid)`);
  }
  return rules;
}

/** Rules a domain's own process applies (the rest the hypervisor applies to its session). */
export function isProcessFault(rule: FaultRule): rule is FaultRule & { kind: "crash_after" | "crash_at" } {
  return rule.kind === "crash_after" || rule.kind === "crash_at";
}

/** The snake_case op name of a hypercall field ("gnttabMapGrantRef" → "gnttab_map_grant_ref"). */
export function faultOpName(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
