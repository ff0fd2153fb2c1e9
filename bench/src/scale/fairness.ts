// Jain's fairness index of N shares: (Σx)² / (N·Σx²). 1 when every guest gets the same
// throughput, 1/N when one gets everything.

export function jainIndex(shares: readonly number[]): number {
  if (shares.length === 0) throw new RangeError("no shares");
  if (shares.some((x) => !Number.isFinite(x) || x < 0)) throw new RangeError("shares must be finite and ≥ 0");
  const sum = shares.reduce((a, b) => a + b, 0);
  const squares = shares.reduce((a, b) => a + b * b, 0);
  return squares === 0 ? 1 : (sum * sum) / (shares.length * squares);
}
