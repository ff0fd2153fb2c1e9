// A domain's physical-to-machine map: gpfn → frame. Own frames and foreign (grant) mappings
// live in one space, as in Xen. gpfn 0 is never handed out, because 0 means "let the
// hypervisor pick" in map_grant_ref and "do not check" in unmap_grant_ref.
import type { Frame } from "./frame-pool.js";

/** Largest gpfn + 1 a domain may use: a 4 GiB pseudo-physical space. */
export const P2M_LIMIT = 1 << 20;

export interface P2mEntry {
  readonly frame: Frame;
  /** A foreign frame mapped through a grant. */
  readonly foreign: boolean;
  readonly readonly: boolean;
  /**
   * Read-only in place, and the first write takes the Copy-To-Write fault: a copy_to_write grant
   * mapping, or a page nominated or shared by mem_sharing (docs/design.md#copy-to-write).
   */
  readonly cow?: boolean;
}

export class P2m {
  private readonly entries = new Map<number, P2mEntry>();
  /** Freed gpfns below `next`, kept as a min-heap so the lowest is reused first. */
  private readonly holes: number[] = [];
  private next = 1;

  get size(): number {
    return this.entries.size;
  }

  get(gpfn: number): P2mEntry | undefined {
    return this.entries.get(gpfn);
  }

  /** Every gpfn and its entry (the frame map's details ask which gpfn holds a frame). */
  mappings(): IterableIterator<[number, P2mEntry]> {
    return this.entries.entries();
  }

  has(gpfn: number): boolean {
    return this.entries.has(gpfn);
  }

  set(gpfn: number, entry: P2mEntry): void {
    if (!P2m.valid(gpfn) || this.entries.has(gpfn)) throw new Error(`gpfn ${gpfn} is not free`);
    this.entries.set(gpfn, entry);
  }

  /** Points a populated gpfn at another entry (the Copy-To-Write fault, sharing). */
  replace(gpfn: number, entry: P2mEntry): void {
    if (!this.entries.has(gpfn)) throw new Error(`gpfn ${gpfn} is not populated`);
    this.entries.set(gpfn, entry);
  }

  delete(gpfn: number): void {
    if (!this.entries.delete(gpfn)) return;
    if (gpfn < this.next) heapPush(this.holes, gpfn);
  }

  /** Puts `entry` at the lowest free gpfn; undefined when the space is full. */
  insert(entry: P2mEntry): number | undefined {
    for (let hole = heapPop(this.holes); hole !== undefined; hole = heapPop(this.holes)) {
      // A hole may have been taken since by set(); skip it then.
      if (this.entries.has(hole)) continue;
      this.entries.set(hole, entry);
      return hole;
    }
    while (this.entries.has(this.next)) this.next++;
    if (this.next >= P2M_LIMIT) return undefined;
    this.entries.set(this.next, entry);
    return this.next++;
  }

  *[Symbol.iterator](): IterableIterator<[number, P2mEntry]> {
    yield* this.entries;
  }

  static valid(gpfn: number): boolean {
    return Number.isInteger(gpfn) && gpfn >= 1 && gpfn < P2M_LIMIT;
  }
}

function heapPush(heap: number[], value: number): void {
  heap.push(value);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent]! <= heap[i]!) break;
    [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
    i = parent;
  }
}

function heapPop(heap: number[]): number | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length === 0 || last === undefined) return top;
  heap[0] = last;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < heap.length && heap[l]! < heap[m]!) m = l;
    if (r < heap.length && heap[r]! < heap[m]!) m = r;
    if (m === i) break;
    [heap[m], heap[i]] = [heap[i]!, heap[m]!];
    i = m;
  }
  return top;
}
