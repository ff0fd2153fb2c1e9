// The hypervisor, dom0 and a guest as three OS processes on loopback: a page shared by grant, an
// interdomain event channel, the ordering rule (write, then notify) across processes, and a
// killed guest's frames coming back once its lease runs out.

import {
  CLUSTER_TOKEN,
  DOM0_TOKEN,
  type DomainView,
  domainsView,
  type HypervisorProcess,
  type MemoryView,
  memoryView,
  pollUntil,
  startHypervisorProcess,
} from "@xenfs/testkit";
import { JsonLinesProcess } from "@xenfs/testkit/process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digest, pattern } from "./fixtures/pattern.js";

const LEASE_MS = 500;
const GUEST_FRAMES = 3;

/** What the guest reports of dom0's page: on connecting, and in each event handler. */
interface PageSeen {
  port: number;
  digest: string;
}

describe.sequential.each(["shm", "socket"])(
  "hypervisor, dom0 and a guest as separate processes (%s transport)",
  (transport) => {
    let hv: HypervisorProcess;
    let dom0: JsonLinesProcess;
    let guest: JsonLinesProcess;
    let guestDomid: number;
    /** /api/memory with dom0 set up and no guest yet. */
    let beforeGuest: MemoryView;

    beforeAll(async () => {
      hv = await startHypervisorProcess({ XEN_SESSION_LEASE_MS: LEASE_MS });
      const env = { XEN_HYPERVISOR_URL: hv.url, XEN_MEMORY_TRANSPORT: transport };
      dom0 = JsonLinesProcess.start("dom0", "tests/src/fixtures/dom0.ts", {
        ...env,
        XEN_DOM0_TOKEN: DOM0_TOKEN,
      });
      expect((await dom0.event<{ transport: string }>("ready")).transport).toBe(transport);
      beforeGuest = await memoryView(hv.httpUrl);
      guest = JsonLinesProcess.start("guest", "tests/src/fixtures/guest.ts", {
        ...env,
        XEN_CLUSTER_TOKEN: CLUSTER_TOKEN,
        GUEST_FRAMES: String(GUEST_FRAMES),
      });
      const joined = await guest.event<{ domid: number; transport: string }>("joined");
      expect(joined.transport).toBe(transport);
      guestDomid = joined.domid;
    });

    afterAll(async () => {
      await Promise.all([guest?.kill(), dom0?.kill()]);
      await hv?.process.kill();
    });

    it("the guest maps dom0's grant, binds its port and reads dom0's page", async () => {
      expect(guestDomid).toBeGreaterThanOrEqual(1);
      dom0.send({ cmd: "offer", guest: guestDomid });
      await dom0.event("offered");
      const connected = await guest.event<PageSeen>("connected");
      expect(connected.digest).toBe(digest(pattern(1)));
      expect(connected.port).toBeGreaterThanOrEqual(1);

      const domains = await domainsView(hv.httpUrl);
      const byId = (domid: number) => domains.find((d) => d.domid === domid);
      expect(byId(guestDomid)).toMatchObject<Partial<DomainView>>({
        name: "guest-1",
        frames: GUEST_FRAMES,
        maps: 1,
        ports: 1,
        connected: true,
      });
      expect(byId(0)).toMatchObject<Partial<DomainView>>({ grants: 1, ports: 1 });

      const memory = await memoryView(hv.httpUrl);
      expect(memory.frames.used).toBe(beforeGuest.frames.used + GUEST_FRAMES);
      expect(memory.frames.shared).toBe(beforeGuest.frames.shared + 1);
      expect(memory.domains.find((d) => d.domid === guestDomid)).toMatchObject({
        frames: GUEST_FRAMES,
        mapped: 1,
      });
    });

    it("binding leaves the guest's new port pending, as Xen does: its handler runs and answers", async () => {
      // Xen's evtchn_bind_interdomain: a notification sent before the bind may be lost, so the
      // new port starts pending. dom0 has not written again yet.
      const bound = await guest.event<PageSeen>("event");
      expect(bound.digest).toBe(digest(pattern(1)));
      await dom0.event("answered");
    });

    it("a write dom0 makes before notifying is what the guest's handler sees, and the guest answers", async () => {
      dom0.send({ cmd: "notify" });
      const seen = await guest.event<PageSeen>("event");
      expect(seen.digest).toBe(digest(pattern(2)));
      await dom0.event("answered");
    });

    it("every time: the handler sees the write dom0 made just before the event, never older bytes", async () => {
      for (let seed = 3; seed < 103; seed++) {
        dom0.send({ cmd: "notify", seed });
        const seen = await guest.event<PageSeen>("event");
        expect(seen.digest).toBe(digest(pattern(seed)));
        await dom0.event("answered");
      }
    });

    it("a SIGKILLed guest's frames and maps are released once its lease runs out", async () => {
      await guest.kill("SIGKILL");
      const after = await pollUntil(
        () => memoryView(hv.httpUrl),
        (m) => !m.domains.some((d) => d.domid === guestDomid),
        LEASE_MS + 10_000,
      );
      expect(after.domains.map((d) => d.domid)).not.toContain(guestDomid);
      expect(after.frames.used).toBe(beforeGuest.frames.used);
      expect(after.frames.shared).toBe(beforeGuest.frames.shared);
      // dom0's grant is no longer mapped; its port stays open, back to unbound.
      const domains = await domainsView(hv.httpUrl);
      expect(domains).toHaveLength(1);
      expect(domains[0]).toMatchObject<Partial<DomainView>>({ domid: 0, grants: 0, ports: 1 });
    });
  },
);
