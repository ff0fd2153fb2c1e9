export type BenchKitErrorCode = "UNIT_MISMATCH" | "UNKNOWN_BASELINE" | "BAD_SUITE_NAME";

/** A report that cannot be made as asked: ratios between unlike units, a missing baseline. */
export class BenchKitError extends Error {
  override readonly name = "BenchKitError";
  constructor(
    readonly code: BenchKitErrorCode,
    message: string,
  ) {
    super(message);
  }
}
