// What the hypervisor core needs of a domain's connection, and no more: deliver upcalls and the
// event upcall, hold them while the domain is paused, run something once the domain has
// acknowledged what was sent, and end. The session layer (session/) implements it over a
// WebSocket; the core never sees sockets, frames or close codes.
import type { xen } from "@xenfs/proto";

export interface DomainLink {
  /** A socket is attached now. */
  readonly connected: boolean;
  upcall(upcall: xen.Upcall.$Properties): void;
  /** evtchn_upcall_pending went 0→1: the pending ports are collected when the queue leaves. */
  raiseEvents(): void;
  /** Paused: nothing is delivered (and calls are queued, not served) until released. */
  hold(held: boolean): void;
  /** Runs `run` once the domain has acknowledged everything queued so far. */
  afterAcked(run: () => void): void;
  /** The domain is gone: every afterAcked waiter runs now. */
  settleAcked(): void;
  /** The domain was destroyed: its queued calls are dropped and its connection closed. */
  end(reason: string): void;
  /** The hypervisor is stopping: the connection closes, the domain may not resume here. */
  shutdown(reason: string): void;
}
