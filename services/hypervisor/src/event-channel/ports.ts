// A domain's 2-level event-channel state: the port table, and the pending and mask bits that
// stand for shared_info's evtchn_pending[] / evtchn_mask[], plus vcpu0's evtchn_upcall_pending.
import { EVTCHN_2L_NR_CHANNELS } from "@xenfs/proto";

export type Channel =
  | { readonly state: "unbound"; readonly remoteDom: number }
  | { readonly state: "interdomain"; readonly remoteDom: number; readonly remotePort: number }
  | { readonly state: "virq"; readonly virq: number };

export class EventChannels {
  private readonly ports = new Map<number, Channel>();
  private readonly pending = new Set<number>();
  private readonly masked = new Set<number>();
  readonly virqs = new Map<number, number>();
  upcallPending = false;

  static valid(port: number): boolean {
    return Number.isInteger(port) && port >= 1 && port < EVTCHN_2L_NR_CHANNELS;
  }

  get open(): number {
    return this.ports.size;
  }

  get(port: number): Channel | undefined {
    return this.ports.get(port);
  }

  /** Lowest free port, or undefined when all 4095 are in use. */
  alloc(channel: Channel): number | undefined {
    for (let port = 1; port < EVTCHN_2L_NR_CHANNELS; port++) {
      if (!this.ports.has(port)) {
        this.set(port, channel);
        return port;
      }
    }
    return undefined;
  }

  set(port: number, channel: Channel): void {
    this.ports.set(port, channel);
    if (channel.state === "virq") this.virqs.set(channel.virq, port);
  }

  free(port: number): void {
    const channel = this.ports.get(port);
    if (channel?.state === "virq") this.virqs.delete(channel.virq);
    this.ports.delete(port);
    this.pending.delete(port);
    this.masked.delete(port);
  }

  *entries(): IterableIterator<[number, Channel]> {
    yield* this.ports;
  }

  /** evtchn_set_pending: true when the upcall-pending flag went 0→1 (an upcall must be raised). */
  setPending(port: number): boolean {
    if (this.pending.has(port)) return false; // coalesces with the one already pending
    this.pending.add(port);
    return !this.masked.has(port) && this.raiseUpcall();
  }

  mask(port: number): void {
    this.masked.add(port);
  }

  /** Clears the mask; true when a pending port now needs an upcall. */
  unmask(port: number): boolean {
    if (!this.masked.delete(port)) return false;
    return this.pending.has(port) && this.raiseUpcall();
  }

  isPending(port: number): boolean {
    return this.pending.has(port);
  }

  isMasked(port: number): boolean {
    return this.masked.has(port);
  }

  /** The guest's scan: clears upcall-pending, returns and clears every pending & ~mask port. */
  collect(): number[] {
    this.upcallPending = false;
    const ports = [...this.pending].filter((p) => !this.masked.has(p)).sort((a, b) => a - b);
    for (const port of ports) this.pending.delete(port);
    return ports;
  }

  private raiseUpcall(): boolean {
    if (this.upcallPending) return false;
    this.upcallPending = true;
    return true;
  }
}
