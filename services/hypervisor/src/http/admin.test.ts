import { DOMID, XEN_DOMCTL } from "@xenfs/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok } from "../../test/guest-ops.js";
import { DOM0_TOKEN, startTestHost, type TestHost } from "../../test/host.js";
import type { RawClient } from "../../test/raw-client.js";

interface DomainView {
  domid: number;
  name: string;
  state: string;
}

let host: TestHost;
let dom0: RawClient;
beforeAll(async () => {
  host = await startTestHost();
  dom0 = await host.dom0();
});
afterAll(() => host.hv.close());

function send(method: string, path: string, options: { token?: string | null; body?: string } = {}) {
  const token = options.token === undefined ? DOM0_TOKEN : options.token;
  const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  return fetch(`${host.hv.httpUrl}${path}`, { method, headers, body: options.body ?? null });
}

async function answer(res: Response): Promise<{ status: number; body: unknown }> {
  return { status: res.status, body: await res.json() };
}

const post = (path: string, token?: string | null) => send("POST", path, { token: token ?? DOM0_TOKEN });
const putFaults = (body: unknown) => send("PUT", "/api/faults", { body: JSON.stringify(body) });
const stateOf = async (domid: number) =>
  (await host.api<DomainView[]>("/api/domains")).find((d) => d.domid === domid)?.state;

describe("the admin API's token", () => {
  const endpoints: [string, string, string?][] = [
    ["POST", "pause"],
    ["POST", "unpause"],
    ["POST", "destroy"],
    ["PUT", "/api/faults", JSON.stringify({ domid: 1, spec: "drop=1" })],
    ["GET", "/api/faults"],
  ];

  it.each(endpoints)(
    "%s %s: 401 without a bearer token, 403 with the wrong one, no change",
    async (method, what, body) => {
      const guest = await host.guest(`guarded-${what.replaceAll("/", "")}`);
      const path = what.startsWith("/") ? what : `/api/domains/${guest.domid}/${what}`;
      const missing = await send(method, path, { token: null, ...(body ? { body } : {}) });
      expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(await answer(missing)).toEqual({
        status: 401,
        body: { error: { code: "EACCES", message: "needs Authorization: Bearer <XEN_DOM0_TOKEN>" } },
      });
      const basic = await fetch(`${host.hv.httpUrl}${path}`, {
        method,
        headers: { authorization: `Basic ${Buffer.from(`x:${DOM0_TOKEN}`).toString("base64")}` },
      });
      expect(basic.status).toBe(401);
      for (const token of ["cluster-secret", `${DOM0_TOKEN}x`, "d"]) {
        expect(await answer(await send(method, path, { token, ...(body ? { body } : {}) }))).toEqual({
          status: 403,
          body: { error: { code: "EPERM", message: "the token is not XEN_DOM0_TOKEN" } },
        });
      }
      expect(await stateOf(guest.domid)).toBe("running");
      await guest.sync();
      await post(`/api/domains/${guest.domid}/destroy`);
    },
  );
});

describe("POST /api/domains/<domid>/{pause,unpause,destroy}", () => {
  it("pauses a guest (its calls wait) and unpauses it (they are served), telling dom0 as domctl does", async () => {
    const guest = await host.guest("sleepy");
    expect(await answer(await post(`/api/domains/${guest.domid}/pause`))).toEqual({
      status: 200,
      body: { domid: guest.domid, state: "paused" },
    });
    expect(await stateOf(guest.domid)).toBe("paused");
    await dom0.upcall(
      (u) => (u.domainState?.domid === guest.domid && u.domainState.state === "paused") || null,
    );
    const held = guest.call({ populatePhysmap: { nrExtents: 1 } });
    expect(await answer(await post(`/api/domains/${guest.domid}/unpause`))).toEqual({
      status: 200,
      body: { domid: guest.domid, state: "running" },
    });
    expect((await held).status).toBe(0);
    await dom0.upcall(
      (u) => (u.domainState?.domid === guest.domid && u.domainState.state === "running") || null,
    );
    await post(`/api/domains/${guest.domid}/destroy`);
  });

  it("destroys a guest: its session closes, its frames go back, it leaves the list", async () => {
    const before = (await host.api<{ frames: { used: number } }>("/api/memory")).frames.used;
    const guest = await host.guest("doomed");
    await ok(guest.call({ populatePhysmap: { nrExtents: 3 } }));
    expect(await answer(await post(`/api/domains/${guest.domid}/destroy`))).toEqual({
      status: 200,
      body: { domid: guest.domid, state: "dead" },
    });
    expect((await guest.closed).reason).toBe("domain destroyed: destroyed by dom0");
    expect(await stateOf(guest.domid)).toBeUndefined();
    expect((await host.api<{ frames: { used: number } }>("/api/memory")).frames.used).toBe(before);
  });

  it("refuses with the errno domctl answers: ESRCH, EINVAL for dom0 and for a bad state", async () => {
    const guest = await host.guest("awake");
    const cases: [string, number, string][] = [
      ["/api/domains/4000/pause", 404, "ESRCH"],
      ["/api/domains/4000/destroy", 404, "ESRCH"],
      ["/api/domains/0/destroy", 400, "EINVAL"],
      ["/api/domains/0/pause", 400, "EINVAL"],
      [`/api/domains/${guest.domid}/unpause`, 400, "EINVAL"],
      ["/api/domains/abc/pause", 400, "EINVAL"],
      ["/api/domains/99999/pause", 400, "EINVAL"],
      [`/api/domains/${guest.domid}/reboot`, 404, "ENOENT"],
      [`/api/domains/${guest.domid}/pause/now`, 404, "ENOENT"],
      ["/api/domains", 404, "ENOENT"],
    ];
    for (const [path, status, code] of cases) {
      const { status: got, body } = await answer(await post(path));
      expect({ path, status: got, code: (body as { error: { code: string } }).error.code }).toEqual({
        path,
        status,
        code,
      });
    }
    // The hypercall gives the same answer for the same request.
    const reply = await dom0.call({ domctl: { cmd: XEN_DOMCTL.destroydomain, domain: 0 } });
    expect(reply.code).toBe("EINVAL");
    expect(await stateOf(guest.domid)).toBe("running");
    expect((await send("GET", `/api/domains/${guest.domid}/pause`)).status).toBe(405);
    await post(`/api/domains/${guest.domid}/destroy`);
  });
});

