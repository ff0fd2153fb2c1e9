// Issuing many calls per tick: libxen sends every call of one tick as one multicall.

/** Runs `op` `total` times, `perTick` at a time (one multicall each), waiting for each batch. */
export async function inBatches(
  total: number,
  perTick: number,
  op: (i: number) => Promise<unknown>,
): Promise<void> {
  for (let done = 0; done < total; done += perTick) {
    const size = Math.min(perTick, total - done);
    await Promise.all(Array.from({ length: size }, (_, k) => op(done + k)));
  }
}
