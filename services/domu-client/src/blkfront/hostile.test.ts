// blkback against requests no well-behaved blkfront sends: each is answered with the status Linux
// blkback gives it, nothing on the disk changes, and dom0 goes on serving.
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlkbackDriver, ImageClaims } from "@xenfs/dom0-server";
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import {
  BLKIF_OP,
  BLKIF_RSP,
  type BlkifRequest,
  type BlkifResponse,
  blkifRingOfOrder,
  VBD_DEVICE as FRONT_VBD,
  VBD_DEVICE,
} from "@xenfs/proto";
import { silentLogger } from "@xenfs/service-kit";
import { joinDom0, joinGuest, startTestHypervisor } from "@xenfs/testkit";
import {
  type BackendInfo,
  type FrontendDriver,
  RingFront,
  XenbusBackend,
  XenbusFrontend,
} from "@xenfs/xenbus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_HYPERVISOR_OPTIONS } from "../../test/xenfs-host.js";

/** A frontend that only sets up the ring: the test writes the requests itself. */
class RawFront implements FrontendDriver {
  ring: RingFront<BlkifRequest, BlkifResponse> | undefined;
  #connected: () => void = () => {};
  readonly connectedOnce = new Promise<void>((resolve) => {
    this.#connected = resolve;
  });
  readonly answers: BlkifResponse[] = [];
  constructor(private readonly domain: XenDomain) {}
  async initialise(backend: BackendInfo) {
    this.ring = await RingFront.create(this.domain, backend.domid, blkifRingOfOrder(0));
    this.ring.onResponses(() => {
      for (let got = this.ring?.ring.consumeResponse(); got; got = this.ring?.ring.consumeResponse())
        if (got.ok) this.answers.push(got.value);
    });
    return this.ring.keys();
  }
  connected() {
    this.#connected();
  }
  async disconnected() {
    await this.ring?.destroy();
  }
}

describe("blkback against hostile requests", () => {
  let hv: Hypervisor;
  let dom0: XenDomain;
  let guest: XenDomain;
  let backend: XenbusBackend;
  let driver: BlkbackDriver;
  let frontend: XenbusFrontend;
  let raw: RawFront;
  let dir: string;
  let path: string;
  const image = new Uint8Array(64 * 512).fill(5);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "vbd-hostile-"));
    path = join(dir, "disk.img");
    await writeFile(path, image);
    hv = await startTestHypervisor(TEST_HYPERVISOR_OPTIONS);
    dom0 = await joinDom0(hv);
    driver = await BlkbackDriver.open(
      dom0,
      { image: path, readonly: false, claims: new ImageClaims() },
      silentLogger(),
    );
    backend = new XenbusBackend(dom0, VBD_DEVICE, driver);
    await backend.start();
    guest = await joinGuest(hv, "hostile");
    raw = new RawFront(guest);
    frontend = new XenbusFrontend(guest, { type: FRONT_VBD, devid: 0 }, raw);
    await frontend.start();
    await raw.connectedOnce;
  });
  afterAll(async () => {
    await frontend?.close();
    await guest?.close();
    await backend?.close();
    await driver?.close();
    await dom0?.close();
    await hv?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("answers each bad request alone, and still serves a good one after them", async () => {
    const ring = raw.ring as RingFront<BlkifRequest, BlkifResponse>;
    const page = await guest.memory.populatePhysmap(1);
    const gref = await guest.grants.grantAccess(0, page[0] as number);
    const seg = (first: number, last: number) => [{ gref, first_sect: first, last_sect: last }];
    const rw = (id: number, operation: 0 | 1 | 2 | 3, sector: bigint, s: ReturnType<typeof seg>) =>
      ({ operation, handle: 0, id: BigInt(id), sector_number: sector, seg: s }) as const;
    const requests: [BlkifRequest, number][] = [
      [{ operation: 9, id: 1n }, BLKIF_RSP.EOPNOTSUPP],
      [rw(2, BLKIF_OP.WRITE_BARRIER, 0n, seg(0, 0)), BLKIF_RSP.EOPNOTSUPP],
      [
        { operation: BLKIF_OP.DISCARD, flag: 0, handle: 0, id: 3n, sector_number: 0n, nr_sectors: 8n },
        BLKIF_RSP.EOPNOTSUPP,
      ],
      [rw(4, BLKIF_OP.WRITE, 0n, seg(0, 8)), BLKIF_RSP.ERROR], // last_sect past the page
      [rw(5, BLKIF_OP.WRITE, 0n, seg(3, 2)), BLKIF_RSP.ERROR], // first after last
      [rw(6, BLKIF_OP.WRITE, 60n, seg(0, 7)), BLKIF_RSP.ERROR], // past the disk's end
      [rw(7, BLKIF_OP.WRITE, (1n << 64n) - 1n, seg(0, 0)), BLKIF_RSP.ERROR],
      [rw(8, BLKIF_OP.READ, 0n, []), BLKIF_RSP.ERROR], // no segments
      [rw(9, BLKIF_OP.WRITE, 0n, [{ gref: 4000, first_sect: 0, last_sect: 0 }]), BLKIF_RSP.ERROR], // not granted
      [
        {
          operation: BLKIF_OP.INDIRECT,
          indirect_op: BLKIF_OP.READ,
          nr_segments: 300, // over feature-max-indirect-segments
          handle: 0,
          id: 10n,
          sector_number: 0n,
          indirect_grefs: [gref],
        },
        BLKIF_RSP.ERROR,
      ],
      [rw(11, BLKIF_OP.READ, 8n, seg(0, 7)), BLKIF_RSP.OKAY],
    ];
    for (const [req] of requests) ring.ring.produceRequest(req);
    await ring.push();
    await expect.poll(() => raw.answers.length, { timeout: 10_000 }).toBe(requests.length);
    // Served concurrently: answers come in any order, each once.
    const answers = [...raw.answers].sort((a, b) => Number(a.id - b.id));
    expect(answers.map((a) => [a.id, a.status])).toEqual(requests.map(([r, status]) => [r.id, status]));
    expect(answers.map((a) => a.operation)).toEqual(requests.map(([r]) => r.operation));
    expect(Array.from(await guest.memory.read(page[0] as number, 0, 4))).toEqual([5, 5, 5, 5]);
    expect(
      createHash("sha256")
        .update(await readFile(path))
        .digest("hex"),
    ).toBe(createHash("sha256").update(image).digest("hex"));
  });
});
