// The xenbus handshake between a dom0 and a guest joined to a real hypervisor, read back from
// the state nodes in XenStore at each step.
import { ECHO_DEVICE, EchoBackend, EchoFrontend } from "@xenfs/echo";
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { eventually, hvApi, joinDom0, joinGuest, startTestHypervisor } from "@xenfs/testkit";
import type { BackendInfo, FrontendInfo } from "@xenfs/xenbus";
import {
  backendDir,
  frontendDir,
  parseRingKeys,
  readOptional,
  ringKeys,
  ringRefKey,
  XenbusBackend,
  XenbusFrontend,
  XenbusState,
} from "@xenfs/xenbus";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LEASE_MS } from "./host.js";

interface DomainView {
  domid: number;
  state: string;
  grants: number;
  maps: number;
  ports: number;
}

describe("xenbus handshake", () => {
  let hv: Hypervisor;
  let dom0: XenDomain;
  let guest: XenDomain;
  let back: string;
  let front: string;
  /** Both state nodes at each driver step: [step, frontend, backend]. */
  let seen: [string, string | undefined, string | undefined][];

  const states = async (step: string) => {
    seen.push([
      step,
      await readOptional(dom0.xs, `${front}/state`),
      await readOptional(dom0.xs, `${back}/state`),
    ]);
  };

  /** The echo drivers, with the state nodes read as each step begins. */
  class ObservedEchoFrontend extends EchoFrontend {
    override async initialise(backend: BackendInfo) {
      await states("frontend initialise");
      return super.initialise(backend);
    }
    override connected() {
      void states("frontend connected");
      super.connected();
    }
  }
  class ObservedEchoBackend extends EchoBackend {
    override async connect(frontend: FrontendInfo) {
      await states("backend connect");
      return super.connect(frontend);
    }
  }

  beforeEach(async () => {
    seen = [];
    hv = await startTestHypervisor({ sessionLeaseMs: LEASE_MS });
    dom0 = await joinDom0(hv);
    guest = await joinGuest(hv, "guest-hs");
    back = backendDir(0, guest.domid, ECHO_DEVICE);
    front = frontendDir(guest.domid, ECHO_DEVICE);
  });
  afterEach(async () => {
    await guest?.close();
    await dom0?.close();
    await hv?.close();
  });

  it("goes Initialising → InitWait → Initialised → Connected, as the state nodes show", async () => {
    const backend = new XenbusBackend(dom0, ECHO_DEVICE.type, new ObservedEchoBackend(dom0));
    await backend.start();
    await states("device created");
    const echo = new ObservedEchoFrontend(guest);
    const frontend = new XenbusFrontend(guest, ECHO_DEVICE, echo);
    await frontend.start();

    expect(await echo.echo(new TextEncoder().encode("ping"))).toEqual(new TextEncoder().encode("ping"));
    await eventually(async () => (seen.length === 4 ? true : undefined), "the connected step");
    const { Initialising, InitWait, Initialised, Connected } = XenbusState;
    expect(seen).toEqual([
      ["device created", String(Initialising), String(InitWait)],
      ["frontend initialise", String(Initialising), String(InitWait)],
      ["backend connect", String(Initialised), String(InitWait)],
      ["frontend connected", String(Connected), String(Connected)],
    ]);
    expect(frontend.state).toBe(Connected);
    expect(await dom0.xs.read(`${front}/state`)).toBe(String(Connected));
    await backend.close();
  });

  it("lays out both directories with the toolstack's keys and permissions", async () => {
    const backend = new XenbusBackend(dom0, ECHO_DEVICE.type, new EchoBackend(dom0));
    await backend.start();
    const g = guest.domid;

    expect(await guest.xs.read(`${back}/frontend`)).toBe(front);
    expect(await guest.xs.read(`${back}/frontend-id`)).toBe(String(g));
    expect(await guest.xs.read(`${back}/feature-max-payload`)).toBe("48");
    expect(await guest.xs.read(`${front}/backend`)).toBe(back);
    expect(await guest.xs.read(`${front}/backend-id`)).toBe("0");
    expect(await dom0.xs.getPerms(back)).toEqual(["n0", `r${g}`]);
    expect(await dom0.xs.getPerms(`${back}/state`)).toEqual(["n0", `r${g}`]);
    expect(await dom0.xs.getPerms(front)).toEqual([`n${g}`, "r0"]);
    expect(await dom0.xs.getPerms(`${front}/state`)).toEqual([`n${g}`, "r0"]);
    // The guest reads the backend's keys but cannot change them.
    await expect(guest.xs.write(`${back}/state`, "4")).rejects.toMatchObject({ code: "EACCES" });

    const frontend = new XenbusFrontend(guest, ECHO_DEVICE, new EchoFrontend(guest));
    await frontend.start();
    await eventually(
      async () => ((await readOptional(dom0.xs, `${back}/state`)) === "4" ? true : undefined),
      "Connected",
    );
    const ringRef = Number(await dom0.xs.read(`${front}/ring-ref`));
    const port = Number(await dom0.xs.read(`${front}/event-channel`));
    expect(ringRef).toBeGreaterThanOrEqual(8); // refs below GNTTAB_NR_RESERVED_ENTRIES are the toolstack's
    expect(await guest.events.status(port)).toMatchObject({ status: "interdomain", remoteDom: 0 });
    await backend.close();
  });

  it("sets up a multi-page ring as blkif does: ring-page-order and ring-ref0…, all mapped", async () => {
    const backend = new XenbusBackend(dom0, ECHO_DEVICE.type, new EchoBackend(dom0));
    await backend.start();
    expect(await guest.xs.read(`${back}/max-ring-page-order`)).toBe("4");
    // The frontend asks for more than the backend offers: it gets the backend's maximum.
    const echo = new EchoFrontend(guest, { maxRingPageOrder: 9 });
    const frontend = new XenbusFrontend(guest, ECHO_DEVICE, echo);
    await frontend.start();
    const many = Array.from({ length: 1_500 }, (_, i) => Uint8Array.of(i & 0xff, i >> 8));
    const answers = await Promise.all(many.map((payload) => echo.echo(payload)));
    expect(answers).toEqual(many);

    expect(await dom0.xs.read(`${front}/ring-page-order`)).toBe("4");
    expect(await readOptional(dom0.xs, `${front}/ring-ref`)).toBeUndefined();
    const refs = await Promise.all(
      Array.from({ length: 16 }, async (_, i) => Number(await dom0.xs.read(`${front}/${ringRefKey(i)}`))),
    );
    expect(new Set(refs).size).toBe(16);
    expect(await readOptional(dom0.xs, `${front}/${ringRefKey(16)}`)).toBeUndefined();
    let view = await hvApi<DomainView[]>(hv, "/api/domains");
    expect(view.find((d) => d.domid === 0)).toMatchObject({ maps: 16 });

    await frontend.close();
    view = await hvApi<DomainView[]>(hv, "/api/domains");
    expect(view.find((d) => d.domid === 0)).toMatchObject({ maps: 0 });
    expect(view.find((d) => d.domid === guest.domid)).toMatchObject({ grants: 0 });
    await backend.close();
  });

  it("the ring keys: one page is ring-ref; an order over the backend's maximum is refused", () => {
    expect(ringKeys([9], 3)).toEqual({ "ring-ref": "9", "event-channel": "3" });
    expect(ringKeys([9, 10, 11, 12], 3)).toEqual({
      "ring-page-order": "2",
      "ring-ref0": "9",
      "ring-ref1": "10",
      "ring-ref2": "11",
      "ring-ref3": "12",
      "event-channel": "3",
    });
    const info = (keys: Record<string, string>) => ({ domid: 5, path: "/x", keys });
    expect(parseRingKeys(info(ringKeys([9, 10], 3)), 4)).toEqual({ order: 1, ringRefs: [9, 10], port: 3 });
    expect(parseRingKeys(info(ringKeys([9], 3)), 4)).toEqual({ order: 0, ringRefs: [9], port: 3 });
    const refused = expect.objectContaining({ code: "EPROTO" });
    expect(() => parseRingKeys(info(ringKeys([1, 2, 3, 4], 3)), 1)).toThrow(refused);
    expect(() =>
      parseRingKeys(info({ "ring-page-order": "1", "ring-ref0": "9", "event-channel": "3" }), 4),
    ).toThrow(refused);
    expect(() => parseRingKeys(info({ "ring-ref": "x", "event-channel": "3" }), 4)).toThrow(refused);
  });

  it("closes: frontend Closing → backend Closed → frontend Closed, ring and port released", async () => {
    const backend = new XenbusBackend(dom0, ECHO_DEVICE.type, new EchoBackend(dom0));
    await backend.start();
    const echo = new EchoFrontend(guest);
    const frontend = new XenbusFrontend(guest, ECHO_DEVICE, echo);
    await frontend.start();
    await echo.echo(new Uint8Array([7]));
    const port = Number(await guest.xs.read(`${front}/event-channel`));

    await frontend.close();
    expect(frontend.state).toBe(XenbusState.Closed);
    expect(await dom0.xs.read(`${front}/state`)).toBe(String(XenbusState.Closed));
    expect(await dom0.xs.read(`${back}/state`)).toBe(String(XenbusState.Closed));
    expect((await guest.events.status(port)).status).toBe("closed");
    const view = await hvApi<DomainView[]>(hv, "/api/domains");
    expect(view.find((d) => d.domid === 0)).toMatchObject({ maps: 0 });
    expect(view.find((d) => d.domid === guest.domid)).toMatchObject({ grants: 0 });
    await backend.close();
  });

  it("cleans up after a guest that dies: backend directory gone, no grant, map or port left", async () => {
    const backend = new XenbusBackend(dom0, ECHO_DEVICE.type, new EchoBackend(dom0));
    await backend.start();
    const before = await hvApi<{ frames: { used: number } }>(hv, "/api/memory");
    const doomed = await joinGuest(hv, "guest-doomed");
    const echo = new EchoFrontend(doomed);
    await new XenbusFrontend(doomed, ECHO_DEVICE, echo).start();
    await echo.echo(new Uint8Array([1, 2, 3]));
    expect(backend.devices.get(doomed.domid)?.state).toBe(XenbusState.Connected);

    await doomed.close(); // SCHEDOP_shutdown: the hypervisor destroys the domain at once
    await eventually(async () => {
      const domains = await hvApi<DomainView[]>(hv, "/api/domains");
      return domains.some((d) => d.domid === doomed.domid) ? undefined : domains;
    }, "the dead guest to be reaped (not left a zombie by dom0's mapping)");
    const domains = await hvApi<DomainView[]>(hv, "/api/domains");
    expect(domains.find((d) => d.domid === 0)).toMatchObject({ maps: 0, ports: 0 });
    expect(await readOptional(dom0.xs, backendDir(0, doomed.domid, ECHO_DEVICE))).toBeUndefined();
    expect(backend.devices.has(doomed.domid)).toBe(false);
    const after = await hvApi<{ frames: { used: number } }>(hv, "/api/memory");
    expect(after.frames.used).toBe(before.frames.used);
    await backend.close();
  });
});
