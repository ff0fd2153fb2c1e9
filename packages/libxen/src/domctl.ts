// domctl.h: the toolstack's privileged calls (dom0 only; others get EPERM), and fault injection.
import { XEN_DOMCTL, XEN_DOMCTL_SHADOW_OP } from "@xenfs/proto";
import type { XenSession } from "./session.js";

export type DomainStateName = "running" | "paused" | "dying" | "zombie" | "dead";

export interface DomainInfo {
  readonly domid: number;
  readonly name: string;
  readonly state: DomainStateName;
  readonly totPages: number;
  readonly maxPages: number;
  /** Frames of other domains this one has mapped. */
  readonly shrPages: number;
  readonly grantsActive: number;
  readonly portsOpen: number;
  readonly connected: boolean;
}

export class Domctl {
  constructor(private readonly session: XenSession) {}

  /** XEN_DOMCTL_getdomaininfo for every domain from `first` on. */
  async listDomains(first = 0): Promise<DomainInfo[]> {
    const reply = await this.session.call({ domctl: { cmd: XEN_DOMCTL.getdomaininfo, domain: first } });
    return (reply.domctl?.domains ?? []).map((d) => ({
      domid: d.domid ?? 0,
      name: d.name ?? "",
      state: (d.state ?? "running") as DomainStateName,
      totPages: d.totPages ?? 0,
      maxPages: d.maxPages ?? 0,
      shrPages: d.shrPages ?? 0,
      grantsActive: d.grantsActive ?? 0,
      portsOpen: d.portsOpen ?? 0,
      connected: d.connected ?? false,
    }));
  }

  async pause(domid: number): Promise<void> {
    await this.session.call({ domctl: { cmd: XEN_DOMCTL.pausedomain, domain: domid } });
  }

  async unpause(domid: number): Promise<void> {
    await this.session.call({ domctl: { cmd: XEN_DOMCTL.unpausedomain, domain: domid } });
  }

  async destroy(domid: number): Promise<void> {
    await this.session.call({ domctl: { cmd: XEN_DOMCTL.destroydomain, domain: domid } });
  }

  /** XEN_DOMCTL_max_mem, in frames. */
  async setMaxMem(domid: number, maxFrames: number): Promise<void> {
    await this.session.call({ domctl: { cmd: XEN_DOMCTL.max_mem, domain: domid, maxFrames } });
  }

  /** XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY: tracking starts clean (docs/design.md#log-dirty). */
  async enableLogDirty(domid: number): Promise<void> {
    await this.session.call({ shadowOp: { op: XEN_DOMCTL_SHADOW_OP.ENABLE_LOGDIRTY, domain: domid } });
  }

  /** XEN_DOMCTL_SHADOW_OP_OFF. */
  async logDirtyOff(domid: number): Promise<void> {
    await this.session.call({ shadowOp: { op: XEN_DOMCTL_SHADOW_OP.OFF, domain: domid } });
  }

  /** XEN_DOMCTL_SHADOW_OP_PEEK: pfns below `pages` dirtied since enable or the last clean. */
  peekDirty(domid: number, pages: number): Promise<number[]> {
    return this.#dirty(XEN_DOMCTL_SHADOW_OP.PEEK, domid, pages);
  }

  /** XEN_DOMCTL_SHADOW_OP_CLEAN: as peek, and clears them (copy the frames after this). */
  cleanDirty(domid: number, pages: number): Promise<number[]> {
    return this.#dirty(XEN_DOMCTL_SHADOW_OP.CLEAN, domid, pages);
  }

  async #dirty(op: number, domid: number, pages: number): Promise<number[]> {
    const reply = await this.session.call({ shadowOp: { op, domain: domid, pages } });
    return bitmapPfns(reply.shadowOp?.dirtyBitmap ?? new Uint8Array(0));
  }

  /** Replaces `domid`'s injected faults (XEN_FAULTS grammar, e.g. `drop=0.1,delay=0..5ms`); "" clears. */
  async fault(spec: string, domid: number): Promise<void> {
    await this.session.call({ fault: { spec, domid } });
  }
}

/** The pfns whose bits are set, ascending. */
export function bitmapPfns(bitmap: Uint8Array): number[] {
  const pfns: number[] = [];
  for (let i = 0; i < bitmap.length; i++) {
    const byte = bitmap[i]!;
    if (byte === 0) continue;
    for (let bit = 0; bit < 8; bit++) if (byte & (1 << bit)) pfns.push(i * 8 + bit);
  }
  return pfns;
}
