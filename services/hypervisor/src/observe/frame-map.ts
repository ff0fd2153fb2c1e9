// The frame map: every machine frame's owner, type and number of foreign mappers, as three typed
// arrays indexed by mfn, and the difference between two of them (what the dashboard's delta feed
// sends). Built from the domains' own sets, not from hooks in the allocator: nothing on the
// hypercall path changes, and a map of 65,536 frames takes about a millisecond.
import type { Frame } from "../memory/frame-pool.js";
import type { Xen } from "../xen.js";

/** `owner` of a free frame, and of one its owner gave up while others still map it. */
export const OWNER_FREE = 0xffff;
export const OWNER_NONE = 0xfffe;
/** Type 0 is a free frame; the others are numbered as first seen (see `types`). */
const FREE_TYPE = "free";

export interface FrameMap {
  readonly total: number;
  readonly owner: Uint16Array;
  readonly type: Uint8Array;
  /** Foreign mappings, capped at 255. */
  readonly mappers: Uint8Array;
  /** Type names by code: `types[type[mfn]]`. */
  readonly types: readonly string[];
}

/**
 * What the map calls a frame: its pool type (`grant_table`), else a private Copy-To-Write copy
 * (`cow_copy`), else what its owner said with mem_annotate (`page_cache`, `ring`, `io_buffer`), else `ram`.
 */
export function frameKind(frame: Frame): string {
  if (frame.type !== "ram") return frame.type;
  if (frame.privateCopy) return "cow_copy";
  return frame.purpose ?? "ram";
}

/** Type codes stay stable for the life of the hypervisor, so deltas can carry numbers. */
export class FrameMapper {
  readonly #types: string[] = [FREE_TYPE];

  constructor(private readonly xen: Xen) {}

  #code(type: string): number {
    let code = this.#types.indexOf(type);
    if (code < 0) code = this.#types.push(type) - 1;
    return code;
  }

  snapshot(): FrameMap {
    const total = this.xen.pool.total;
    const owner = new Uint16Array(total).fill(OWNER_FREE);
    const type = new Uint8Array(total);
    const mappers = new Uint8Array(total);
    const note = (frame: Frame, domid: number) => {
      owner[frame.mfn] = domid;
      type[frame.mfn] = this.#code(frameKind(frame));
      mappers[frame.mfn] = Math.min(255, frame.mapCount);
    };
    for (const d of this.xen.domains.all()) {
      for (const frame of d.owned) note(frame, d.domid);
    }
    // A frame whose owner let go while others map it belongs to no one until they unmap.
    for (const d of this.xen.domains.all()) {
      for (const m of d.maptrack.values()) if (m.frame.owner === null) note(m.frame, OWNER_NONE);
    }
    return { total, owner, type, mappers, types: [...this.#types] };
  }
}

/** [mfn, owner, type, mappers] for each frame that differs between `before` and `now`. */
export function frameDelta(before: FrameMap, now: FrameMap): [number, number, number, number][] {
  const changes: [number, number, number, number][] = [];
  for (let mfn = 0; mfn < now.total; mfn++) {
    const o = now.owner[mfn]!;
    const t = now.type[mfn]!;
    const m = now.mappers[mfn]!;
    if (o !== before.owner[mfn] || t !== before.type[mfn] || m !== before.mappers[mfn]) {
      changes.push([mfn, o, t, m]);
    }
  }
  return changes;
}

/** The whole map for a client that just connected: the arrays as base64. */
export function encodeFrameMap(map: FrameMap) {
  const b64 = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
  return {
    total: map.total,
    types: map.types,
    owner: b64(map.owner),
    type: b64(map.type),
    mappers: b64(map.mappers),
  };
}

/** One frame in full (the dashboard's click): owner's gpfn, who maps it, which grant refs name it. */
export function frameDetails(xen: Xen, mfn: number) {
  for (const d of xen.domains.all()) {
    for (const frame of d.owned) {
      if (frame.mfn !== mfn) continue;
      const gpfn = [...d.p2m.mappings()].find(([, e]) => e.frame === frame && !e.foreign)?.[0] ?? null;
      return {
        mfn,
        owner: d.domid,
        ownerName: d.name,
        type: frameKind(frame),
        gpfn,
        ...sharing(xen, frame, d.domid, gpfn),
      };
    }
  }
  for (const d of xen.domains.all()) {
    for (const m of d.maptrack.values()) {
      if (m.frame.mfn === mfn)
        return {
          mfn,
          owner: null,
          ownerName: null,
          type: frameKind(m.frame),
          gpfn: null,
          ...sharing(xen, m.frame, null, null),
        };
    }
  }
  return { mfn, owner: null, ownerName: null, type: FREE_TYPE, gpfn: null, mappers: [], grantRefs: [] };
}

function sharing(xen: Xen, frame: Frame, owner: number | null, gpfn: number | null) {
  const mappers = xen.domains.all().flatMap((d) =>
    [...d.maptrack.values()]
      .filter((m) => m.frame === frame)
      .map((m) => ({
        domid: d.domid,
        gpfn: m.hostGpfn,
        handle: m.handle,
        ref: m.ref,
        readonly: m.readonly,
      })),
  );
  const grantRefs: number[] = [];
  const granter = owner === null ? undefined : xen.domains.get(owner);
  if (granter && gpfn !== null) {
    const gt = granter.grantTable;
    for (let ref = 0; ref < gt.nrEntries; ref++) {
      const e = gt.entry(ref);
      if (e.flags !== 0 && e.frame === gpfn) grantRefs.push(ref);
    }
  }
  return { mappers, grantRefs };
}
