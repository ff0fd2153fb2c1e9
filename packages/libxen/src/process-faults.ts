// The crash rules a domain's own process applies (docs/faults.md): crash_after=N dies at the Nth
// hypercall it issues from when the rule was set, crash_at=<op> at the next hypercall with that op.
// Set from the domain's XEN_FAULTS after each join, or by whoever sets its faults at run time
// (the hypervisor passes them on in a processFaults upcall).
import { type FaultRule, faultOpName, formatFaults, isProcessFault, parseOwnFaults } from "@xenfs/proto";

export class ProcessFaults {
  #countdown: number | undefined;
  #at: string | undefined;

  /** Replaces the rules with the crash rules in `spec` (own-faults grammar; "" clears). */
  set(spec: string): void {
    this.#countdown = undefined;
    this.#at = undefined;
    for (const rule of parseOwnFaults(spec).filter(isProcessFault)) {
      if (rule.kind === "crash_after") this.#countdown = rule.n;
      else this.#at = rule.op;
    }
  }

  /** Counts one hypercall about to be issued; the reason to crash now, or undefined. */
  count(op: string): string | undefined {
    const name = faultOpName(op);
    if (this.#countdown !== undefined) this.#countdown -= 1;
    if (this.#at === name) return `crash_at=${name}`;
    return this.#countdown !== undefined && this.#countdown <= 0
      ? "crash_after reached its count"
      : undefined;
  }

  get spec(): string {
    const rules: FaultRule[] = [];
    if (this.#countdown !== undefined) rules.push({ kind: "crash_after", n: this.#countdown });
    if (this.#at !== undefined) rules.push({ kind: "crash_at", op: this.#at });
    return formatFaults(rules);
  }
}

/** Splits a domain's own XEN_FAULTS: the crash rules its process applies, and the rest for its session. */
export function splitOwnFaults(spec: string): { process: string; session: string } {
  const rules = parseOwnFaults(spec);
  return {
    process: formatFaults(rules.filter(isProcessFault)),
    session: formatFaults(rules.filter((r) => !isProcessFault(r))),
  };
}
