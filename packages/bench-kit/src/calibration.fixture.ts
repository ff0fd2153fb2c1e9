// A fixed calibration for report tests: inputs, so the ratios they expect follow from it.
import type { Calibration } from "./calibrate.js";

export const calibration: Calibration = {
  at: "2025-01-01T00:00:00.000Z",
  node: "v20.0.0",
  wsRoundTrip: {
    samples: 10,
    p50Ms: 0.1,
    p99Ms: 0.4,
    minMs: 0.05,
    maxMs: 0.5,
    meanMs: 0.12,
    messageBytes: 64,
  },
  wsThroughput: { mbPerSec: 500, bytes: 1e6, messageBytes: 65536 },
  memcpy4k: { mbPerSec: 10_000, bytes: 1e6 },
};
