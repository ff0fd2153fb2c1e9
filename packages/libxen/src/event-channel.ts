// event_channel.h (2-level ABI) from the guest's side, and dispatch of delivered ports. Handlers
// run while the `event_pending` frame is processed, so every frame update that preceded it has
// already been applied: a handler sees every write its peer made before notifying.
import { DOMID, EVTCHN_2L_NR_CHANNELS, EVTCHNSTAT, NR_VIRQS } from "@xenfs/proto";
import { XenError } from "./errors.js";
import type { XenSession } from "./session.js";

export type EventHandler = (port: number) => void;

export type EvtchnStatName = keyof typeof EVTCHNSTAT;

export interface EvtchnStatus {
  readonly status: EvtchnStatName;
  readonly vcpu: number;
  /** unbound: who may bind; interdomain: the peer. */
  readonly remoteDom: number;
  readonly remotePort: number;
  readonly virq: number;
}

const STAT_NAMES = new Map<number, EvtchnStatName>(
  Object.entries(EVTCHNSTAT).map(([name, value]) => [value, name as EvtchnStatName]),
);

export class EventChannel {
  readonly #handlers = new Map<number, Set<EventHandler>>();
  /** Delivered to a port with no handler yet: kept, like a pending bit, until one is attached. */
  readonly #latched = new Set<number>();

  constructor(private readonly session: XenSession) {
    session.onUpcall("eventPending", (u) => {
      for (const port of u.ports ?? []) this.#deliver(port);
    });
  }

  /** EVTCHNOP_alloc_unbound: a port of `dom` that `remoteDom` may bind. */
  async allocUnbound(remoteDom: number, dom: number = DOMID.SELF): Promise<number> {
    const reply = await this.session.call({ evtchnAllocUnbound: { dom, remoteDom } });
    return reply.evtchnPort?.port ?? 0;
  }

  /** EVTCHNOP_bind_interdomain: connects to `remoteDom`'s unbound port; returns the local port. */
  async bindInterdomain(remoteDom: number, remotePort: number): Promise<number> {
    const reply = await this.session.call({ evtchnBindInterdomain: { remoteDom, remotePort } });
    return reply.evtchnPort?.port ?? 0;
  }

  /** EVTCHNOP_bind_virq (VIRQ_DOM_EXC tells dom0 a domain died). */
  async bindVirq(virq: number, vcpu = 0): Promise<number> {
    if (!Number.isInteger(virq) || virq < 0 || virq >= NR_VIRQS) {
      throw XenError.errno("EINVAL", "evtchn_bind_virq", `virq ${virq}`);
    }
    const reply = await this.session.call({ evtchnBindVirq: { virq, vcpu } });
    return reply.evtchnPort?.port ?? 0;
  }

  async send(port: number): Promise<void> {
    await this.session.call({ evtchnSend: { port: checkPort("evtchn_send", port) } });
  }

  /** EVTCHNOP_close: the peer's end goes back to unbound; local handlers go. */
  async close(port: number): Promise<void> {
    await this.session.call({ evtchnClose: { port: checkPort("evtchn_close", port) } });
    this.#handlers.delete(port);
    this.#latched.delete(port);
  }

  async status(port: number, dom: number = DOMID.SELF): Promise<EvtchnStatus> {
    const reply = await this.session.call({ evtchnStatus: { dom, port: checkPort("evtchn_status", port) } });
    const s = reply.evtchnStatus ?? {};
    return {
      status: STAT_NAMES.get(s.status ?? 0) ?? "closed",
      vcpu: s.vcpu ?? 0,
      remoteDom: s.remoteDom ?? 0,
      remotePort: s.remotePort ?? 0,
      virq: s.virq ?? 0,
    };
  }

  /** Clears the mask bit; a port pending meanwhile is delivered now. */
  async unmask(port: number): Promise<void> {
    await this.session.call({ evtchnUnmask: { port: checkPort("evtchn_unmask", port) } });
  }

  /** Sets the mask bit: sends leave the port pending, undelivered. */
  async mask(port: number): Promise<void> {
    await this.session.call({ evtchnMask: { port: checkPort("evtchn_mask", port) } });
  }

  /** Runs `handler` for every delivery on `port`; returns the detach function. */
  on(port: number, handler: EventHandler): () => void {
    checkPort("evtchn_on", port);
    let set = this.#handlers.get(port);
    if (!set) {
      set = new Set();
      this.#handlers.set(port, set);
    }
    set.add(handler);
    if (this.#latched.delete(port)) queueMicrotask(() => this.#deliver(port));
    return () => this.off(port, handler);
  }

  /** Detaches one handler, or every handler of the port. */
  off(port: number, handler?: EventHandler): void {
    const set = this.#handlers.get(port);
    if (handler) set?.delete(handler);
    if (!handler || set?.size === 0) this.#handlers.delete(port);
  }

  #deliver(port: number): void {
    const set = this.#handlers.get(port);
    if (!set || set.size === 0) {
      this.#latched.add(port);
      return;
    }
    for (const handler of set) {
      try {
        handler(port);
      } catch (error) {
        this.session.reportError(error as Error);
      }
    }
  }
}

function checkPort(op: string, port: number): number {
  if (!Number.isInteger(port) || port < 1 || port >= EVTCHN_2L_NR_CHANNELS) {
    throw XenError.errno("EINVAL", op, `port ${port} is not in 1…${EVTCHN_2L_NR_CHANNELS - 1}`);
  }
  return port;
}
