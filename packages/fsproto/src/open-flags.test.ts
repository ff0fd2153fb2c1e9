import { constants } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FsProtocolError } from "./errors.js";
import { FsError } from "./fs-error.js";
import {
  decodeOpenFlags,
  hostOpenFlags,
  NODE_OPEN_FLAGS,
  type NodeOpenFlag,
  O,
  O_ACCMODE,
  OPEN_FLAGS,
  type OpenFlags,
  openFlagsProblem,
  reopenFlags,
  wireOfHostFlags,
  wireOpenFlags,
} from "./open-flags.js";

const MODIFIERS = [0, O.O_DIRECTORY, O.O_NOFOLLOW, O.O_DIRECTORY | O.O_NOFOLLOW];
const NAMES = Object.keys(OPEN_FLAGS) as OpenFlags[];
/** Every word the backend serves: each open, O_TRUNC left out beside O_EXCL, any modifiers. */
const VALID = NAMES.flatMap((name) => {
  const bits = OPEN_FLAGS[name];
  const forms = bits & O.O_EXCL && bits & O.O_TRUNC ? [bits, bits & ~O.O_TRUNC] : [bits];
  return forms.flatMap((form) => MODIFIERS.map((modifiers) => ({ name, flags: form | modifiers })));
});

describe("open flags", () => {
  it("maps Node's flag strings to Linux O_* bits", () => {
    expect(wireOpenFlags("r")).toBe(O.O_RDONLY);
    expect(wireOpenFlags("w")).toBe(O.O_WRONLY | O.O_CREAT | O.O_TRUNC);
    expect(wireOpenFlags("ax+")).toBe(O.O_RDWR | O.O_CREAT | O.O_APPEND | O.O_EXCL);
    expect(wireOpenFlags(O.O_RDWR)).toBe(O.O_RDWR);
    expect(() => wireOpenFlags("rw" as "r")).toThrow(TypeError);
  });

  it("reopens without creating, truncating or insisting on exclusivity", () => {
    expect(reopenFlags(wireOpenFlags("wx+"))).toBe(O.O_RDWR);
    expect(reopenFlags(wireOpenFlags("a"))).toBe(O.O_WRONLY | O.O_APPEND);
  });

  it("takes Node's numeric flags in the host's bits, and refuses bits the wire lacks with EINVAL", () => {
    const { O_RDWR, O_CREAT, O_EXCL, O_APPEND } = constants;
    expect(wireOpenFlags(O_RDWR | O_CREAT | O_EXCL)).toBe(O.O_RDWR | O.O_CREAT | O.O_EXCL);
    expect(wireOpenFlags(O_APPEND)).toBe(O.O_APPEND);
    const context = { syscall: "open", path: "a" };
    for (const bad of [constants.O_SYNC, O.O_WRONLY | O.O_RDWR, -1, 2 ** 32, 0.5]) {
      expect(() => wireOpenFlags(bad, context)).toThrow(FsError);
      expect(() => wireOpenFlags(bad, context)).toThrow("EINVAL: invalid argument, open 'a'");
    }
  });

  it("decodes every open the backend serves, and round-trips it through its name and the host", () => {
    for (const { name, flags } of VALID) {
      const open = decodeOpenFlags(flags);
      expect(open.name).toBe(name);
      expect(decodeOpenFlags(OPEN_FLAGS[name] | (flags & (O.O_DIRECTORY | O.O_NOFOLLOW)))).toEqual(open);
      expect(wireOfHostFlags(hostOpenFlags(flags))).toBe(flags);
      expect(open.truncate).toBe((flags & O.O_TRUNC) !== 0 && !open.exclusive);
      expect(open.readable).toBe((flags & O_ACCMODE) !== O.O_WRONLY);
      expect(open.writable).toBe((flags & O_ACCMODE) !== O.O_RDONLY);
    }
    for (const flag of Object.keys(NODE_OPEN_FLAGS) as NodeOpenFlag[]) {
      expect(decodeOpenFlags(wireOpenFlags(flag)).name).toBe(flag);
      expect(wireOpenFlags(hostOpenFlags(wireOpenFlags(flag)))).toBe(wireOpenFlags(flag));
      // A reconnect's reopen is an open the backend serves too.
      expect(NAMES).toContain(decodeOpenFlags(reopenFlags(wireOpenFlags(flag))).name);
    }
  });

  it("refuses every other word: undefined bits and unserved combinations alike", () => {
    const served = new Set(VALID.map(({ flags }) => flags));
    const check = (flags: number) => {
      if (served.has(flags)) expect(decodeOpenFlags(flags).name).toBeDefined();
      else expect(() => decodeOpenFlags(flags)).toThrow(FsProtocolError);
      // The host's bits carry every word the codec lets through, both ways.
      if (openFlagsProblem(flags) === undefined) expect(wireOfHostFlags(hostOpenFlags(flags))).toBe(flags);
    };
    // Every combination of the defined bits, then words with any bits at all.
    const bits = Object.values(O).filter((bit) => bit !== 0);
    for (let subset = 0; subset < 2 ** bits.length; subset++) {
      check(bits.reduce((word: number, bit, i) => (subset & (1 << i) ? word | bit : word), 0));
    }
    fc.assert(fc.property(fc.nat({ max: 0xffffffff }), check));
    expect(() => decodeOpenFlags(O.O_WRONLY | O.O_TRUNC)).toThrow("open flags 0o1001 are not supported");
  });
});
