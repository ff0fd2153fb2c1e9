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
}

export class Maptrack {
  private readonly handles = new Map<number, GrantMapping>();
  private nextHandle = 1;

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
    return entry;
  }

  delete(handle: number): void {
    this.handles.delete(handle);
  }

  values(): IterableIterator<GrantMapping> {
    return this.handles.values();
  }
}
