// Tracing, like xentrace: records of hypercalls, event sends, upcalls and grant maps/unmaps, each
// with a wall-clock timestamp (ms, µs precision) and, for a hypercall, its duration. Subscribers
// (the /api/trace feed) choose a domain and kinds or op names. With no subscriber `on` is false
// and the hot path pays one boolean check (dispatch.ts, xen.ts); nothing else runs.
import type { xen } from "@xenfs/proto";

export type TraceKind = "hypercall" | "event" | "grant_map" | "grant_unmap" | "upcall" | "xenfs";
export const TRACE_KINDS: readonly TraceKind[] = [
  "hypercall",
  "event",
  "grant_map",
  "grant_unmap",
  "upcall",
  "xenfs",
];

export interface TraceRecord {
  /** Wall-clock milliseconds since the epoch, to the microsecond. */
  readonly ts: number;
  readonly kind: TraceKind;
  /** The domain acting (the caller), or receiving (an upcall). */
  readonly domid: number;
  /** Xen's name: the hypercall op (gnttab_map_grant_ref) or the upcall kind (event_pending). */
  readonly op: string;
  readonly durUs?: number;
  /** 0 or Xen's status, for hypercalls. */
  readonly status?: number;
  readonly code?: string;
  /** The other domain: the granter mapped from, the event's receiver. */
  readonly peer?: number;
  readonly [detail: string]: unknown;
}

export interface TraceFilter {
  /** Only records of this domain (acting or receiving, or as the peer). */
  readonly domid?: number | undefined;
  /** Kinds or op names; all when empty. */
  readonly ops?: ReadonlySet<string> | undefined;
}

type Subscriber = { readonly filter: TraceFilter; readonly send: (record: TraceRecord) => void };

export const traceNow = () => performance.timeOrigin + performance.now();

export function matches(filter: TraceFilter, r: TraceRecord): boolean {
  if (filter.domid !== undefined && r.domid !== filter.domid && r.peer !== filter.domid) return false;
  return !filter.ops || filter.ops.size === 0 || filter.ops.has(r.kind) || filter.ops.has(r.op);
}

export class Tracer {
  /** True while someone listens: the one check the hot path makes. */
  on = false;
  readonly #subscribers = new Set<Subscriber>();
  /** Told when `on` flips (the hypervisor tells the domains: trace_state upcall). */
  onToggle: ((on: boolean) => void) | undefined;

  subscribe(filter: TraceFilter, send: (record: TraceRecord) => void): () => void {
    const sub = { filter, send };
    this.#subscribers.add(sub);
    this.#set(true);
    return () => {
      this.#subscribers.delete(sub);
      this.#set(this.#subscribers.size > 0);
    };
  }

  #set(on: boolean): void {
    if (on === this.on) return;
    this.on = on;
    this.onToggle?.(on);
  }

  /** Feeds listening now. */
  get subscribers(): number {
    return this.#subscribers.size;
  }

  emit(record: TraceRecord): void {
    for (const sub of this.#subscribers) if (matches(sub.filter, record)) sub.send(record);
  }

  /** An upcall on its way to `domid` (event_pending with its ports, frame_update, …). */
  upcall(domid: number, upcall: xen.Upcall.$Properties): void {
    const op = Object.keys(upcall).find((k) => (upcall as Record<string, unknown>)[k] != null) ?? "upcall";
    const ports = upcall.eventPending?.ports;
    this.emit({
      ts: traceNow(),
      kind: "upcall",
      domid,
      op: snake(op),
      ...(ports ? { ports: [...ports] } : {}),
    });
  }
}

/**
 * The session's hook for event_pending upcalls, which leave through its outbox (the pending ports
 * are gathered when it flushes, docs/observing.md#tracing), not through Xen.upcall: a record per
 * upcall with the ports it carries, at the moment it is sent. `spurious`: a fault made it up.
 */
export function traceEventPending(tracer: Tracer, domid: number) {
  return (ports: readonly number[], spurious: boolean): void => {
    if (!tracer.on) return;
    tracer.emit({
      ts: traceNow(),
      kind: "upcall",
      domid,
      op: "event_pending",
      ports: [...ports],
      ...(spurious ? { spurious: true } : {}),
    });
  };
}

export const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
