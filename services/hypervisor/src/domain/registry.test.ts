import { DOMID_MAX_GUEST } from "@xenfs/proto";
import { describe, expect, it } from "vitest";
import type { Domain } from "./domain.js";
import { DomainRegistry } from "./registry.js";

// The registry reads only these fields of a domain.
const entry = (domid: number): Domain => ({ domid, name: `d${domid}`, live: true }) as unknown as Domain;

describe("domid allocation (Xen's rover)", () => {
  it("hands out the next id after the last one, skips ids in use, and wraps below DOMID_FIRST_RESERVED", () => {
    const registry = new DomainRegistry();
    const take = () => {
      const domid = registry.freeGuestDomid();
      if (domid === undefined) throw new Error("no domid");
      registry.add(entry(domid));
      return domid;
    };
    expect([take(), take(), take()]).toEqual([1, 2, 3]);
    registry.remove(registry.get(1)!);
    expect(take()).toBe(4); // 1 is free again, but not reused yet

    for (let domid = 5; domid <= DOMID_MAX_GUEST; domid++) registry.add(entry(domid));
    expect(registry.freeGuestDomid()).toBe(1); // the rover wrapped to the one free id
    registry.add(entry(1));
    expect(registry.freeGuestDomid()).toBeUndefined(); // every guest id taken
  });
});
