import { describe, expect, it } from "vitest";
import { getopt } from "./getopt.js";

const LONGS = [
  { name: "prefix", short: "p", hasArg: false },
  { name: "recurse", short: "r", hasArg: false },
  { name: "raw", short: "R", hasArg: false },
  { name: "number", short: "n", hasArg: true },
];

describe("getopt as GNU getopt_long parses Xen's tools' options", () => {
  it("takes options anywhere, bundles, -n3 and -n 3, long names and their unique prefixes, and stops at --", () => {
    expect(getopt(["/a", "-pr", "-n3", "/b", "--pre", "--number", "4", "--", "-R"], "prn:R", LONGS)).toEqual({
      events: [{ opt: "p" }, { opt: "r" }, { opt: "n", arg: "3" }, { opt: "p" }, { opt: "n", arg: "4" }],
      operands: ["/a", "/b", "-R"],
    });
    expect(getopt(["--number=5", "-", "-n", "6"], "n:", LONGS).events).toEqual([
      { opt: "n", arg: "5" },
      { opt: "n", arg: "6" },
    ]);
  });

  it("reports problems in GNU's words and carries on", () => {
    expect(getopt(["-z", "--r", "--bogus", "--prefix=1", "/a", "-n"], "prn:R", LONGS)).toEqual({
      events: [
        { problem: "invalid option -- 'z'" },
        { problem: "option '--r' is ambiguous; possibilities: '--recurse' '--raw'" },
        { problem: "unrecognized option '--bogus'" },
        { problem: "option '--prefix' doesn't allow an argument" },
        { problem: "option requires an argument -- 'n'" },
      ],
      operands: ["/a"],
    });
  });
});
