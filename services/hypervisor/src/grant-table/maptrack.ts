// The mapper's side of grant mappings (Xen's maptrack): handle → what was mapped, where.
import type { Frame } from "../memory/frame-pool.js";

/** Handles per domain; past it map_grant_ref answers GNTST_no_device_space. */
export const MAX_MAPTRACK = 16384;

export interface GrantMapping {
  readonly handle: number;
  readonly granter: number;
  readonly ref: number;
  readonly frame: Frame;
  readonly hostGpfn: number;
  readonly readonly: boolean;
  /** Mapped GNTMAP_copy_to_write: read-only until the first write. */
  readonly copyToWrite?: boolean;
  /**
   * The first write happened: `frame` is the mapper's private copy, charged to it, and the
   * mapping no longer holds the grant (not found by ofGrant; unmap frees the copy).
   */
  readonly privateCopy?: boolean;
}

/** One key per grant: domids are below 2^16 and refs below 2^32, so it is an exact integer. */
function grantKey(granter: number, ref: number): number {
  return granter * 2 ** 32 + ref;
}

export class Maptrack {
  private readonly handles = new Map<number, GrantMapping>();
  /** The same mappings by grant: revoking one grant must not scan every mapping of the host. */
  private readonly byGrant = new Map<number, Set<GrantMapping>>();
  private nextHandle = 1;
  /** hostGpfn → mapping: the Copy-To-Write fault finds the mapping behind a gpfn. */
  private readonly byGpfn = new Map<number, GrantMapping>();

  get size(): number {
    return this.handles.size;
  }

  get full(): boolean {
    return this.handles.size >= MAX_MAPTRACK;
  }

  get(handle: number): GrantMapping | undefined {
    return this.handles.get(handle);
  }

  add(mapping: Omit<GrantMapping, "handle">): GrantMapping {
    // Handles are not reused soon, so a stale handle cannot name a newer mapping.
    while (this.handles.has(this.nextHandle) || this.nextHandle === 0)
      this.nextHandle = (this.nextHandle + 1) >>> 0;
    const entry = { ...mapping, handle: this.nextHandle };
    this.nextHandle = (this.nextHandle + 1) >>> 0;
    this.handles.set(entry.handle, entry);
    this.byGpfn.set(entry.hostGpfn, entry);
    const key = grantKey(entry.granter, entry.ref);
    const same = this.byGrant.get(key);
    if (same) same.add(entry);
    else this.byGrant.set(key, new Set([entry]));
    return entry;
  }

  delete(handle: number): void {
    const entry = this.handles.get(handle);
    if (!entry) return;
    this.handles.delete(handle);
    if (this.byGpfn.get(entry.hostGpfn) === entry) this.byGpfn.delete(entry.hostGpfn);
    const key = grantKey(entry.granter, entry.ref);
    const same = this.byGrant.get(key);
    same?.delete(entry);
    if (same?.size === 0) this.byGrant.delete(key);
  }

  atGpfn(gpfn: number): GrantMapping | undefined {
    return this.byGpfn.get(gpfn);
  }

  /**
   * The Copy-To-Write fault: the mapping keeps its handle and gpfn but now holds `frame`, a private
   * copy, and leaves the grant's index. A new object, so that whoever held the old one (a revoke
   * deadline) sees it is not the same mapping any more.
   */
  detach(handle: number, frame: Frame): GrantMapping {
    const old = this.handles.get(handle);
    if (!old) throw new Error(`no mapping with handle ${handle}`);
    this.delete(handle);
    const entry: GrantMapping = { ...old, frame, readonly: false, privateCopy: true };
    this.handles.set(handle, entry);
    this.byGpfn.set(entry.hostGpfn, entry);
    return entry;
  }

  /** This domain's mappings of `granter`'s entry `ref`. */
  ofGrant(granter: number, ref: number): GrantMapping[] {
    return [...(this.byGrant.get(grantKey(granter, ref)) ?? [])];
  }

  values(): IterableIterator<GrantMapping> {
    return this.handles.values();
  }
}
