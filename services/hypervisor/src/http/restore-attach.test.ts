// A restore on the target of a live migration: the pages go into frames as they arrive (a later
// round's copy replaces a page, an XTAB frees it, a broken image gives every frame back), and the
// guest process, which attaches while the last of its image is still arriving, waits for the
// restore to end and is answered then — attached when the restore made the domain, refused when
// it did not — while a wrong key is refused at once (docs/migration.md#downtime).
import { request } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { imageEnd, imageStart, pageRecords, writeImage } from "@xenfs/libxen/stream";
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import { afterEach, describe, expect, it } from "vitest";
import { DOM0_TOKEN, startTestHost, type TestHost } from "../../test/host.js";
import { RawClient } from "../../test/raw-client.js";

let host: TestHost | undefined;
afterEach(async () => {
  await host?.hv.close();
  host = undefined;
});

const KEY = new Uint8Array(32).fill(7);
const PAGES = 64;

function image(name: string): Uint8Array[] {
  const pages = new Map(
    Array.from(
      { length: PAGES },
      (_, pfn) => [pfn + 1, new Uint8Array(XEN_PAGE_SIZE).fill(pfn + 1)] as const,
    ),
  );
  return writeImage({
    domain: { name, maxFrames: PAGES + 8, domid: 3, sessionKey: KEY },
    grantTable: [],
    pages,
    channels: [],
    xenstore: [],
  });
}

/** POST /api/restore with the image's first records now and the rest when `finish` is called. */
function restoreInTwoParts(h: TestHost, chunks: Uint8Array[], cut: number) {
  const finishers: ((tail?: Uint8Array[]) => void)[] = [];
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      `${h.hv.httpUrl}/api/restore`,
      { method: "POST", headers: { authorization: `Bearer ${DOM0_TOKEN}` } },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => {
          body += d.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    for (const chunk of chunks.slice(0, cut)) req.write(chunk);
    finishers.push((tail) => {
      for (const chunk of tail ?? chunks.slice(cut)) req.write(chunk);
      req.end();
    });
  });
  return { answered, finish: (tail?: Uint8Array[]) => finishers[0]?.(tail) };
}

async function framesUsed(h: TestHost): Promise<number> {
  const response = await fetch(`${h.hv.httpUrl}/api/memory`, {
    headers: { authorization: `Bearer ${DOM0_TOKEN}` },
  });
  return ((await response.json()) as { frames: { used: number } }).frames.used;
}

async function attach(h: TestHost, name: string, sessionKey: Uint8Array, transport?: string) {
  const client = await RawClient.connect(h.hv.url);
  let answered = false;
  const reply = client
    .call({ attach: { name, sessionKey, ...(transport ? { transport } : {}) } }, 0)
    .finally(() => {
      answered = true;
    });
  return { client, reply, answered: () => answered };
}

describe("an attach during the restore of its domain", () => {
  it("waits for the restore and is answered with the restored domain", async () => {
    host = await startTestHost();
    const chunks = image("arriving");
    const restore = restoreInTwoParts(host, chunks, 3);
    await sleep(100); // the domain record is in; the pages are not
    const early = await attach(host, "arriving", KEY);
    const wrongKey = await attach(host, "arriving", new Uint8Array(32).fill(8));
    expect((await wrongKey.reply).code).toBe("EACCES");
    await sleep(100);
    expect(early.answered()).toBe(false);
    restore.finish();
    const restored = await restore.answered;
    expect(restored.status).toBe(200);
    const reply = await early.reply;
    expect(reply.status).toBe(0);
    expect(reply.join?.domid).toBe((JSON.parse(restored.body) as { domid: number }).domid);
    const domains = await host.api<{ name: string; state: string; frames: number }[]>("/api/domains");
    expect(domains.find((d) => d.name === "arriving")).toMatchObject({ state: "running", frames: PAGES });
    await early.client.close();
  });

  it("is refused when the restore fails, and the frames its pages took are given back", async () => {
    host = await startTestHost();
    const baseline = await framesUsed(host);
    const chunks = image("doomed");
    const restore = restoreInTwoParts(host, chunks, chunks.length - 3); // every page, not the end
    await sleep(100);
    expect(await framesUsed(host)).toBe(baseline + PAGES); // the pages are in frames already
    const early = await attach(host, "doomed", KEY);
    await sleep(50);
    expect(early.answered()).toBe(false);
    restore.finish([]); // no END: a truncated image
    expect((await restore.answered).status).toBe(400);
    expect((await early.reply).code).toBe("EACCES");
    expect(await framesUsed(host)).toBe(baseline);
    expect(await host.api<{ name: string }[]>("/api/domains")).not.toContainEqual(
      expect.objectContaining({ name: "doomed" }),
    );
  });
});

