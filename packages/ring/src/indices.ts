// Free-running RING_IDX arithmetic: indices are u32 and only their differences mean anything,
// so every difference is taken modulo 2^32.

/** (RING_IDX)(a - b) */
export function idxDiff(a: number, b: number): number {
  return (a - b) >>> 0;
}

/** (RING_IDX)(a + n) */
export function idxAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/**
 * The notify test of RING_PUSH_{REQUESTS,RESPONSES}_AND_CHECK_NOTIFY: true iff the consumer's
 * event index lies in (old, new], i.e. it asked to be woken by one of the entries just pushed.
 */
export function checkNotify(oldProd: number, newProd: number, event: number): boolean {
  return idxDiff(newProd, event) < idxDiff(newProd, oldProd);
}
