import { DOMID, GNTCOPY, GNTMAP, GNTST, GTF } from "@xenfs/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grant, populate, readEntry, setupTable } from "../../test/guest-ops.js";
import { startTestHost, type TestHost } from "../../test/host.js";
import type { RawClient } from "../../test/raw-client.js";
import { MAX_MAPTRACK } from "./maptrack.js";

let host: TestHost;
let a: RawClient; // granter (dom0)
let b: RawClient; // mapper
let c: RawClient; // a third domain
let table: number[];
let pages: number[];

const RW = GTF.permit_access;
const RO = GTF.permit_access | GTF.readonly;
const MAP = GNTMAP.host_map;

beforeAll(async () => {
  // 16,384 maps and as many unmaps from one guest: not a test of the per-guest rate limit,
  // which a fast machine would otherwise hit (EAGAIN) in the middle of it.
  host = await startTestHost({ memoryMb: 128, limits: { ratePerSec: 0 } });
  a = await host.dom0();
  b = await host.guest("mapper");
  c = await host.guest("third");
  table = await setupTable(a, 1);
  pages = await populate(a, 8);
  await grant(a, table, 1, RW, b.domid, pages[0]!);
  await grant(a, table, 2, RO, b.domid, pages[1]!);
  await grant(a, table, 3, RW, c.domid, pages[2]!);
  await grant(a, table, 4, RW, b.domid, 4000); // names a gpfn a does not have
  await grant(a, table, 6, RW, b.domid, table[0]!); // names a grant-table frame, not RAM
});
afterAll(() => host.hv.close());

describe("GNTST status codes", () => {
  const cases: {
    name: string;
    status: keyof typeof GNTST;
    run: () => Promise<{ status: number; code: string }>;
  }[] = [
    {
      name: "map a valid grant",
      status: "okay",
      run: () => b.call({ gnttabMapGrantRef: { flags: MAP, ref: 1, dom: 0 } }),
    },
    {
      name: "map a grant made for another domain",
      status: "general_error",
      run: () => b.call({ gnttabMapGrantRef: { flags: MAP, ref: 3, dom: 0 } }),
    },
    {
      name: "write-map a read-only grant",
      status: "general_error",
      run: () => b.call({ gnttabMapGrantRef: { flags: MAP, ref: 2, dom: 0 } }),
    },
    {
      name: "map an invalid entry",
      status: "general_error",
      run: () => b.call({ gnttabMapGrantRef: { flags: MAP, ref: 5, dom: 0 } }),
    },
    {
      name: "map a grant naming a gpfn the granter lacks",
      status: "general_error",
      run: () => b.call({ gnttabMapGrantRef: { flags: MAP, ref: 4, dom: 0 } }),
    },
    {
      name: "map a grant of a grant-table frame",
      status: "general_error",
      run: () => b.call({ gnttabMapGrantRef: { flags: MAP, ref: 6, dom: 0 } }),
    },
    {
      name: "map from an unknown domain",
      status: "bad_domain",
      run: () => b.call({ gnttabMapGrantRef: { flags: MAP, ref: 1, dom: 999 } }),
    },
    {
      name: "map a ref past the table",
      status: "bad_gntref",
      run: () => b.call({ gnttabMapGrantRef: { flags: MAP, ref: 512, dom: 0 } }),
    },
    {
      name: "map without host_map/device_map",
      status: "bad_gntref",
      run: () => b.call({ gnttabMapGrantRef: { flags: 0, ref: 1, dom: 0 } }),
    },
    {
      name: "unmap an unknown handle",
      status: "bad_handle",
      run: () => b.call({ gnttabUnmapGrantRef: { handle: 9999 } }),
    },
    {
      name: "map at a gpfn out of the p2m",
      status: "bad_virt_addr",
      run: () => b.call({ gnttabMapGrantRef: { hostGpfn: 1 << 20, flags: MAP, ref: 1, dom: 0 } }),
    },
    {
      name: "query another domain's table as a guest",
      status: "permission_denied",
      run: () => b.call({ gnttabQuerySize: { dom: 0 } }),
    },
    {
      name: "copy from another domain's frame by gpfn as a guest",
      status: "permission_denied",
      run: () =>
        b.call({
          gnttabCopy: {
            source: { gmfn: pages[0]!, domid: 0 },
            dest: { ref: 1, domid: 0 },
            len: 8,
            flags: GNTCOPY.dest_gref,
          },
        }),
    },
    {
      name: "query an unknown domain",
      status: "bad_domain",
      run: () => a.call({ gnttabQuerySize: { dom: 4242 } }),
    },
    {
      name: "copy from a gpfn that is not populated",
      status: "bad_page",
      run: () =>
        b.call({
          gnttabCopy: {
            source: { gmfn: 777, domid: DOMID.SELF },
            dest: { ref: 1, domid: 0 },
            len: 8,
            flags: GNTCOPY.dest_gref,
          },
        }),
    },
    {
      name: "transfer a frame that is granted",
      status: "bad_page",
      run: () => a.call({ gnttabTransfer: { mfn: pages[0]!, domid: b.domid, ref: 0 } }),
    },
    {
      name: "copy across the end of a page",
      status: "bad_copy_arg",
      run: () =>
        b.call({
          gnttabCopy: {
            source: { ref: 1, domid: 0, offset: 4000 },
            dest: { ref: 1, domid: 0 },
            len: 200,
            flags: 3,
          },
        }),
    },
  ];
  for (const { name, status, run } of cases) {
    it(`${status}: ${name}`, async () => {
      const reply = await run();
      expect({ status: reply.status, code: reply.code }).toEqual({
        status: GNTST[status],
        code: status === "okay" ? "" : `GNTST_${status}`,
      });
    });
  }

  it("bad_virt_addr: map at a gpfn the mapper already uses", async () => {
    const [own] = await populate(b, 1);
    const reply = await b.call({ gnttabMapGrantRef: { hostGpfn: own!, flags: MAP, ref: 1, dom: 0 } });
    expect(reply.code).toBe("GNTST_bad_virt_addr");
  });

  it(`no_device_space: the ${MAX_MAPTRACK + 1}th mapping`, async () => {
    const batch = Array.from({ length: 1024 }, () => ({
      gnttabMapGrantRef: { flags: MAP | GNTMAP.readonly, ref: 2, dom: 0 },
    }));
    const handles: number[] = [];
    while (handles.length < MAX_MAPTRACK) {
      const replies = await b.multicall(batch);
      for (const r of replies) if (r.status === 0) handles.push(r.gnttabMapGrantRef!.handle!);
      if (replies.some((r) => r.code === "GNTST_no_device_space")) break;
    }
    const over = await b.call({ gnttabMapGrantRef: { flags: MAP | GNTMAP.readonly, ref: 2, dom: 0 } });
    expect(over.code).toBe("GNTST_no_device_space");
    for (let i = 0; i < handles.length; i += 1024) {
      const unmaps = handles.slice(i, i + 1024).map((handle) => ({ gnttabUnmapGrantRef: { handle } }));
      for (const r of await b.multicall(unmaps)) expect(r.status).toBe(0);
    }
    expect((await readEntry(a, table, 2)).flags).toBe(RO); // reading cleared with the last unmap
  });
});
