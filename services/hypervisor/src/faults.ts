// Fault injection at run time: which rules (parsed by @xenfs/proto's grammar) apply to a
// domain's outbound frames, and the crash_after countdown.
import { type FaultKind, type FaultRule, parseFaults } from "@xenfs/proto";

/** What to do with one outbound frame. */
export interface FramePlan {
  readonly drop: boolean;
  readonly copies: 1 | 2;
  readonly delayMs: number;
}

const CLEAN: FramePlan = { drop: false, copies: 1, delayMs: 0 };

export class Faults {
  private rules: FaultRule[] = [];
  private crashCountdown: number | undefined;

  constructor(
    spec: string,
    private readonly random: () => number = Math.random,
  ) {
    this.apply(parseFaults(spec));
  }

  /** The `fault` hypercall: rules scoped to `domid` are replaced by `spec` (rules in it without @ get @domid). */
  replace(domid: number, spec: string): void {
    const incoming = parseFaults(spec).map((r) =>
      r.kind === "crash_after" || "domid" in r ? r : { ...r, domid },
    );
    this.rules = this.rules.filter((r) => r.kind === "crash_after" || !("domid" in r) || r.domid !== domid);
    this.apply(incoming);
  }

  /** The rules in force; crash_after counts the hypercalls still to go. */
  current(): FaultRule[] {
    const left = this.crashCountdown;
    return left !== undefined && left > 0
      ? [...this.rules, { kind: "crash_after", n: left }]
      : [...this.rules];
  }

  /** Counts one hypercall; true when the process must crash now. */
  countHypercall(): boolean {
    if (this.crashCountdown === undefined) return false;
    return --this.crashCountdown <= 0;
  }

  plan(domid: number): FramePlan {
    if (this.rules.length === 0) return CLEAN;
    const rule = (kind: FaultKind) => {
      const scoped = this.rules.filter((r) => r.kind === kind);
      return scoped.find((r) => "domid" in r && r.domid === domid) ?? scoped.find((r) => !("domid" in r));
    };
    const drop = rule("drop") as (FaultRule & { kind: "drop" }) | undefined;
    const dup = rule("dup") as (FaultRule & { kind: "dup" }) | undefined;
    const delay = rule("delay") as (FaultRule & { kind: "delay" }) | undefined;
    return {
      drop: drop !== undefined && this.random() < drop.p,
      copies: dup !== undefined && this.random() < dup.p ? 2 : 1,
      delayMs:
        delay === undefined ? 0 : delay.minMs + Math.floor(this.random() * (delay.maxMs - delay.minMs + 1)),
    };
  }

  private apply(incoming: FaultRule[]): void {
    for (const r of incoming) {
      if (r.kind === "crash_after") this.crashCountdown = r.n;
      else this.rules.push(r);
    }
  }
}
