import { describe, expect, it } from "vitest";
import { bool, ConfigError, checked, durationMs, int, oneOf, port, readConfig, str, url } from "./env.js";

const spec = {
  PORT: port({ default: 7000 }),
  HOST: str({ default: "127.0.0.1" }),
  XEN_MEMORY_MB: int({ min: 1, max: 65536, default: 256 }),
  XEN_DOM0_TOKEN: str({ secret: true, minLength: 8 }),
  XEN_HYPERVISOR_URL: url({ protocols: ["ws", "wss"], default: "ws://127.0.0.1:7000/hypercall" }),
  XENFS_MODE: oneOf(["shared", "copy", "block"], { default: "shared" }),
  VERBOSE: bool({ default: false }),
  XEN_SESSION_LEASE_MS: durationMs({ default: 10_000, min: 1 }),
  XENSTORED_PATH: str({ optional: true }),
};

function problems(env: Record<string, string>): Map<string, string> {
  try {
    readConfig(spec, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe("ECONFIG");
    return new Map((error as ConfigError).problems.map((p) => [p.key, p.reason]));
  }
  throw new Error("expected a ConfigError");
}

describe("readConfig", () => {
  it("applies defaults and parses every reader", () => {
    expect(readConfig(spec, { XEN_DOM0_TOKEN: "s3cret-token" })).toEqual({
      PORT: 7000,
      HOST: "127.0.0.1",
      XEN_MEMORY_MB: 256,
      XEN_DOM0_TOKEN: "s3cret-token",
      XEN_HYPERVISOR_URL: "ws://127.0.0.1:7000/hypercall",
      XENFS_MODE: "shared",
      VERBOSE: false,
      XEN_SESSION_LEASE_MS: 10_000,
      XENSTORED_PATH: undefined,
    });
    const config = readConfig(spec, {
      PORT: "0",
      XEN_DOM0_TOKEN: "abcdefgh",
      XEN_MEMORY_MB: "64",
      XENFS_MODE: "copy",
      VERBOSE: "yes",
      XEN_SESSION_LEASE_MS: "2s",
      XENSTORED_PATH: "/run/xenstored/socket",
    });
    expect(config).toMatchObject({ PORT: 0, XEN_MEMORY_MB: 64, XENFS_MODE: "copy", VERBOSE: true });
    expect(config.XEN_SESSION_LEASE_MS).toBe(2000);
    expect(config.XENSTORED_PATH).toBe("/run/xenstored/socket");
  });

  it("reports every bad variable at once, with the reason", () => {
    const found = problems({
      PORT: "70000",
      XEN_MEMORY_MB: "12abc",
      XEN_HYPERVISOR_URL: "http://x",
      XENFS_MODE: "fast",
      VERBOSE: "maybe",
      XEN_SESSION_LEASE_MS: "10 parsecs",
    });
    expect([...found.keys()].sort()).toEqual(
      [
        "PORT",
        "VERBOSE",
        "XENFS_MODE",
        "XEN_DOM0_TOKEN",
        "XEN_HYPERVISOR_URL",
        "XEN_MEMORY_MB",
        "XEN_SESSION_LEASE_MS",
      ].sort(),
    );
    expect(found.get("PORT")).toMatch(/\[0, 65535\].*70000/);
    expect(found.get("XEN_DOM0_TOKEN")).toMatch(/required/);
    expect(found.get("XENFS_MODE")).toMatch(/shared, copy, block/);
    expect(found.get("XEN_HYPERVISOR_URL")).toMatch(/ws, wss/);
  });

  it("never puts a secret's value in the error", () => {
    try {
      readConfig(spec, { XEN_DOM0_TOKEN: "short" });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/XEN_DOM0_TOKEN: must be at least 8/);
      expect((error as Error).message).not.toContain("short");
    }
  });

  it("treats an empty value as unset", () => {
    expect(problems({ XEN_DOM0_TOKEN: "" }).has("XEN_DOM0_TOKEN")).toBe(true);
    expect(readConfig(spec, { XEN_DOM0_TOKEN: "abcdefgh", PORT: "" }).PORT).toBe(7000);
  });

  it("checks integer and duration ranges", () => {
    expect(problems({ XEN_DOM0_TOKEN: "abcdefgh", XEN_MEMORY_MB: "0" }).get("XEN_MEMORY_MB")).toMatch(
      /\[1, 65536\]/,
    );
    expect(
      problems({ XEN_DOM0_TOKEN: "abcdefgh", XEN_SESSION_LEASE_MS: "0ms" }).get("XEN_SESSION_LEASE_MS"),
    ).toMatch(/between 1ms/);
    expect(readConfig({ D: durationMs() }, { D: "3m" }).D).toBe(180_000);
  });
});

describe("checked", () => {
  const evenLength = (raw: string) => {
    if (raw.length % 2) throw new Error("odd length");
  };

  it("keeps text its grammar accepts, and names the variable and the reason otherwise", () => {
    expect(readConfig({ RULES: checked(evenLength, { default: "" }) }, {})).toEqual({ RULES: "" });
    expect(readConfig({ RULES: checked(evenLength) }, { RULES: "ab" })).toEqual({ RULES: "ab" });
    expect(() => readConfig({ RULES: checked(evenLength) }, { RULES: "abc" })).toThrow(/RULES.*odd length/s);
  });
});
