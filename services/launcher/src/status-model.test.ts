import { describe, expect, it } from "vitest";
import {
  parseCache,
  parseDomains,
  parseMemory,
  parseMount,
  readRate,
  type Snapshot,
} from "./status-model.js";

describe("parsing the services' JSON", () => {
  it("reads domains from a bare array or a {domains} object", () => {
    const rows = [{ domid: 0, name: "Domain-0", state: "running", frames: 1024, grants: 3, ports: 2 }];
    const expected = [{ domid: 0, name: "Domain-0", state: "running", frames: 1024 }];
    expect(parseDomains(rows)).toEqual(expected);
    expect(parseDomains({ domains: rows })).toEqual(expected);
  });

  it("reads memory, cache and mount figures", () => {
    expect(
      parseMemory({ frames: { total: 65536, used: 2048, shared: 512, free: 63488 }, domains: [] }),
    ).toEqual({
      total: 65536,
      used: 2048,
      shared: 512,
      free: 63488,
    });
    expect(parseCache({ frames: 300, hits: 90, misses: 10, evictions: 0 })).toEqual({
      frames: 300,
      hits: 90,
      misses: 10,
      evictions: 0,
    });
    expect(parseMount({ mode: "shared", pagesHeld: 12, requests: 4, bytesRead: 49152, extra: true })).toEqual(
      {
        mode: "shared",
        pagesHeld: 12,
        requests: 4,
        bytesRead: 49152,
      },
    );
  });

  it("turns missing or mistyped fields into undefined instead of failing", () => {
    expect(parseDomains({ nope: 1 })).toBeUndefined();
    expect(parseDomains([{ domid: "zero", name: 7 }, null, 3])).toEqual([
      { domid: undefined, name: undefined, state: undefined, frames: undefined },
    ]);
    expect(parseMemory({ frames: 12 })).toBeUndefined();
    expect(parseMemory(undefined)).toBeUndefined();
    expect(parseCache([1, 2])).toBeUndefined();
    expect(parseMount({ mode: "copy", bytesRead: Number.NaN })).toEqual({
      mode: "copy",
      pagesHeld: undefined,
      requests: undefined,
      bytesRead: undefined,
    });
  });
});

describe("readRate", () => {
  const snapshot = (at: number, bytesRead: number | undefined): Snapshot => ({
    at,
    domains: undefined,
    memory: undefined,
    cache: undefined,
    guests: [
      {
        name: "guest-1",
        port: 7100,
        mount: { mode: "shared", pagesHeld: undefined, requests: undefined, bytesRead },
      },
    ],
  });

  it("is the bytes read between two snapshots per second", () => {
    expect(readRate(snapshot(1000, 0), snapshot(3000, 4 * 1024 * 1024), "guest-1")).toBe(2 * 1024 * 1024);
  });

  it("is unknown without a previous reading, for an unknown guest or with no time passed", () => {
    expect(readRate(undefined, snapshot(1000, 10), "guest-1")).toBeUndefined();
    expect(readRate(snapshot(0, undefined), snapshot(1000, 10), "guest-1")).toBeUndefined();
    expect(readRate(snapshot(0, 0), snapshot(1000, 10), "guest-9")).toBeUndefined();
    expect(readRate(snapshot(1000, 0), snapshot(1000, 10), "guest-1")).toBeUndefined();
  });

  it("is zero, not negative, when a restarted guest counts from zero again", () => {
    expect(readRate(snapshot(0, 5000), snapshot(1000, 100), "guest-1")).toBe(0);
  });
});
