// The faults in force (docs/faults.md), parsed by @xenfs/proto's grammar: which rules apply to a
// domain's frames in each direction and to its event channels, the hypervisor's own crash rules,
// the crash rules a domain's process is to apply, and partitions with their heal time.
import {
  DOMID,
  type FaultDir,
  type FaultRule,
  formatFault,
  isProcessFault,
  parseFaults,
  parseHypervisorFaults,
} from "@xenfs/proto";

/** What to do with one frame. */
export interface FramePlan {
  readonly drop: boolean;
  readonly copies: 1 | 2;
  readonly delayMs: number;
  /** Hold the frame in a reorder window of this many frames (0: no reordering). */
  readonly reorder: number;
}

const CLEAN: FramePlan = { drop: false, copies: 1, delayMs: 0, reorder: 0 };

type Rule<K extends FaultRule["kind"]> = FaultRule & { kind: K };

interface Partition {
  readonly until: number;
  /** The domain's name, so that its process is kept out when it tries to join again. */
  name: string | undefined;
  /** The domid still names the partitioned domain (not once it is destroyed: another may get it). */
  byDomid: boolean;
}

/** A rule aimed at `domid` is the domain's; without @ the hypervisor's own (crash) or everyone's. */
function dirOf(rule: FaultRule): FaultDir {
  return "dir" in rule && rule.dir === "from" ? "from" : "to";
}

export class Faults {
  private rules: FaultRule[] = [];
  private crashCountdown: number | undefined;
  private crashAt: string | undefined;
  private readonly partitions = new Map<number, Partition>();

