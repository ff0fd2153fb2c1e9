import { describe, expect, it } from "vitest";
import { OptionError } from "./errors.js";
import { parseOptions } from "./options.js";

function parseError(args: string[]): OptionError {
  try {
    parseOptions(args);
  } catch (error) {
    if (error instanceof OptionError) return error;
    throw error;
  }
  throw new Error(`expected ${args.join(" ")} to be refused`);
}

describe("parseOptions", () => {
  it("gives the documented defaults", () => {
    expect(parseOptions([])).toEqual({
      hosts: 1,
      guests: 3,
      exportDir: undefined,
      durationSeconds: undefined,
      mode: "shared",
      blockImage: undefined,
      memoryMb: 256,
      cacheMb: 64,
      basePort: 7000,
      logLevel: "info",
      status: "table",
      fromSource: false,
      restart: true,
      runDir: undefined,
    });
  });

  it("reads every option, long and short", () => {
    const options = parseOptions([
      "-g",
      "5",
      "--export",
      "/srv/data",
      "--duration",
      "2.5",
      "--mode",
      "copy",
      "--memory-mb",
      "512",
      "--cache-mb",
      "32",
      "--base-port",
      "9000",
      "--log-level",
      "debug",
      "--json",
      "--from-source",
      "--no-restart",
      "--run-dir",
      "/tmp/xenfs-run",
      "--hosts",
      "2",
    ]);
    expect(options).toEqual({
      hosts: 2,
      guests: 5,
      exportDir: "/srv/data",
      durationSeconds: 2.5,
      mode: "copy",
      blockImage: undefined,
      memoryMb: 512,
      cacheMb: 32,
      basePort: 9000,
      logLevel: "debug",
      status: "json",
      fromSource: true,
      restart: false,
      runDir: "/tmp/xenfs-run",
    });
    expect(parseOptions(["-q"]).status).toBe("quiet");
    expect(parseOptions(["--guests", "0"]).guests).toBe(0);
    expect(parseOptions(["--mode", "block", "--block-image", "/srv/disk.img"])).toMatchObject({
      mode: "block",
      blockImage: "/srv/disk.img",
    });
  });

  it("takes the base port from XENFS_BASE_PORT unless --base-port is given", () => {
    process.env["XENFS_BASE_PORT"] = "7400";
    try {
      expect(parseOptions([]).basePort).toBe(7400);
      expect(parseOptions(["--base-port", "9000"]).basePort).toBe(9000);
    } finally {
      delete process.env["XENFS_BASE_PORT"];
    }
  });

  it("ignores the leading -- that `pnpm start -- ...` passes on", () => {
    expect(parseOptions(["--", "--guests", "2"]).guests).toBe(2);
  });

  it.each([
    [["--guests", "three"], /--guests.*'three' is invalid.*integer from 0 to 64/],
    [["--guests", "65"], /integer from 0 to 64/],
    [["--guests", "-1"], /integer from 0 to 64/],
    [["--guests", "1.5"], /integer from 0 to 64/],
    [["--duration", "0"], /--duration.*greater than 0/],
    [["--duration", "soon"], /--duration.*greater than 0/],
    [["--mode", "fast"], /--mode.*'fast' is invalid.*shared, copy, cow, block/],
    [["--block-image", "/srv/disk.img"], /--block-image is for --mode block, not --mode shared/],
    [["--memory-mb", "8"], /--memory-mb.*integer from 16 to 65536/],
    [["--base-port", "80"], /--base-port.*integer from 1024 to 65535/],
    [["--base-port", "65500"], /--base-port 65500 leaves no room for guest ports up to 65602/],
    [["--cache-mb", "256", "--memory-mb", "256"], /--cache-mb 256 must be less than --memory-mb 256/],
    [["--log-level", "loud"], /--log-level.*'loud' is invalid/],
    [["--quiet", "--json"], /'-q, --quiet' cannot be used with option '--json'/],
    [["--frobnicate"], /unknown option '--frobnicate'/],
    [["--guests"], /argument missing/],
    [["extra"], /too many arguments/],
  ])("refuses %j with a clear OptionError", (args, message) => {
    const error = parseError(args);
    expect(error.code).toBe("EOPTION");
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(/^error:/);
  });
});
