import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, durationMs, int, oneOf, str, url } from "./env.js";
import { buildEnv, directoryProblems, envDefault, envDefaults, envSpec, readEnv } from "./env-spec.js";

const root = mkdtempSync(join(tmpdir(), "env-spec-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const spec = envSpec(
  {
    PORT: int({ min: 0, max: 65535, default: 7001, doc: "HTTP port" }),
    XEN_HYPERVISOR_URL: url({ protocols: ["ws"], default: "ws://127.0.0.1:7000/hypercall" }),
    TOKEN_A: str({ secret: true }),
    TOKEN_B: str({ secret: true }),
    LEASE: durationMs({ min: 1, default: 10_000 }),
    MODE: oneOf(["shared", "copy"], { default: "shared" }),
    EXPORT: str({ optional: true }),
  },
  (env) => [
    ...(env.TOKEN_A === env.TOKEN_B ? [{ key: "TOKEN_B", reason: "must differ from TOKEN_A" }] : []),
    ...directoryProblems("EXPORT", env.EXPORT),
  ],
);

function problems(run: () => unknown): Map<string, string> {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return new Map((error as ConfigError).problems.map((p) => [p.key, p.reason]));
  }
  throw new Error("expected a ConfigError");
}

describe("env specs", () => {
  it("build an environment the service reads back as the same values", () => {
    const values = { PORT: 0, TOKEN_A: "a", TOKEN_B: "b", LEASE: 250, MODE: "copy", EXPORT: root } as const;
    const env = buildEnv(spec, values);
    expect(env).toEqual({ PORT: "0", TOKEN_A: "a", TOKEN_B: "b", LEASE: "250", MODE: "copy", EXPORT: root });
    expect(readEnv(spec, env)).toEqual({ ...values, XEN_HYPERVISOR_URL: "ws://127.0.0.1:7000/hypercall" });
  });

  it("refuse to build a value the service would refuse, naming it", () => {
    const found = problems(() => buildEnv(spec, { PORT: 70_000, LEASE: 0 }));
    expect(found.get("PORT")).toMatch(/\[0, 65535\]/);
    expect(found.get("LEASE")).toMatch(/between 1ms/);
  });

  it("check what spans variables or looks at the host once each one reads, when read, not built", () => {
    const absent = join(root, "absent");
    const found = problems(() => readEnv(spec, { TOKEN_A: "same", TOKEN_B: "same", EXPORT: absent }));
    expect(found.get("TOKEN_B")).toBe("must differ from TOKEN_A");
    expect(found.get("EXPORT")).toBe(`${absent} is not an existing directory`);
    expect(buildEnv(spec, { EXPORT: absent })).toEqual({ EXPORT: absent });
    expect(directoryProblems("D", root, { writable: true })).toEqual([]);
    expect([...problems(() => readEnv(spec, {})).keys()]).toEqual(["TOKEN_A", "TOKEN_B"]);
  });

  it("state each default once, for the service and its composition root", () => {
    expect(envDefaults(spec)).toEqual({
      PORT: 7001,
      XEN_HYPERVISOR_URL: "ws://127.0.0.1:7000/hypercall",
      LEASE: 10_000,
      MODE: "shared",
    });
    expect(envDefault(spec, "LEASE")).toBe(10_000);
    expect(() => envDefault(spec, "TOKEN_A")).toThrow(/TOKEN_A has no default/);
    expect(spec.vars.PORT.doc).toBe("HTTP port");
    expect(spec.vars.PORT.describe).toBe("an integer in [0, 65535]");
  });
});