describe("the frames of a restore", () => {
  it("take each round's copy of a page, free an XTAB'd one, and become the domain's", async () => {
    host = await startTestHost();
    const baseline = await framesUsed(host);
    const page = (b: number) => new Uint8Array(XEN_PAGE_SIZE).fill(b);
    const round0 = new Map([1, 2, 3, 4].map((pfn) => [pfn, page(pfn)] as const));
    const round1 = new Map([[2, page(22)]]); // rewritten while the guest ran
    const chunks = [
      ...imageStart({ name: "rounds", maxFrames: 8, domid: 5, sessionKey: KEY }, []),
      ...pageRecords(round0),
      ...pageRecords(round1, [4]), // and pfn 4 left the domain
      ...imageEnd([], []),
    ];
    const restore = restoreInTwoParts(host, chunks, chunks.length - 3);
    await sleep(100);
    expect(await framesUsed(host)).toBe(baseline + 3); // 1, 2, 3 held; 4 freed
    restore.finish();
    expect((await restore.answered).status).toBe(200);
    const domains = await host.api<{ name: string; frames: number }[]>("/api/domains");
    expect(domains.find((d) => d.name === "rounds")?.frames).toBe(3);
    expect(await framesUsed(host)).toBe(baseline + 3);
    // A transport that is neither is refused, and changes nothing: the next attach takes it.
    const wrong = await RawClient.connect(host.hv.url);
    const refused = await wrong.call({ attach: { name: "rounds", sessionKey: KEY, transport: "pigeon" } }, 0);
    expect(refused.code).toBe("EINVAL");
    const guest = await attach(host, "rounds", KEY, "shm");
    const reply = await guest.reply;
    expect(reply.status).toBe(0);
    // Its own frames where they are now, as mem_translate would say, without asking it.
    const own = new Map(reply.join!.ownGpfns!.map((gpfn, i) => [gpfn, reply.join!.ownMfns![i]]));
    expect([...own.keys()].sort()).toEqual([1, 2, 3]);
    const translated = await guest.client.call({ memTranslate: { gpfns: [1, 2, 3] } });
    expect(translated.memTranslate?.mfns).toEqual([own.get(1), own.get(2), own.get(3)]);
    for (const [gpfn, byte] of [
      [1, 1],
      [2, 22],
      [3, 3],
    ] as const) {
      const read = await guest.client.call({ memRead: { gpfn, offset: 0, length: XEN_PAGE_SIZE } });
      expect(read.memRead?.data).toEqual(page(byte));
    }
    await guest.client.close();
  });

  it("refuses a name taken here at the image's first record, before its pages come", async () => {
    host = await startTestHost();
    const taken = await host.guest("squatter");
    const baseline = await framesUsed(host);
    const restore = restoreInTwoParts(host, image("squatter"), 3);
    const answer = await restore.answered; // answered with only the first records sent
    expect(answer.status).toBe(409);
    expect(answer.body).toMatch(/EEXIST/);
    expect(await framesUsed(host)).toBe(baseline);
    await taken.close();
  });
});