describe("/api/faults", () => {
  it("PUT replaces one domain's rules, GET shows them as a spec, an empty spec clears", async () => {
    expect(
      await answer(await putFaults({ domid: 3, spec: "drop=0.5,delay=5..20ms,crash_after=999999999" })),
    ).toEqual({
      status: 200,
      body: {
        spec: "drop=0.5@3,delay=5..20ms@3,crash_after=999999999@3",
        rules: [
          { kind: "drop", p: 0.5, domid: 3 },
          { kind: "delay", minMs: 5, maxMs: 20, domid: 3 },
          { kind: "crash_after", n: 999999999, domid: 3 }, // domain 3's process's to apply
        ],
      },
    });
    // The hypervisor's own crash_after (set on DOMID_XEN) is global and counts down with every
    // hypercall; the rest is per domain.
    await putFaults({ domid: DOMID.XEN, spec: "crash_after=999999999" });
    await putFaults({ domid: 4, spec: "dup=0.0000001" });
    await putFaults({ domid: 3, spec: "delay=1s" });
    const { spec } = (await (await send("GET", "/api/faults")).json()) as { spec: string };
    expect(spec).toBe("dup=0.0000001@4,delay=1000ms@3,crash_after=999999999");
    await putFaults({ domid: 3, spec: "" });
    await putFaults({ domid: 4, spec: "" });
    // The fault hypercall writes the same rules the API reads.
    await ok(dom0.call({ fault: { domid: 5, spec: "drop=0.25" } }));
    expect(await answer(await send("GET", "/api/faults"))).toMatchObject({
      status: 200,
      body: { spec: expect.stringMatching(/^drop=0\.25@5,crash_after=\d+$/) },
    });
    await putFaults({ domid: 5, spec: "" });
    await putFaults({ domid: DOMID.XEN, spec: "" });
  });

  it("refuses a bad spec with EINVAL, as the hypercall does, and changes nothing", async () => {
    await putFaults({ domid: 6, spec: "dup=0.1" });
    const cases: [unknown, number, string, RegExp][] = [
      [{ domid: 6, spec: "bogus=0.1" }, 400, "EINVAL", /unknown fault bogus/],
      [{ domid: 6, spec: "reorder=0.1" }, 400, "EINVAL", /reorder window/],
      [{ domid: DOMID.XEN, spec: "partition=1s" }, 400, "EINVAL", /partition needs its domain/],
      [{ domid: 6, spec: "drop=2" }, 400, "EINVAL", /probability/],
      [{ domid: 6 }, 400, "EINVAL", /body must be/],
      [{ domid: -1, spec: "" }, 400, "EINVAL", /domid must be/],
      [{ domid: "6", spec: "" }, 400, "EINVAL", /domid must be/],
      [[6, ""], 400, "EINVAL", /body must be/],
    ];
    for (const [body, status, code, message] of cases) {
      const got = await answer(await putFaults(body));
      expect(got.status).toBe(status);
      expect(got.body).toMatchObject({ error: { code, message: expect.stringMatching(message) } });
    }
    const notJson = await answer(await send("PUT", "/api/faults", { body: "{domid" }));
    expect(notJson).toMatchObject({ status: 400, body: { error: { code: "EBADMSG" } } });
    expect(((await (await send("GET", "/api/faults")).json()) as { spec: string }).spec).toMatch(
      /^dup=0\.1@6$/,
    );
    await putFaults({ domid: 6, spec: "" });
  });
});