  constructor(
    spec: string,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {
    this.apply(parseHypervisorFaults(spec), DOMID.XEN);
  }

  /**
   * The `fault` hypercall: rules scoped to `domid` are replaced by `spec` (rules in it without @
   * get @domid). `domid` = DOMID_XEN replaces the hypervisor's own crash rules. Returns the
   * domains whose partition starts now.
   */
  replace(domid: number, spec: string): number[] {
    const incoming = domid === DOMID.XEN ? parseHypervisorFaults(spec) : parseFaults(spec);
    if (domid === DOMID.XEN) {
      // The hypervisor-wide rules: its own crash rules and the rules on every domain.
      this.crashCountdown = undefined;
      this.crashAt = undefined;
      this.rules = this.rules.filter((r) => r.domid !== undefined);
    } else {
      this.forget(domid);
      this.partitions.delete(domid);
    }
    return this.apply(incoming, domid);
  }

  /**
   * A destroyed domain's rules die with it. Its partition goes on, by name only: it cuts the
   * process off, and the domid may go to another domain.
   */
  forget(domid: number): void {
    this.rules = this.rules.filter((r) => r.domid !== domid || r.kind === "partition");
    const partition = this.partitions.get(domid);
    if (partition) partition.byDomid = false;
  }

  /** The rules in force; crash_after counts the hypercalls still to go, a partition its time. */
  current(): FaultRule[] {
    const rules: FaultRule[] = this.rules.filter((r) => r.kind !== "partition");
    for (const [domid, p] of this.partitions) {
      const left = p.until - this.now();
      if (left > 0) rules.push({ kind: "partition", ms: Math.ceil(left), domid });
    }
    const left = this.crashCountdown;
    if (left !== undefined && left > 0) rules.push({ kind: "crash_after", n: left });
    if (this.crashAt !== undefined) rules.push({ kind: "crash_at", op: this.crashAt });
    return rules;
  }

  /** Counts one hypercall the hypervisor serves; true when its process must crash now. */
  countHypercall(op: string): boolean {
    if (this.crashAt !== undefined && this.crashAt === op) return true;
    if (this.crashCountdown === undefined) return false;
    return --this.crashCountdown <= 0;
  }

  /** The crash rules `domid`'s own process applies, as a spec without @ ("" for none). */
  processSpec(domid: number): string {
    return this.rules
      .filter((r) => isProcessFault(r) && r.domid === domid)
      .map(({ domid: _, ...own }) => formatFault(own as FaultRule))
      .join(",");
  }

  plan(domid: number, dir: FaultDir = "to"): FramePlan {
    if (this.rules.length === 0) return CLEAN;
    const drop = this.rule("drop", domid, dir);
    const dup = this.rule("dup", domid, dir);
    const delay = this.rule("delay", domid, dir);
    const reorder = this.rule("reorder", domid, dir);
    if (!drop && !dup && !delay && !reorder) return CLEAN;
    return {
      drop: drop !== undefined && this.random() < drop.p,
      copies: dup !== undefined && this.random() < dup.p ? 2 : 1,
      delayMs:
        delay === undefined ? 0 : delay.minMs + Math.floor(this.random() * (delay.maxMs - delay.minMs + 1)),
      reorder: reorder?.window ?? 0,
    };
  }

  /** A notification to `domid`'s `port` is lost (its pending bit is never seen). */
  loseEvent(domid: number, port: number): boolean {
    const rule = this.eventRule("evtchn_lose", domid, port);
    return rule !== undefined && this.random() < rule.p;
  }

  /** Ports among `bound()` that fire with nothing behind them on this frame to `domid`. */
  spuriousPorts(domid: number, bound: () => readonly number[]): number[] {
    if (!this.rules.some((r) => r.kind === "evtchn_spurious")) return [];
    return bound().filter((port) => {
      const rule = this.eventRule("evtchn_spurious", domid, port);
      return rule !== undefined && this.random() < rule.p;
    });
  }

  /** `domid` is cut off from the hypervisor now (by domid, or by name when it joins again). */
  partitioned(domid: number | undefined, name?: string): boolean {
    for (const [id, p] of this.partitions) {
      if (p.until <= this.now()) {
        this.partitions.delete(id);
        continue;
      }
      if ((p.byDomid && id === domid) || (name !== undefined && p.name === name)) return true;
    }
    return false;
  }

  /** Names the partitioned domain, so its process stays out under a new domid too. */
  namePartition(domid: number, name: string): void {
    const p = this.partitions.get(domid);
    if (p) p.name = name;
  }

  /** A domain joined: the partition the hypervisor's XEN_FAULTS set for its domid starts now. */
  joined(domid: number): boolean {
    const rule = this.rules.find((r): r is Rule<"partition"> => r.kind === "partition" && r.domid === domid);
    if (!rule || this.partitions.has(domid)) return false;
    this.rules = this.rules.filter((r) => r !== rule);
    this.partitions.set(domid, { until: this.now() + rule.ms, name: undefined, byDomid: true });
    return true;
  }

  private rule<K extends "drop" | "dup" | "delay" | "reorder">(
    kind: K,
    domid: number,
    dir: FaultDir,
  ): Rule<K> | undefined {
    let global: Rule<K> | undefined;
    for (const r of this.rules) {
      if (r.kind !== kind || dirOf(r) !== dir) continue;
      if (r.domid === domid) return r as Rule<K>;
      if (r.domid === undefined) global = r as Rule<K>;
    }
    return global;
  }

  private eventRule(
    kind: "evtchn_lose" | "evtchn_spurious",
    domid: number,
    port: number,
  ): Rule<"evtchn_lose" | "evtchn_spurious"> | undefined {
    let best: Rule<"evtchn_lose" | "evtchn_spurious"> | undefined;
    let rank = 0;
    for (const r of this.rules) {
      if (r.kind !== kind) continue;
      const rr = r as Rule<"evtchn_lose">;
      const score =
        rr.domid === domid && rr.port === port
          ? 3
          : rr.domid === domid && rr.port === undefined
            ? 2
            : rr.domid === undefined
              ? 1
              : 0;
      if (score > rank) {
        rank = score;
        best = rr;
      }
    }
    return best;
  }

  /** Adds rules (those without @ get `domid`'s scope unless `domid` is DOMID_XEN); returns partitions started. */
  private apply(incoming: FaultRule[], domid: number): number[] {
    const started: number[] = [];
    const atXen = domid === DOMID.XEN;
    for (const rule of incoming) {
      const r = rule.domid !== undefined || atXen ? rule : { ...rule, domid };
      if (isProcessFault(r) && r.domid === undefined) {
        if (r.kind === "crash_after") this.crashCountdown = r.n;
        else this.crashAt = r.op;
      } else if (r.kind === "partition" && !atXen && r.domid !== undefined) {
        this.partitions.set(r.domid, { until: this.now() + r.ms, name: undefined, byDomid: true });
        started.push(r.domid);
      } else this.rules.push(r);
    }
    return started;
  }
}
