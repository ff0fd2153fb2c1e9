import { describe, expect, it } from "vitest";
import { DiskFaultSpecError, parseDiskFaults, pathMatches } from "./disk-fault-spec.js";

describe("XENFS_DISK_FAULTS grammar", () => {
  it("reads every kind with its options", () => {
    expect(
      parseDiskFaults(
        "eio=read:p=0.01, eio=write:path=*.log, enospc_after=64MiB, slow_fsync=200ms, torn_write:after=3:p=0.5, seed=42",
      ),
    ).toEqual({
      seed: 42,
      rules: [
        { kind: "eio", op: "read", p: 0.01 },
        { kind: "eio", op: "write", p: 1, path: "*.log" },
        { kind: "enospc_after", bytes: 64 * 1024 * 1024 },
        { kind: "slow_fsync", ms: 200 },
        { kind: "torn_write", p: 0.5, after: 3 },
      ],
    });
    expect(parseDiskFaults("")).toEqual({ rules: [], seed: 1 });
    expect(parseDiskFaults("slow_fsync=2s:path=a/**")).toEqual({
      seed: 1,
      rules: [{ kind: "slow_fsync", ms: 2000, path: "a/**" }],
    });
    expect(parseDiskFaults("enospc_after=10")).toEqual({
      seed: 1,
      rules: [{ kind: "enospc_after", bytes: 10 }],
    });
  });

  it.each([
    ["eio=fsync", "eio is =read or =write"],
    ["eio", "eio needs =read or =write"],
    ["eio=read:p=2", "p must be in [0, 1]"],
    ["eio=read:after=2", "eio takes no option after"],
    ["eio=read:p=0.1:p=0.2", "option p given twice"],
    ["eio=read:bogus", 'option "bogus": expected name=value'],
    ["enospc_after=12XB", "size must be a byte count"],
    ["enospc_after=1KiB,enospc_after=2KiB", "enospc_after given twice"],
    ["slow_fsync=200", "with ms or s"],
    ["slow_fsync=2h", "with ms or s"],
    ["torn_write=1", "torn_write takes no value"],
    ["torn_write:after=0", "after needs a count ≥ 1"],
    ["seed=0", "seed needs a count ≥ 1"],
    ["flood=1", "unknown disk fault flood"],
    ["EIO=read", "expected kind[=value]"],
  ])("refuses %s, naming the rule", (spec, why) => {
    const bad = spec.split(",").pop() as string;
    expect(() => parseDiskFaults(`slow_fsync=1ms,${spec}`)).toThrow(DiskFaultSpecError);
    expect(() => parseDiskFaults(`slow_fsync=1ms,${spec}`)).toThrow(`"${bad}": `);
    expect(() => parseDiskFaults(spec)).toThrow(why);
  });

  it("matches paths as globs; a pattern without / matches the last component", () => {
    expect(pathMatches("*.log", "a/b/c.log")).toBe(true);
    expect(pathMatches("*.log", "c.log.1")).toBe(false);
    expect(pathMatches("a/*.log", "a/c.log")).toBe(true);
    expect(pathMatches("a/*.log", "a/b/c.log")).toBe(false);
    expect(pathMatches("a/**", "/a/b/c.log")).toBe(true);
    expect(pathMatches("f?le", "file")).toBe(true);
    expect(pathMatches("f.le", "file")).toBe(false);
  });
});
