// Why a test does not run here, said where the test run's output shows it: vitest's reporter
// counts skipped tests but never says why. No imports, so every package's tests can use it —
// even those testkit itself builds on (vitest.shared.ts resolves `@xenfs/testkit/skip` for them).

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
