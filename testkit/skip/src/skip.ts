// Why a test does not run here, said where the test run's output shows it: vitest's reporter
// counts skipped tests but never says why. A package of its own that imports nothing, so every
// package's tests may depend on it, even those testkit itself builds on.

const said = new Set<string>();

/**
 * For `describe.skipIf(…)` and `it.skipIf(…)`: true (skip) when there is a `reason`, after
 * printing "SKIPPED <test>: <reason>" once; false (run) when `reason` is undefined.
 */
export function skipReason(test: string, reason: string | undefined): boolean {
  if (reason === undefined) return false;
  const line = `SKIPPED ${test}: ${reason}`;
  if (!said.has(line)) {
    said.add(line);
    console.warn(line);
  }
  return true;
}
