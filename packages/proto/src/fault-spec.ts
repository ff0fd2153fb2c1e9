// The fault-injection grammar of XEN_FAULTS and the `fault` hypercall: part of the contract
// between the hypervisor, which applies the rules, and the domains that set them. Grammar
// (documented in services/hypervisor/README.md):  spec = rule *("," rule);  rule = kind "=" value ["@" domid]
//   drop=P  dup=P        probability 0…1 that an outbound frame is dropped / sent twice
//   delay=T | delay=A..B  hold each outbound frame T (or uniformly A…B) ms; units ms or s
//   crash_after=N         kill the hypervisor process after N more hypercalls (global)
// A rule without @domid applies to every domain; with it, to that domain only (and wins).

export type FaultKind = "drop" | "dup" | "delay" | "crash_after";

export type FaultRule =
  | { kind: "drop" | "dup"; p: number; domid?: number }
  | { kind: "delay"; minMs: number; maxMs: number; domid?: number }
  | { kind: "crash_after"; n: number };

export class FaultSpecError extends Error {
  override readonly name = "FaultSpecError";
  readonly code = "EINVAL";
}

const MAX_DELAY_MS = 60_000;
const MAX_DOMID = 0x7fef;

function parseProbability(text: string, rule: string): number {
  const p = /^(?:0|1|0?\.\d+|1\.0*)$/.test(text) ? Number(text) : Number.NaN;
  if (!(p >= 0 && p <= 1)) throw new FaultSpecError(`${rule}: probability must be in [0, 1]`);
  return p;
}

function parseMs(text: string, rule: string): number {
  const m = /^(\d{1,6})(ms|s)?$/.exec(text);
  const ms = m ? Number(m[1]) * (m[2] === "s" ? 1000 : 1) : Number.NaN;
  if (!(ms >= 0 && ms <= MAX_DELAY_MS))
    throw new FaultSpecError(`${rule}: delay must be 0…${MAX_DELAY_MS}ms`);
  return ms;
}

/** Parses a spec; throws FaultSpecError naming the first bad rule. "" is no faults. */
export function parseFaults(spec: string): FaultRule[] {
  const rules: FaultRule[] = [];
  const seen = new Set<string>();
  for (const raw of spec.split(",")) {
    const rule = raw.trim();
    if (rule === "") continue;
    const m = /^([a-z_]+)=([^@]+)(?:@(\d{1,5}))?$/.exec(rule);
    if (!m) throw new FaultSpecError(`"${rule}": expected kind=value[@domid]`);
    const [, kind = "", value = "", at] = m;
    const domid = at === undefined ? undefined : Number(at);
    if (domid !== undefined && domid > MAX_DOMID) throw new FaultSpecError(`"${rule}": domid out of range`);
    const scope = domid === undefined ? {} : { domid };
    const key = `${kind}@${domid ?? "*"}`;
    if (seen.has(key)) throw new FaultSpecError(`"${rule}": ${kind} given twice for the same scope`);
    seen.add(key);
    switch (kind) {
      case "drop":
      case "dup":
        rules.push({ kind, p: parseProbability(value, rule), ...scope });
        break;
      case "delay": {
        const [a = "", b] = value.split("..");
        const unit = /(ms|s)$/.exec(b ?? a)?.[1] ?? "";
        const minMs = parseMs(/(ms|s)$/.test(a) ? a : `${a}${unit}`, rule);
        const maxMs = b === undefined ? minMs : parseMs(b, rule);
        if (maxMs < minMs) throw new FaultSpecError(`"${rule}": delay range is backwards`);
        rules.push({ kind, minMs, maxMs, ...scope });
        break;
      }
      case "crash_after": {
        if (domid !== undefined) throw new FaultSpecError(`"${rule}": crash_after is global, no @domid`);
        const n = /^\d{1,9}$/.test(value) ? Number(value) : 0;
        if (n < 1) throw new FaultSpecError(`"${rule}": crash_after needs a count ≥ 1`);
        rules.push({ kind, n });
        break;
      }
      default:
        throw new FaultSpecError(`"${rule}": unknown fault ${kind} (drop, dup, delay, crash_after)`);
    }
  }
  return rules;
}

/** A probability as the grammar spells it: 1e-7 is 0.0000001. */
function decimal(p: number): string {
  const text = String(p);
  return text.includes("e") ? p.toFixed(20).replace(/0+$/, "") : text;
}

/** The spec text of `rules`, which parseFaults reads back as the same rules. */
export function formatFaults(rules: readonly FaultRule[]): string {
  return rules
    .map((r) => {
      if (r.kind === "crash_after") return `crash_after=${r.n}`;
      const value =
        r.kind === "delay"
          ? r.minMs === r.maxMs
            ? `${r.minMs}ms`
            : `${r.minMs}..${r.maxMs}ms`
          : decimal(r.p);
      return `${r.kind}=${value}${r.domid === undefined ? "" : `@${r.domid}`}`;
    })
    .join(",");
}

/** A rule that reaches past the session setting it. */
export class FaultScopeError extends Error {
  override readonly name = "FaultScopeError";
  readonly code = "EPERM";
}

/** A spec a domain may set on its own session: parseFaults's rules without crash_after or @domid. */
export function parseOwnFaults(spec: string): FaultRule[] {
  const rules = parseFaults(spec);
  for (const rule of rules) {
    if (rule.kind === "crash_after") throw new FaultScopeError("crash_after is global: dom0's to set");
    if (rule.domid !== undefined)
      throw new FaultScopeError(`${rule.kind}@${rule.domid}: a domain's own faults take no @domid`);
  }
  return rules;
}
