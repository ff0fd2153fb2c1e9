// A live migration's guest process attaches to the target while the last of its image is still
// arriving: the attach waits for the restore to end and is answered then — attached when the
// restore made the domain, refused when it did not — and a wrong key is refused at once
// (docs/migration.md#downtime).
import { request } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { writeImage } from "@xenfs/libxen/stream";
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

async function attach(h: TestHost, name: string, sessionKey: Uint8Array) {
  const client = await RawClient.connect(h.hv.url);
  let answered = false;
  const reply = client.call({ attach: { name, sessionKey } }, 0).finally(() => {
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

  it("is refused when the restore fails", async () => {
    host = await startTestHost();
    const chunks = image("doomed");
    const restore = restoreInTwoParts(host, chunks, 3);
    await sleep(100);
    const early = await attach(host, "doomed", KEY);
    await sleep(50);
    expect(early.answered()).toBe(false);
    restore.finish([]); // no END: a truncated image
    expect((await restore.answered).status).toBe(400);
    expect((await early.reply).code).toBe("EACCES");
    expect(await host.api<{ name: string }[]>("/api/domains")).not.toContainEqual(
      expect.objectContaining({ name: "doomed" }),
    );
  });
});
