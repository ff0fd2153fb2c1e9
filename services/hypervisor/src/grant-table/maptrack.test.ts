import { describe, expect, it } from "vitest";
import type { Frame } from "../memory/frame-pool.js";
import { Maptrack } from "./maptrack.js";

const frame = {} as Frame;
const map = (granter: number, ref: number) => ({ granter, ref, frame, hostGpfn: 0, readonly: true });

describe("Maptrack", () => {
  it("finds a grant's mappings by granter and ref, and forgets them when unmapped", () => {
    const maptrack = new Maptrack();
    const a = maptrack.add(map(0, 7));
    const b = maptrack.add(map(0, 7));
    maptrack.add(map(0, 8));
    maptrack.add(map(3, 7));
    expect(maptrack.ofGrant(0, 7)).toEqual([a, b]);
    maptrack.delete(a.handle);
    expect(maptrack.ofGrant(0, 7)).toEqual([b]);
    maptrack.delete(b.handle);
    maptrack.delete(b.handle); // twice: nothing left to forget
    expect(maptrack.ofGrant(0, 7)).toEqual([]);
    expect(maptrack.size).toBe(2);
  });
});
