import { describe, expect, it } from "vitest";
import type { PageCacheStats } from "./page-cache.js";
import { CachePressureLog } from "./pressure-log.js";

const stats = (evictions: number, revocations: number): PageCacheStats => ({
  frames: 16,
  budgetFrames: 16,
  hits: 0,
  misses: 0,
  evictions,
  revocations,
  files: 1,
});

describe("CachePressureLog", () => {
  it("reports evictions and revocations once per interval that had any, as sums", () => {
    let now = stats(3, 1);
    const lines: object[] = [];
    const log = new CachePressureLog(() => now, { info: (obj) => lines.push(obj) });
    log.report();
    expect(lines).toEqual([]); // what happened before it started is not news
    now = stats(10, 1);
    log.report();
    now = stats(10, 4);
    log.report();
    log.report();
    now = stats(12, 4);
    log.stop();
    log.report();
    expect(lines).toEqual([
      { evicted: 7, revoked: 0, frames: 16, budgetFrames: 16 },
      { evicted: 0, revoked: 3, frames: 16, budgetFrames: 16 },
      { evicted: 2, revoked: 0, frames: 16, budgetFrames: 16 },
    ]);
  });
});
