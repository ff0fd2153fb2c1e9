// XEN_ERRNO against Debian's xen/errno.h (libxen-dev): every name and value the header defines,
// bar its two aliases, and nothing else.
import { existsSync, readFileSync } from "node:fs";
import { skipReason } from "@xenfs/testkit-skip";
import { describe, expect, it } from "vitest";
import { errnoName, XEN_ERRNO } from "./errno.js";

const HEADER = "/usr/include/xen/errno.h";
const ALIASES = new Set(["EWOULDBLOCK", "EDEADLOCK"]);

describe.skipIf(
  skipReason(
    "errno.h against Xen's header",
    existsSync(HEADER) ? undefined : `${HEADER} (apt-get install libxen-dev)`,
  ),
)("errno.h against Xen's header", () => {
  it("has every XEN_ERRNO(name, value) of the header, the aliases aside, and no other", () => {
    const defined = [...readFileSync(HEADER, "utf8").matchAll(/XEN_ERRNO\((E[A-Z0-9]+),\s*(\d+)\)/g)]
      .filter(([, name]) => !ALIASES.has(name as string))
      .map(([, name, value]) => [name, Number(value)]);
    expect(defined.length).toBeGreaterThan(40);
    expect(Object.entries(XEN_ERRNO).sort()).toEqual(defined.sort());
  });
});

describe("errnoName", () => {
  it("names a value either way round, and a value errno.h lacks by its number", () => {
    expect(errnoName(22)).toBe("EINVAL");
    expect(errnoName(-20)).toBe("ENOTDIR");
    expect(errnoName(4000)).toBe("E4000");
  });
});
